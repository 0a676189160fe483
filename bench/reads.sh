#!/usr/bin/env bash
# Reads (issue 7, figures 3 and 6): GET /v1/quotas/progress (or, with REQUEST=sync, the first page
# of GET /v1/sync; with REQUEST=sync-next, the next sync of a phone that is up to date, what
# phones call all day) at 200 concurrent connections with wrk, each request as one of USERS
# people (their own progress for the last complete term; their own full view; their own cursor).
# REQUEST=sync-page: each person's cursor page after BACK (20,000) changes of the district, at
# most PAGE (50) changes; ACCEPT_ENCODING=br asks for compressed answers as phones do.
#
#   bench/reads.sh pg       # scale-1 district (200 schools, 1M observations) on PostgreSQL,
#                           # alternated with `pgbench -S` on the same server as the ceiling
#   bench/reads.sh sqlite   # one school of 100 teachers (scale 0.005) on SQLite
#
# The PostgreSQL data set is generated once into database $BENCH_DB (default tingke_bench) with
# `tingke demo --scale $SCALE` and reused while the generator's summary is kept next to the
# build (FRESH=1 regenerates). pgbench's own database (tingke_bench_pgbench, scale 10) likewise.
# Needs wrk (apt-get install wrk) and pgbench (postgresql-client).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
MODE=${1:-pg}
DURATION=${DURATION:-15}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-200}
USERS=${USERS:-100}
PORT=${PORT:-18182}
BASE=http://127.0.0.1:$PORT
# PostgreSQL here allows 100 connections (shared with other work and Tingke's own pool): pgbench
# gets 80 clients. On 2 cores its throughput peaks long before that.
PGBENCH_CLIENTS=${PGBENCH_CLIENTS:-80}

command -v wrk >/dev/null || { echo "wrk missing: apt-get install wrk" >&2; exit 1; }
build_tingke
work_dir_and_server_cleanup

case $MODE in
pg)
    SCALE=${SCALE:-1}
    DB=${BENCH_DB:-tingke_bench}
    export DATABASE_URL=$PG_URL_BASE/$DB
    SUMMARY=$CARGO_TARGET_DIR/bench-$DB.summary
    if [ "${FRESH:-0}" = 1 ] || [ ! -s "$SUMMARY" ] ||
        ! psql "$DATABASE_URL" -XAtc 'select 1' >/dev/null 2>&1; then
        psql "$PG_URL_BASE/postgres" -Xqc "drop database if exists $DB" -c "create database $DB"
        echo "generating scale $SCALE into $DB ..."
        TINGKE_DATA_DIR=$CARGO_TARGET_DIR/bench-data-$DB RUST_LOG=warn \
            "$TINGKE" demo --scale "$SCALE" | tee "$SUMMARY"
    fi
    DATA_DIR=$CARGO_TARGET_DIR/bench-data-$DB
    ;;
sqlite)
    SCALE=${SCALE:-0.005}
    unset DATABASE_URL
    DATA_DIR=$WORK/data
    SUMMARY=$WORK/summary
    echo "generating scale $SCALE into SQLite ..."
    TINGKE_DATA_DIR=$DATA_DIR RUST_LOG=warn "$TINGKE" demo --scale "$SCALE" | tee "$SUMMARY"
    ;;
*)
    echo "usage: $0 pg|sqlite" >&2
    exit 2
    ;;
esac
get() { sed -n "s/^$1=//p" "$SUMMARY"; }
TERM_ID=$(get term_id)
TEACHERS=$(sed -n 's/.* schools, \([0-9]*\) teachers.*/\1/p' "$SUMMARY")

TINGKE_DATA_DIR=$DATA_DIR TINGKE_BIND=127.0.0.1:$PORT RUST_LOG=warn TINGKE_ACCESS_TOKEN_TTL=7200 \
    "$TINGKE" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
wait_200 "$BASE/readyz" 60

# USERS people spread over the district (phones 139…: principal first in each school).
: >"$WORK/tokens"
step=$(( TEACHERS / USERS > 0 ? TEACHERS / USERS : 1 ))
for i in $(seq 0 $(( USERS - 1 ))); do
    n=$(( (i * step) % TEACHERS ))
    login "$BASE" "$(printf '139%08d' "$n")" >>"$WORK/tokens"
done
case ${REQUEST:-progress} in
progress) REQUEST_PATH="/v1/quotas/progress?term_id=$TERM_ID" ;;
sync) REQUEST_PATH="/v1/sync" ;; # the first page (200 changes) of each person's full view
sync-next)
    # Each person syncs to the end once; then every request is their phone's next sync.
    REQUEST_PATH="/v1/sync"
    echo "following $USERS people's first syncs to their ends ..."
    while read -r token; do
        url="$BASE/v1/sync?limit=500"
        while :; do
            answer=$(curl -sf -H "authorization: Bearer $token" "$url")
            cursor=$(echo "$answer" | python3 -c 'import sys,json; print(json.load(sys.stdin)["cursor"])')
            url="$BASE/v1/sync?limit=500&since=$cursor"
            echo "$answer" | python3 -c 'import sys,json; sys.exit(0 if json.load(sys.stdin)["has_more"] else 1)' || break
        done
        echo "$token /v1/sync?since=$cursor"
    done <"$WORK/tokens" >"$WORK/requests"
    mv "$WORK/requests" "$WORK/tokens"
    LABEL="/v1/sync?since=<each person's own cursor>"
    ;;
sync-page)
    # A cursor page with changes in it, what a phone asks after a while away: each person's own
    # cursor (their view's fingerprint, from a first page of one change) set BACK changes of the
    # district's log behind its end (default 20,000, a school day of a district this size),
    # asked for at most PAGE changes (default 50). Every request asks the same page again.
    PAGE=${PAGE:-50}
    BACK=${BACK:-20000}
    last=$(psql "$DATABASE_URL" -XAtc 'select max(seq) from sync_log')
    since=$(( last - BACK ))
    while read -r token; do
        scope=$(curl -sf -H "authorization: Bearer $token" "$BASE/v1/sync?limit=1" |
            python3 -c 'import sys,json; print(json.load(sys.stdin)["cursor"].split(".")[2])')
        echo "$token /v1/sync?limit=$PAGE&since=s1.$since.$scope"
    done <"$WORK/tokens" >"$WORK/requests"
    mv "$WORK/requests" "$WORK/tokens"
    # What the pages hold and weigh, plain and compressed.
    python3 - "$WORK/tokens" "$BASE" <<'PY'
import json, statistics, sys, urllib.request
sizes, counts, more = [], [], 0
for line in open(sys.argv[1]):
    token, path = line.split()
    req = urllib.request.Request(sys.argv[2] + path, headers={"authorization": "Bearer " + token})
    body = urllib.request.urlopen(req).read()
    page = json.loads(body)
    sizes.append(len(body))
    counts.append(sum(len(v) for k, v in page.items() if isinstance(v, list) and k != "progress"))
    more += page["has_more"]
print(f"  pages: records median {statistics.median(counts)} (min {min(counts)}, max {max(counts)}), "
      f"plain bytes median {statistics.median(sizes):.0f}, has_more on {more} of {len(sizes)}")
PY
    first=$(head -1 "$WORK/tokens")
    for enc in identity gzip br; do
        bytes=$(curl -s -o /dev/null -w '%{size_download}' -H "accept-encoding: $enc" \
            -H "authorization: Bearer ${first%% *}" "$BASE${first#* }")
        echo "  the first person's page, $enc: $bytes bytes"
    done
    REQUEST_PATH="/v1/sync"
    LABEL="/v1/sync?limit=$PAGE&since=<each person's cursor, $BACK changes of the district back>"
    ;;
*) echo "REQUEST is progress, sync, sync-next or sync-page" >&2; exit 2 ;;
esac
export TOKENS_FILE=$WORK/tokens REQUEST_PATH
LUA=$(dirname "$0")/progress.lua
check=$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $(head -1 "$WORK/tokens" | cut -d' ' -f1)" \
    "$BASE$REQUEST_PATH")
[ "$check" = 200 ] || { echo "progress answered $check" >&2; exit 1; }
echo "$(wc -l <"$WORK/tokens") people logged in; warming up ..."
wrk -t2 -c"$CONNS" -d5s -s "$LUA" "$BASE" >/dev/null

if [ "$MODE" = pg ]; then
    PGB_DB=tingke_bench_pgbench
    if ! psql "$PG_URL_BASE/$PGB_DB" -XAtc 'select count(*) from pgbench_accounts' >/dev/null 2>&1; then
        psql "$PG_URL_BASE/postgres" -Xqc "drop database if exists $PGB_DB" -c "create database $PGB_DB"
        pgbench -q -i -s 10 "$PG_URL_BASE/$PGB_DB"
    fi
fi

wrk_round() {
    wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$LUA" "$BASE" >"$WORK/wrk.out"
    local rps p99 non2xx
    rps=$(awk '/^Requests\/sec/{print $2}' "$WORK/wrk.out")
    p99=$(awk '$1=="99%"{print $2}' "$WORK/wrk.out")
    non2xx=$(awk '/Non-2xx/{print $NF}' "$WORK/wrk.out")
    p99_ms=$(python3 -c "
s='$p99'
for unit, f in (('us', 1e-3), ('ms', 1), ('s', 1e3)):
    if s.endswith(unit):
        print(float(s[:-len(unit)]) * f); break")
    echo "$rps $p99_ms ${non2xx:-0}" >>"$WORK/wrk.rounds"
    echo "  tingke: $rps req/s, p99 $p99, non-2xx ${non2xx:-0}"
}
pgbench_round() {
    pgbench -S -M prepared -c "$PGBENCH_CLIENTS" -j 2 -T "$DURATION" "$PG_URL_BASE/$PGB_DB" \
        >"$WORK/pgbench.out" 2>&1
    local tps lat
    tps=$(awk '/^tps = /{print $3}' "$WORK/pgbench.out")
    lat=$(awk '/^latency average/{print $4}' "$WORK/pgbench.out")
    echo "$tps $lat" >>"$WORK/pgbench.rounds"
    echo "  pgbench -S: $tps tps, latency average $lat ms"
}
: >"$WORK/wrk.rounds"
: >"$WORK/pgbench.rounds"
for r in $(seq "$ROUNDS"); do
    echo "round $r"
    wrk_round
    if [ "$MODE" = pg ]; then pgbench_round; fi
done

col() { awk -v c="$2" '{print $c}' "$WORK/$1" | median; }
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(machine)"
echo "data: $MODE, scale $SCALE ($(head -1 "$SUMMARY"))"
rps=$(col wrk.rounds 1)
echo "tingke GET ${LABEL:-$REQUEST_PATH}, $CONNS connections, median of $ROUNDS x ${DURATION}s:" \
    "$rps req/s, p99 $(col wrk.rounds 2) ms (target < 50 ms), non-2xx $(awk '{s+=$3} END {print s}' "$WORK/wrk.rounds")"
if [ "$MODE" = pg ]; then
    tps=$(col pgbench.rounds 1)
    echo "pgbench -S -M prepared, $PGBENCH_CLIENTS clients: $tps tps, latency average $(col pgbench.rounds 2) ms"
    echo "ratio tingke/pgbench: $(ratio "$rps" "$tps") (target >= 0.5)"
fi
