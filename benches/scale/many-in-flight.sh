#!/usr/bin/env bash
# The async strategies (and threads, where it can) with thousands of
# downloads in flight against the embedded server: `fetchlab compare` at
# 10,000 jobs × 1,000 workers and 100,000 jobs × 10,000 workers, 100 ms of
# server latency, the seed's 8–40 KiB bodies, every body verified. Writes
# both tables (with the machine, date, commit and exact command under each)
# to one Markdown file. Run by hand on a quiet machine; about 2 minutes.
#
#   benches/scale/many-in-flight.sh                  # writes results/many-in-flight.md
#   RESULTS=/tmp/m.md RUNS=1 benches/scale/many-in-flight.sh
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=${RUNS:-5}
BIG_RUNS=${BIG_RUNS:-1}
RESULTS=${RESULTS:-$REPO/results/many-in-flight.md}

if [ -z "${FETCHLAB:-}" ]; then # the default binary: built from this checkout
    FETCHLAB=$REPO/target/release/fetchlab
    (cd "$REPO" && cargo build --release --bin fetchlab)
fi
[ -x "$FETCHLAB" ] || { echo "many-in-flight: $FETCHLAB is not an executable" >&2; exit 1; }
# 10,000 client sockets and the server child's 10,000 need the open-files
# limit raised; fetchlab raises its soft limit to the hard one itself and
# refuses (exit 2, naming the limit) when that is too low.
cd "$REPO"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

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
} >"$RESULTS"
echo "wrote $RESULTS" >&2
exit "$status"
