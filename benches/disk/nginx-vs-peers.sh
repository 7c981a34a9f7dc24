#!/usr/bin/env bash
# fetchlab download, each strategy, against curl and wget2: 1000 files from
# nginx on loopback to tmpfs and to the disk, and from `fetchlab serve --rtt
# 50ms` (the network model) to the disk, timed by hyperfine, every run checked
# file by file against the corpus manifest. Run by hand; see README.md beside
# this script for what it does, how long it takes, and the knobs.
#
#   benches/disk/nginx-vs-peers.sh            # writes results/disk.md
#   RESULTS=/tmp/disk.md RUNS=5 benches/disk/nginx-vs-peers.sh
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${FETCHLAB:+no}
FETCHLAB=${FETCHLAB:-$REPO/target/release/fetchlab}
FILES=${FILES:-1000}
SEED=${SEED:-2026}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
TMPFS_CONCURRENCY=${TMPFS_CONCURRENCY-"20 100"}
DISK_CONCURRENCY=${DISK_CONCURRENCY-20}
STRATEGIES=${STRATEGIES:-"sequential threads processes rayon tokio async-std"}
TMPFS=${TMPFS:-/dev/shm}
DISK_DIR=${DISK_DIR:-$REPO/target/disk-bench}
NGINX_WORKERS=${NGINX_WORKERS:-1}
RTT=${RTT:-50ms}
RTT_CONCURRENCY=${RTT_CONCURRENCY-20}
RTT_RUNS=${RTT_RUNS:-3}
RTT_WARMUP=${RTT_WARMUP:-1}
# sequential has one request in flight: at 50 ms it takes over a minute a run.
RTT_STRATEGIES=${RTT_STRATEGIES:-"threads processes rayon tokio async-std"}
RESULTS=${RESULTS:-$REPO/results/disk.md}

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'nginx-vs-peers: %s\n' "$*" >&2; exit 1; }

# --- tools -----------------------------------------------------------------

need() { # need COMMAND DEBIAN-PACKAGE
    command -v "$1" >/dev/null && return
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null ||
        die "$1 is missing: install the $2 package"
    say "installing $2"
    apt-get install -y --no-install-recommends "$2" >/dev/null 2>&1 ||
        { apt-get update >/dev/null && apt-get install -y --no-install-recommends "$2" >/dev/null; } ||
        die "cannot install $2"
}
need curl curl
need wget2 wget2
need hyperfine hyperfine
need sha256sum coreutils
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need nginx nginx
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

if [ -z "$BUILD" ]; then # the default binary: built from this checkout (a no-op when fresh)
    say "cargo build --release --bin fetchlab"
    (cd "$REPO" && cargo build --release --bin fetchlab)
fi
[ -x "$FETCHLAB" ] || die "$FETCHLAB is not an executable"
# The checkout's commit when the run starts, -dirty when a tracked file
# outside results/ differs from it (as the harness's provenance: the report
# this script rewrites does not count).
COMMIT=$(cd "$REPO" && git rev-parse --short=12 HEAD 2>/dev/null || echo '?')
[ -z "$(cd "$REPO" && git status --porcelain --untracked-files=no -- . ':!results' 2>/dev/null)" ] ||
    COMMIT="$COMMIT-dirty"
[[ $("$FETCHLAB" serve --help) == *--write-corpus* ]] ||
    die "$FETCHLAB has no \`serve --write-corpus\`: build this checkout's"

# --- scratch space, stopped and removed on exit -----------------------------

WORK=$(mktemp -d "$TMPFS/fetchlab-disk.XXXXXX")
chmod 755 "$WORK" # nginx's workers run as another user
SERVE_PID= NGINX_PID=
cleanup() {
    [ -z "$SERVE_PID" ] || kill "$SERVE_PID" 2>/dev/null || true
    [ -z "$NGINX_PID" ] || kill "$NGINX_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK" "$DISK_DIR/fetchlab-disk-out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- free loopback ports ------------------------------------------------------

free_port() {
    local p
    for _ in $(seq 100); do
        p=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
    die "no free port found"
}

# --- the corpus: written by fetchlab serve, with its manifest and URL list ----

# CORPUS/files/NAME, CORPUS/manifest.tsv (header, then name, size, sha256),
# CORPUS/SHA256SUMS, CORPUS/urls.txt (under nginx's address).
CORPUS=$WORK/corpus
CORPUS_ARGS="--files $FILES --seed $SEED"
PORT=$(free_port)
say "corpus: fetchlab serve $CORPUS_ARGS --write-corpus"
# shellcheck disable=SC2086 # CORPUS_ARGS is words
"$FETCHLAB" serve $CORPUS_ARGS --write-corpus "$CORPUS" \
    --base-url "http://127.0.0.1:$PORT/" >&2
CORPUS_BASE=http://127.0.0.1:$PORT/
[ "$(find "$CORPUS/files" -type f | wc -l)" -eq "$FILES" ] || die "the corpus is not $FILES files"
chmod -R a+rX "$CORPUS" # nginx's workers run as another user
CORPUS_BYTES=$(awk -F'\t' 'NR > 1 {s += $2} END {print s}' "$CORPUS/manifest.tsv")

# url_lists BASE PREFIX: PREFIX.txt, the corpus's URLs under BASE (ending in
# /), and PREFIX.curl, the same as curl url/output pairs.
url_lists() {
    sed "s|^$CORPUS_BASE|$1|" "$CORPUS/urls.txt" >"$2.txt"
    [ "$(wc -l <"$2.txt")" -eq "$FILES" ] || die "$2.txt does not list $FILES URLs"
    while read -r url; do
        printf 'url = "%s"\noutput = "%s"\n' "$url" "${url##*/}"
    done <"$2.txt" >"$2.curl"
}

# --- nginx on a free loopback port, with its own config ----------------------

mkdir -p "$WORK/nginx/tmp"
# start_nginx: nginx on $PORT; when it does not start (the port was taken
# since), sets another free PORT for the next try.
start_nginx() {
    cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes $NGINX_WORKERS;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 100000;
    keepalive_timeout 60s;
    default_type application/octet-stream;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:$PORT;
        root $CORPUS/files;
    }
}
EOF
    "$NGINX" -e "$WORK/nginx/error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
    NGINX_PID=$!
    local first
    first=$(head -1 "$CORPUS/urls.txt" | sed "s|^$CORPUS_BASE||")
    for _ in $(seq 50); do
        curl -sf -o /dev/null "http://127.0.0.1:$PORT/$first" && return 0
        kill -0 "$NGINX_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=
    PORT=$(free_port)
    return 1
}
for _ in 1 2 3 4 5; do start_nginx && break; done
[ -n "$NGINX_PID" ] || die "nginx did not start: $(cat "$WORK/nginx/error.log")"
BASE="http://127.0.0.1:$PORT/"
say "nginx $BASE serving $FILES files ($CORPUS_BYTES bytes) from $CORPUS/files"
url_lists "$BASE" "$WORK/urls"

# --- verification: before each run (hyperfine --prepare) and after the last --

# check DIR: if a run wrote DIR (a marker says a run started), DIR must hold
# exactly the corpus, byte for byte. Then DIR is removed, the disk synced
# (so no run pays for the previous one's writeback), and the marker set.
cat >"$WORK/check" <<EOF
#!/usr/bin/env bash
set -euo pipefail
dir=\$1
if [ -e "\$dir.ran" ]; then
    [ -d "\$dir" ] || { echo "check: \$dir was not written" >&2; exit 1; }
    n=\$(find "\$dir" -mindepth 1 | wc -l)
    [ "\$n" -eq $FILES ] || { echo "check: \$dir holds \$n entries, not $FILES" >&2; exit 1; }
    (cd "\$dir" && sha256sum --quiet --strict -c "$CORPUS/SHA256SUMS") ||
        { echo "check: \$dir differs from the manifest" >&2; exit 1; }
fi
rm -rf "\$dir"
sync
touch "\$dir.ran"
EOF
chmod +x "$WORK/check"

# --- the runs ------------------------------------------------------------------

CSV_ALL="$WORK/all.csv"
: >"$CSV_ALL"
# bench REGIME NAME OUT COMMAND...: times COMMAND (which writes into OUT)
# with hyperfine ($B_WARMUP warm-up runs, $B_RUNS timed), every run checked.
bench() {
    local regime=$1 name=$2 out=$3
    shift 3
    local cmd="$*"
    say "$regime: $name"
    rm -f "$out.ran"
    hyperfine -N --warmup "$B_WARMUP" --runs "$B_RUNS" --style basic \
        --prepare "$WORK/check $out" -n "$name" --export-csv "$WORK/one.csv" \
        "$cmd" >&2
    "$WORK/check" "$out"
    rm -rf "$out" "$out.ran"
    tail -n +2 "$WORK/one.csv" | sed "s|^|$regime,|" >>"$CSV_ALL"
    printf '%s\t%s\n' "$name" "$cmd" >>"$WORK/commands.tsv"
}

# regime LABEL DIR C URLS DURABLE STRATEGIES: every strategy of STRATEGIES
# (and with DURABLE=durable each but sequential with --durable too), curl and
# wget2 at concurrency C, from the URLS.txt/URLS.curl lists, into DIR/out.
regime() {
    local label=$1 dir=$2 c=$3 urls=$4 durable=$5 strategies=$6
    local out="$dir/out"
    mkdir -p "$dir"
    for s in $strategies; do
        bench "$label" "fetchlab -s $s" "$out" \
            "$FETCHLAB" download -q -s "$s" -m "$c" -o "$out" "$urls.txt"
    done
    if [ "$durable" = durable ]; then
        for s in $strategies; do
            [ "$s" = sequential ] && continue
            bench "$label" "fetchlab -s $s --durable" "$out" \
                "$FETCHLAB" download -q --durable -s "$s" -m "$c" -o "$out" "$urls.txt"
        done
    fi
    bench "$label" "curl --parallel-immediate" "$out" \
        curl --parallel --parallel-immediate --parallel-max "$c" -sSf \
        --output-dir "$out" --create-dirs -K "$urls.curl"
    bench "$label" "wget2" "$out" \
        wget2 -q --no-hsts --no-robots --max-threads="$c" -P "$out" -i "$urls.txt"
}

# start_model_server: `fetchlab serve --rtt $RTT` with the corpus's options
# (the same seed, so the same bytes: the manifest holds), on a free port; the
# names its /index.txt lists must be the corpus's. Sets SERVE_BASE and writes
# $WORK/rtt-urls.{txt,curl}.
start_model_server() {
    # shellcheck disable=SC2086 # CORPUS_ARGS is words
    "$FETCHLAB" serve --port 0 $CORPUS_ARGS --rtt "$RTT" --latency 0ms \
        >"$WORK/serve.log" 2>&1 &
    SERVE_PID=$!
    for _ in $(seq 100); do
        grep -q 'listening on' "$WORK/serve.log" && break
        kill -0 "$SERVE_PID" 2>/dev/null || break
        sleep 0.1
    done
    SERVE_BASE=$(sed -n '1s|^fetchlab-server listening on ||p' "$WORK/serve.log")
    [ -n "$SERVE_BASE" ] || die "fetchlab serve did not start: $(cat "$WORK/serve.log")"
    url_lists "$SERVE_BASE" "$WORK/rtt-urls"
    curl -sSf "${SERVE_BASE}index.txt" | cmp -s - "$WORK/rtt-urls.txt" ||
        die "fetchlab serve --rtt $RTT $CORPUS_ARGS does not list the corpus's files"
    say "fetchlab serve $SERVE_BASE: $CORPUS_ARGS, --rtt $RTT --latency 0ms"
}

START=$SECONDS
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
B_RUNS=$RUNS B_WARMUP=$WARMUP
for c in $TMPFS_CONCURRENCY; do
    regime "tmpfs C=$c from nginx" "$WORK/tmpfs-c$c" "$c" "$WORK/urls" - "$STRATEGIES"
done
mkdir -p "$DISK_DIR"
DISK_FS=$(df -T "$DISK_DIR" | awk 'NR == 2 {print $2}')
[ "$DISK_FS" != tmpfs ] || say "warning: DISK_DIR=$DISK_DIR is on tmpfs, not a disk"
for c in $DISK_CONCURRENCY; do
    regime "disk ($DISK_FS) C=$c from nginx" "$DISK_DIR/fetchlab-disk-out/c$c" "$c" \
        "$WORK/urls" durable "$STRATEGIES"
done
if [ -n "$RTT_CONCURRENCY" ]; then
    start_model_server
    B_RUNS=$RTT_RUNS B_WARMUP=$RTT_WARMUP
    for c in $RTT_CONCURRENCY; do
        regime "disk ($DISK_FS) C=$c from fetchlab serve --rtt $RTT" \
            "$DISK_DIR/fetchlab-disk-out/rtt-c$c" "$c" "$WORK/rtt-urls" durable "$RTT_STRATEGIES"
    done
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$((SECONDS - START))

# --- the report ----------------------------------------------------------------

version() { "$@" 2>&1 | head -1; }
mkdir -p "$(dirname "$RESULTS")"
{
    echo "# fetchlab download against curl and wget2, to tmpfs and to the disk"
    echo
    echo "Written by \`benches/disk/nginx-vs-peers.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "in $((ELAPSED / 60)) min $((ELAPSED % 60)) s. $FILES files ($CORPUS_BYTES bytes) written by"
    echo "\`fetchlab serve $CORPUS_ARGS --write-corpus DIR\` with their manifest. The"
    echo "regimes \"from nginx\" fetch them from nginx on loopback, 0 ms added latency"
    echo "($WARMUP warm-up runs, $RUNS timed runs each); \"from fetchlab serve --rtt $RTT\""
    echo "fetches the same corpus (same options, so the same bytes) from \`fetchlab serve"
    echo "$CORPUS_ARGS --rtt $RTT --latency 0ms\`, the server's model of a network $RTT"
    echo "away ($RTT_WARMUP warm-up runs, $RTT_RUNS timed runs each). Whole process timed by"
    echo "hyperfine; before every run the previous run's directory was checked (exactly"
    echo "$FILES files, each one's SHA-256 against the manifest), removed, and \`sync\` run."
    echo "Times in seconds; user and sys are mean CPU seconds."
    echo
    echo "## Machine"
    echo
    echo "- $(uname -srm); $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM"
    echo "- load average before: $LOAD_BEFORE; after: $LOAD_AFTER"
    echo "- tmpfs: $TMPFS; disk: $DISK_DIR ($DISK_FS)"
    echo
    echo "## Versions"
    echo
    echo "- $(version "$FETCHLAB" --version) ($COMMIT)"
    echo "- $(version curl --version)"
    echo "- $(version wget2 --version)"
    echo "- $(version "$NGINX" -v) ($NGINX_WORKERS worker); the model regime's server is the fetchlab above"
    echo "- $(version hyperfine --version)"
    echo
    echo "## Results"
    awk -F, '
        $1 != regime { regime = $1; printf "\n### %s\n\n", regime
            print "| tool | median | mean ± σ | min | max | user | sys |"
            print "|---|---|---|---|---|---|---|" }
        { printf "| %s | %.3f | %.3f ± %.3f | %.3f | %.3f | %.3f | %.3f |\n",
            $2, $5, $3, $4, $8, $9, $6, $7 }' "$CSV_ALL"
    echo
    echo "## Commands"
    echo
    echo "\`OUT\` is the run's output directory, \`C\` the concurrency; \`urls.txt\` lists"
    echo "the nginx URL of every file, \`rtt-urls.txt\` the \`fetchlab serve --rtt\` URL,"
    echo "\`*.curl\` the same as curl \`url\`/\`output\` pairs."
    echo
    cut -f2 "$WORK/commands.tsv" |
        sed -e "s|$WORK/||g" -e "s|$DISK_DIR/fetchlab-disk-out/[a-z]*-*c[0-9]*/out|OUT|g" \
            -e "s|tmpfs-c[0-9]*/out|OUT|g" -e "s|-m [0-9]*|-m C|g" \
            -e "s|--parallel-max [0-9]*|--parallel-max C|g" -e "s|--max-threads=[0-9]*|--max-threads=C|g" \
            -e "s|$REPO/||g" | sort -u | sed 's/^/    /'
} >"$RESULTS"
say "wrote $RESULTS"
