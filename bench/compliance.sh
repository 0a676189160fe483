#!/usr/bin/env bash
# Compliance report (issue 7, figure 4): GET /v1/districts/{id}/compliance for the whole scale-1
# district on PostgreSQL, against the same report as one hand-written aggregate query
# (bench/compliance.sql) run in psql, alternated N times (default 7). Times: curl's time_total
# for the API (request to last byte), psql's \timing for the query (the same, without psql's
# own start and connection).
#
#   bench/compliance.sh       # after bench/generate.sh (or bench/reads.sh pg) has generated
#                             # the data set; BENCH_DB names its database
set -euo pipefail
. "$(dirname "$0")/lib.sh"
N=${N:-7}
PORT=${PORT:-18183}
BASE=http://127.0.0.1:$PORT
DB=${BENCH_DB:-tingke_bench}
export DATABASE_URL=$PG_URL_BASE/$DB
SUMMARY=$CARGO_TARGET_DIR/bench-$DB.summary
[ -s "$SUMMARY" ] || { echo "no data set: run bench/generate.sh (or bench/reads.sh pg) first" >&2; exit 1; }
build_tingke
work_dir_and_server_cleanup
get() { sed -n "s/^$1=//p" "$SUMMARY"; }
DISTRICT=$(get district_id)
TERM_ID=$(get term_id)

TINGKE_DATA_DIR=$CARGO_TARGET_DIR/bench-data-$DB TINGKE_BIND=127.0.0.1:$PORT RUST_LOG=warn \
    "$TINGKE" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
wait_200 "$BASE/readyz" 60
TOKEN=$(login "$BASE" "$(get admin)")
URL="$BASE/v1/districts/$DISTRICT/compliance?term_id=$TERM_ID"
SQL=$(dirname "$0")/compliance.sql

api() {
    curl -sf -o "$WORK/report.json" -w '%{time_total}\n' -H "authorization: Bearer $TOKEN" "$URL" |
        python3 -c 'import sys; print(float(sys.stdin.read()) * 1000)'
}
sql() {
    { echo '\timing on'; echo '\o /dev/null'; cat "$SQL"; } |
        psql "$DATABASE_URL" -X -q -v district="$DISTRICT" -v term="$TERM_ID" 2>&1 |
        awk '/^Time:/{print $2}'
}
api >/dev/null # warm both
sql >/dev/null
: >"$WORK/api"
: >"$WORK/sql"
for i in $(seq "$N"); do
    a=$(api)
    s=$(sql)
    echo "$a" >>"$WORK/api"
    echo "$s" >>"$WORK/sql"
    echo "round $i: api $a ms, sql $s ms"
done
api_ms=$(median <"$WORK/api")
sql_ms=$(median <"$WORK/sql")
api_totals=$(python3 -c 'import json; t=json.load(open("'"$WORK"'/report.json"))["totals"]
print(*(f"{k} {t[k]}" for k in ("people", "behind", "required", "done")))')
sql_totals=$(psql "$DATABASE_URL" -XAt -F' ' -v district="$DISTRICT" -v term="$TERM_ID" -f "$SQL" |
    awk -F' ' '{p+=$(NF-3); b+=$(NF-2); r+=$(NF-1); d+=$NF} END {print "people", p, "behind", b, "required", r, "done", d}')
echo "api totals: $api_totals"
echo "sql totals: $sql_totals"
echo "same totals: $([ "$api_totals" = "$sql_totals" ] && echo yes || echo NO)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(machine), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "compliance report, median of $N alternated: api $api_ms ms, hand-written SQL $sql_ms ms"
echo "ratio api/sql: $(ratio "$api_ms" "$sql_ms") (target <= 2.0), api under a second: $(python3 -c "print('yes' if $api_ms < 1000 else 'no')")"
