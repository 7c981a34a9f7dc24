#!/usr/bin/env bash
# The async strategies (and threads, where it can) with thousands of
# downloads in flight against the embedded server: `fetchlab compare` at
# 10,000 jobs × 1,000 workers and 100,000 jobs × 10,000 workers, 100 ms of
# server latency, the seed's 8–40 KiB bodies, every body verified. Writes
# both tables (with the machine, date, commit and exact command under each)
# to one Markdown file, followed by the bare client under them:
# examples/bare_client.rs, hyper alone on the tokio strategy's runtime, against a
# `fetchlab serve` child with the same corpus and latency. Run by hand on a
# quiet machine; about 3 minutes.
#
#   benches/scale/many-in-flight.sh                  # writes results/many-in-flight.md
#   RESULTS=/tmp/m.md RUNS=1 benches/scale/many-in-flight.sh
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=${RUNS:-5}
BIG_RUNS=${BIG_RUNS:-1}
RESULTS=${RESULTS:-$REPO/results/many-in-flight.md}
BARE_RUNS=${BARE_RUNS:-3}

if [ -z "${FETCHLAB:-}" ]; then # the default binary: built from this checkout
    FETCHLAB=$REPO/target/release/fetchlab
    (cd "$REPO" && cargo build --release --bin fetchlab)
fi
[ -x "$FETCHLAB" ] || { echo "many-in-flight: $FETCHLAB is not an executable" >&2; exit 1; }
(cd "$REPO" && cargo build --release --example bare_client)
BARE_CLIENT=$REPO/target/release/examples/bare_client
# 10,000 client sockets and the server child's 10,000 need the open-files
# limit raised; fetchlab raises its soft limit to the hard one itself and
# refuses (exit 2, naming the limit) when that is too low.
cd "$REPO"
TMP=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$TMP"' EXIT

# The first run leaves some 30,000 sockets in TIME_WAIT for a minute, on
# the loopback ports the second one needs: measured right after it, tokio's
# 100,000 jobs took 31-33 s instead of 12-13 s (nstat counted no SYN
# retransmitted and no listen queue overflowed). So each run starts once
# the sockets of what ran before have gone (at most 70 s).
drain_time_wait() {
    if ! command -v ss >/dev/null; then
        sleep 61
        return
    fi
    local waited=0 left
    while [ "$waited" -lt 70 ]; do
        left=$(ss -tan state time-wait | tail -n +2 | wc -l)
        [ "$left" -lt 1000 ] && return
        sleep 1
        waited=$((waited + 1))
    done
}
# compare exits 1 when a row failed (its table says which) and 2 for bad
# options or too low an open-files limit: each table is kept either way,
# and the script's status is the worst of the two.
status=0
drain_time_wait
"$FETCHLAB" compare --jobs 10000 -c 1000 --latency 100ms \
    -s tokio,async-std,threads --runs "$RUNS" --export-markdown "$TMP/a.md" || status=$?
drain_time_wait
"$FETCHLAB" compare --jobs 100000 -c 10000 --latency 100ms \
    -s tokio,async-std --runs "$BIG_RUNS" --export-markdown "$TMP/b.md" || {
    s=$?
    if [ "$s" -gt "$status" ]; then status=$s; fi
}

# The bare client: the same 10,000 jobs at 1,000 and 100 ms from a
# `fetchlab serve` child, by examples/bare_client.rs in six ways,
# BARE_RUNS times each.
drain_time_wait
"$FETCHLAB" serve --port 0 --bind 127.0.0.1 --files 10000 --delay 100ms >"$TMP/serve.out" 2>&1 &
SERVER=$!
url=
for _ in $(seq 100); do
    url=$(sed -n 's/^fetchlab-server listening on \(http[^ ]*\)\/$/\1/p' "$TMP/serve.out")
    [ -n "$url" ] && break
    sleep 0.1
done
bare_rows() {
    [ -n "$url" ] || { echo "many-in-flight: the bare client's server did not start" >&2; return 1; }
    local label options run
    while IFS='|' read -r label options; do
        for run in $(seq "$BARE_RUNS"); do
            # shellcheck disable=SC2086 # options are words
            "$BARE_CLIENT" "$url" 10000 1000 "$SERVER" --files 10000 --row "$label" $options </dev/null ||
                return 1
        done
    done <<'EOF_VARIANTS'
tokio + hyper: all workers connect first (the tokio strategy's start), SHA-256|
tokio + hyper: a worker's request leaves before the next connects, SHA-256|--yield-start
tokio + hyper: the same, no SHA-256|--yield-start --no-hash
tokio + hyper: the same start, SHA-256, read buffer at most 16 KiB|--yield-start --max-buf 16384
async-std + async-h1: SHA-256|--stack async-std
async-std + async-h1: no SHA-256|--stack async-std --no-hash
EOF_VARIANTS
}
bare_rows >"$TMP/bare.md" || { status=1; : >"$TMP/bare.md"; }
kill "$SERVER" 2>/dev/null
wait "$SERVER" 2>/dev/null || true
SERVER=

section() { # section FILE TITLE
    if [ -s "$1" ]; then
        sed "s/^## fetchlab compare\$/## $2/" "$1"
    else
        printf '## %s\n\nNo table: the run exited before writing it (see its output).\n' "$2"
    fi
}
{
    echo "# Thousands of downloads in flight"
    echo
    echo "Written by \`benches/scale/many-in-flight.sh\`: two runs of \`fetchlab compare\`"
    echo "against its embedded server (a \`fetchlab serve\` child), 100 ms of server"
    echo "latency, bodies of 8–40 KiB, every body checked against the server's SHA-256."
    echo "The threads strategy has a ceiling of 4,096 workers, so it is only in the first."
    echo "The second run starts once the first one's sockets have left TIME_WAIT."
    echo
    section "$TMP/a.md" "10,000 jobs, 1,000 in flight"
    echo
    section "$TMP/b.md" "100,000 jobs, 10,000 in flight"
    echo
    echo "## The bare client: the async stacks alone at 10,000 jobs, 1,000 in flight"
    echo
    echo "\`examples/bare_client.rs\`: 1,000 tasks, each with one connection of its own and no"
    echo "pool, store, retry, timeout or check, fetching the same 10,000 files at 100 ms from"
    echo "a \`fetchlab serve\` child (2 worker threads, as the harness's). Under tokio it is"
    echo "hyper's HTTP/1 client on one current-thread runtime (the tokio strategy runs one"
    echo "such runtime per core, each with its share of the workers),"
    echo "under async-std async-h1 on async-std's executor: what is left of each strategy's"
    echo "stack when everything fetchlab, reqwest and surf add is taken away. Each run is its"
    echo "own row. Client CPU and peak RSS Δ (per worker) are measured as the harness measures"
    echo "the strategies above; the server's CPU is its threads' \`schedstat\`."
    echo
    if [ -s "$TMP/bare.md" ]; then
        echo "| stack: start, verification, read buffer | time | efficiency | client CPU / job | server CPU / job | peak RSS Δ / worker |"
        echo "| --- | --- | --- | --- | --- | --- |"
        cat "$TMP/bare.md"
        echo
        echo "- Date: $(date -u +%Y-%m-%dT%H:%M:%SZ); commit $(git rev-parse --short=12 HEAD)$(git diff --quiet HEAD -- . ':!results' || echo '-dirty')"
        echo "- Command: bare_client URL 10000 1000 SERVER_PID --files 10000 [options above]"
    else
        echo "No table: the bare client did not run (see the script's output)."
    fi
} >"$RESULTS"
echo "wrote $RESULTS" >&2
exit "$status"
