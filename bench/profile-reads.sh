#!/usr/bin/env bash
# Where a progress read's time goes (issue 23): after `bench/reads.sh pg` has generated the
# scale-1 data set, starts the release server on it, logs in the same 100 people, runs
# `wrk -c200` for 10 s with `perf record -g` on the server, and prints the server's and
# PostgreSQL's CPU per request (from /proc) and where to read the profile (`perf report -i`).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
PORT=${PORT:-18190}
BASE=http://127.0.0.1:$PORT
DB=${BENCH_DB:-tingke_bench}
SUMMARY=$CARGO_TARGET_DIR/bench-$DB.summary
PERF_DATA=${PERF_DATA:-$CARGO_TARGET_DIR/perf-progress.data}
export DATABASE_URL=$PG_URL_BASE/$DB
build_tingke
work_dir_and_server_cleanup
TINGKE_DATA_DIR=$CARGO_TARGET_DIR/bench-data-$DB TINGKE_BIND=127.0.0.1:$PORT RUST_LOG=warn \
    TINGKE_ACCESS_TOKEN_TTL=7200 "$TINGKE" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
wait_200 "$BASE/readyz" 60
for i in $(seq 0 99); do login "$BASE" "$(printf '139%08d' $(( i * 200 )))"; done >"$WORK/tokens"
export TOKENS_FILE=$WORK/tokens
export REQUEST_PATH="/v1/quotas/progress?term_id=$(sed -n 's/^term_id=//p' "$SUMMARY")"
LUA=$(dirname "$0")/progress.lua
wrk -t2 -c200 -d5s -s "$LUA" "$BASE" >/dev/null
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
pgcpu() {
    local t=0 p
    for p in $(pgrep -x postgres); do t=$(( t + $(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || echo 0) )); done
    echo $t
}
s0=$(cpu $SERVER); p0=$(pgcpu)
perf record -F 499 -g -p $SERVER -o "$PERF_DATA" -- sleep 10 >/dev/null 2>&1 &
PERF=$!
wrk -t2 -c200 -d10s --latency -s "$LUA" "$BASE" >"$WORK/wrk.out"
wait $PERF || true
s1=$(cpu $SERVER); p1=$(pgcpu)
reqs=$(awk '/requests in/{print $1}' "$WORK/wrk.out")
tick=$(( 1000 / $(getconf CLK_TCK) ))
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); machine: $(machine); load: $(cut -d' ' -f1-3 /proc/loadavg)"
grep -E "Requests/sec|99%" "$WORK/wrk.out"
echo "server CPU per request: $(python3 -c "print(round(($s1-$s0)*$tick/$reqs,3))") ms;" \
    "PostgreSQL CPU per request: $(python3 -c "print(round(($p1-$p0)*$tick/$reqs,3))") ms"
echo "profile: perf report -i $PERF_DATA --no-children -g none --sort dso,sym"
