#!/usr/bin/env bash
# fetchlab download, each strategy, against curl and wget2: 1000 files from
# nginx on loopback, to tmpfs and to the disk, timed by hyperfine, every run
# checked file by file against the corpus manifest. Run by hand; see
# README.md beside this script for what it does and the knobs.
#
#   benches/disk/nginx-vs-peers.sh            # writes results/disk.md
#   RESULTS=/tmp/disk.md RUNS=5 benches/disk/nginx-vs-peers.sh
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
FETCHLAB=${FETCHLAB:-$REPO/target/release/fetchlab}
FILES=${FILES:-1000}
SEED=${SEED:-2026}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
TMPFS_CONCURRENCY=${TMPFS_CONCURRENCY:-"20 100"}
DISK_CONCURRENCY=${DISK_CONCURRENCY:-20}
STRATEGIES=${STRATEGIES:-"sequential threads processes rayon tokio async-std"}
TMPFS=${TMPFS:-/dev/shm}
DISK_DIR=${DISK_DIR:-$REPO/target/disk-bench}
NGINX_WORKERS=${NGINX_WORKERS:-1}
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

if [ ! -x "$FETCHLAB" ]; then
    say "building $FETCHLAB"
    (cd "$REPO" && cargo build --release --bin fetchlab)
fi

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

# --- the corpus: fetchlab serve's files, copied with curl, with a manifest ---

say "corpus: fetchlab serve --files $FILES --seed $SEED, copied with curl"
"$FETCHLAB" serve --port 0 --files "$FILES" --seed "$SEED" >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 100); do
    grep -q 'listening on' "$WORK/serve.log" && break
    sleep 0.1
done
SERVE_URL=$(grep -o 'http://[0-9.:]*/' "$WORK/serve.log" | head -1)
[ -n "$SERVE_URL" ] || die "fetchlab serve did not start: $(cat "$WORK/serve.log")"
curl -sSf "${SERVE_URL}index.txt" >"$WORK/serve-urls.txt"
mkdir "$WORK/www"
while read -r url; do
    printf 'url = "%s"\noutput = "%s"\n' "$url" "${url##*/}"
done <"$WORK/serve-urls.txt" >"$WORK/corpus.curl"
curl --parallel --parallel-max 20 -sSf --output-dir "$WORK/www" -K "$WORK/corpus.curl"
kill "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
SERVE_PID=
[ "$(find "$WORK/www" -type f | wc -l)" -eq "$FILES" ] || die "corpus incomplete"
chmod -R a+rX "$WORK/www"
(cd "$WORK/www" && sha256sum -- *) >"$WORK/manifest.sha256"
(cd "$WORK/www" && stat -c '%n %s' -- *) |
    awk 'NR == FNR { hash[$2] = $1; next } { printf "%s\t%s\t%s\n", $1, $2, hash[$1] }' \
        "$WORK/manifest.sha256" - >"$WORK/manifest.tsv"
CORPUS_BYTES=$(awk -F'\t' '{s += $2} END {print s}' "$WORK/manifest.tsv")

# --- nginx on a free loopback port, with its own config ----------------------

free_port() {
    local p
    for _ in $(seq 100); do
        p=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
    die "no free port found"
}

mkdir -p "$WORK/nginx/tmp"
start_nginx() {
    PORT=$(free_port)
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
        root $WORK/www;
    }
}
EOF
    "$NGINX" -e "$WORK/nginx/error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
    NGINX_PID=$!
    local first
    first=$(head -1 "$WORK/manifest.tsv" | cut -f1)
    for _ in $(seq 50); do
        curl -sf -o /dev/null "http://127.0.0.1:$PORT/$first" && return 0
        kill -0 "$NGINX_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=
    return 1
}
for _ in 1 2 3 4 5; do start_nginx && break; done
[ -n "$NGINX_PID" ] || die "nginx did not start: $(cat "$WORK/nginx/error.log")"
BASE="http://127.0.0.1:$PORT"
say "nginx $BASE serving $FILES files ($CORPUS_BYTES bytes) from $WORK/www"

cut -f1 "$WORK/manifest.tsv" | sed "s|^|$BASE/|" >"$WORK/urls.txt"
while IFS=$'\t' read -r name _ _; do
    printf 'url = "%s/%s"\noutput = "%s"\n' "$BASE" "$name" "$name"
done <"$WORK/manifest.tsv" >"$WORK/urls.curl"

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
    (cd "\$dir" && sha256sum --quiet --strict -c "$WORK/manifest.sha256") ||
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
# with hyperfine, every run checked.
bench() {
    local regime=$1 name=$2 out=$3
    shift 3
    local cmd="$*"
    say "$regime: $name"
    rm -f "$out.ran"
    hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --style basic \
        --prepare "$WORK/check $out" -n "$name" --export-csv "$WORK/one.csv" \
        "$cmd" >&2
    "$WORK/check" "$out"
    rm -rf "$out" "$out.ran"
    tail -n +2 "$WORK/one.csv" | sed "s|^|$regime,|" >>"$CSV_ALL"
    printf '%s\t%s\n' "$name" "$cmd" >>"$WORK/commands.tsv"
}

# regime DIR C LABEL [EXTRA-FETCHLAB-NAME EXTRA-FETCHLAB-ARGS]
regime() {
    local dir=$1 c=$2 label=$3
    local out="$dir/out"
    mkdir -p "$dir"
    for s in $STRATEGIES; do
        bench "$label" "fetchlab -s $s" "$out" \
            "$FETCHLAB" download -q -s "$s" -m "$c" -o "$out" "$WORK/urls.txt"
    done
    if [ "${4:-}" = durable ]; then
        for s in $STRATEGIES; do
            [ "$s" = sequential ] && continue
            bench "$label" "fetchlab -s $s --durable" "$out" \
                "$FETCHLAB" download -q --durable -s "$s" -m "$c" -o "$out" "$WORK/urls.txt"
        done
    fi
    bench "$label" "curl --parallel-immediate" "$out" \
        curl --parallel --parallel-immediate --parallel-max "$c" -sSf \
        --output-dir "$out" --create-dirs -K "$WORK/urls.curl"
    bench "$label" "wget2" "$out" \
        wget2 -q --no-hsts --no-robots --max-threads="$c" -P "$out" -i "$WORK/urls.txt"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for c in $TMPFS_CONCURRENCY; do
    regime "$WORK/tmpfs-c$c" "$c" "tmpfs C=$c"
done
mkdir -p "$DISK_DIR"
DISK_FS=$(df -T "$DISK_DIR" | awk 'NR == 2 {print $2}')
[ "$DISK_FS" != tmpfs ] || say "warning: DISK_DIR=$DISK_DIR is on tmpfs, not a disk"
for c in $DISK_CONCURRENCY; do
    regime "$DISK_DIR/fetchlab-disk-out/c$c" "$c" "disk ($DISK_FS) C=$c" durable
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the report ----------------------------------------------------------------

version() { "$@" 2>&1 | head -1; }
mkdir -p "$(dirname "$RESULTS")"
{
    echo "# fetchlab download against curl and wget2, served by nginx on loopback"
    echo
    echo "Written by \`benches/disk/nginx-vs-peers.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo "$FILES files ($CORPUS_BYTES bytes, \`fetchlab serve --files $FILES --seed $SEED\`),"
    echo "0 ms added latency, whole process timed by hyperfine ($WARMUP warm-up runs, $RUNS"
    echo "timed runs each); before every run the previous run's directory was checked"
    echo "(exactly $FILES files, each one's SHA-256 against the manifest), removed, and"
    echo "\`sync\` run. Times in seconds; user and sys are mean CPU seconds."
    echo
    echo "## Machine"
    echo
    echo "- $(uname -srm); $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM"
    echo "- load average before: $LOAD_BEFORE; after: $LOAD_AFTER"
    echo "- tmpfs: $TMPFS; disk: $DISK_DIR ($DISK_FS)"
    echo
    echo "## Versions"
    echo
    echo "- $(version "$FETCHLAB" --version) ($(cd "$REPO" && git describe --always --dirty 2>/dev/null || echo '?'))"
    echo "- $(version curl --version)"
    echo "- $(version wget2 --version)"
    echo "- $(version "$NGINX" -v) ($NGINX_WORKERS worker)"
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
    echo "the nginx URL of every file, \`urls.curl\` the same as curl \`url\`/\`output\` pairs."
    echo
    awk -F'\t' '!seen[$1]++ { print $2 }' "$WORK/commands.tsv" |
        sed -e "s|$WORK/||g" -e "s|$DISK_DIR/fetchlab-disk-out/c[0-9]*/out|OUT|g" \
            -e "s|tmpfs-c[0-9]*/out|OUT|g" -e "s|-m [0-9]*|-m C|g" \
            -e "s|--parallel-max [0-9]*|--parallel-max C|g" -e "s|--max-threads=[0-9]*|--max-threads=C|g" \
            -e "s|$REPO/||g" | sort -u | sed 's/^/    /'
} >"$RESULTS"
say "wrote $RESULTS"
