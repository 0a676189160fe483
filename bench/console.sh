#!/usr/bin/env bash
# The console's pages on the scale-1 district (issue 22, figure 11): each page opened in a real
# headless Chromium (Debian's chromium and chromium-driver) as the district's administrator,
# timed from the start of the navigation to the page drawn with its data (`main[data-ready]`),
# median and slowest of ROUNDS (default 5) after a warm-up; the server on PostgreSQL, release
# build.
#
#   bench/console.sh          # after bench/generate.sh has generated the data set (BENCH_DB)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
PORT=${PORT:-18184}
DRIVER_PORT=${DRIVER_PORT:-19515}
BASE=http://127.0.0.1:$PORT
DB=${BENCH_DB:-tingke_bench}
export DATABASE_URL=$PG_URL_BASE/$DB
SUMMARY=$CARGO_TARGET_DIR/bench-$DB.summary
[ -s "$SUMMARY" ] || { echo "no data set: run bench/generate.sh first" >&2; exit 1; }
build_tingke
work_dir_and_server_cleanup
get() { sed -n "s/^$1=//p" "$SUMMARY"; }
q() { psql "$DATABASE_URL" -XAtc "$1"; }
DISTRICT=$(get district_id)
# The biggest school, a teacher of it with the most observations of their lessons, one of those
# observations, and a submitted document of the school.
SCHOOL=$(q "select school_id from memberships where school_id is not null group by school_id order by count(*) desc, school_id limit 1")
TEACHER=$(q "select teacher_id from observations where school_id = '$SCHOOL' group by teacher_id order by count(*) desc, teacher_id limit 1")
OBSERVATION=$(q "select id from observations where teacher_id = '$TEACHER' and status = 'submitted' order by id limit 1")
DOCUMENT=$(q "select id from documents where school_id = '$SCHOOL' and status <> 'draft' order by id limit 1")

TINGKE_DATA_DIR=$CARGO_TARGET_DIR/bench-data-$DB TINGKE_BIND=127.0.0.1:$PORT RUST_LOG=warn \
    "$TINGKE" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
/usr/bin/chromedriver --port="$DRIVER_PORT" >"$WORK/chromedriver.log" 2>&1 &
DRIVER=$!
trap 'kill $DRIVER 2>/dev/null || true; cleanup_work_and_server' EXIT
wait_200 "$BASE/readyz" 60

PAGES=(
    /console
    "/console/districts/$DISTRICT"
    "/console/districts/$DISTRICT/compliance"
    "/console/schools/$SCHOOL"
    "/console/schools/$SCHOOL/compliance"
    "/console/people/$TEACHER?school_id=$SCHOOL"
    "/console/observations/$OBSERVATION"
    "/console/reviews?school_id=$SCHOOL"
    "/console/documents/$DOCUMENT"
    "/console/people/$TEACHER/archive"
)
(cd "$ROOT" && cargo build -q -p tingke-api --example console_pages)
TINGKE_URL=$BASE TINGKE_WEBDRIVER=http://127.0.0.1:$DRIVER_PORT TINGKE_PHONE=$(get admin) \
    TINGKE_PASSWORD=tingke2026 "$CARGO_TARGET_DIR/debug/examples/console_pages" "${PAGES[@]}" |
    tee "$WORK/pages.tsv"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(machine), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "pages over a second (median): $(awk -F'\t' 'NR > 1 && $2 > 1000 {n++} END {print n + 0}' "$WORK/pages.tsv")"
