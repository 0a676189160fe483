#!/usr/bin/env bash
# The PostgreSQL data set of figures 3, 4 and 8 alone, without running the read benchmark:
# `tingke demo --scale $SCALE` (default 1) into a new database $BENCH_DB (default tingke_bench),
# the generator's summary kept in $CARGO_TARGET_DIR/bench-$BENCH_DB.summary, where
# bench/reads.sh and bench/compliance.sh look for it. The same as the generation part of
# bench/reads.sh pg; it drops and creates $BENCH_DB, so it refuses an existing data set unless
# FRESH=1.
#
#   BENCH_DB=tingke_bench20 bench/generate.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SCALE=${SCALE:-1}
DB=${BENCH_DB:-tingke_bench}
export DATABASE_URL=$PG_URL_BASE/$DB
SUMMARY=$CARGO_TARGET_DIR/bench-$DB.summary
if [ "${FRESH:-0}" != 1 ] && psql "$DATABASE_URL" -XAtc 'select 1' >/dev/null 2>&1; then
    echo "database $DB exists: FRESH=1 drops and generates it again" >&2
    exit 1
fi
build_tingke
psql "$PG_URL_BASE/postgres" -Xqc "drop database if exists $DB" -c "create database $DB"
echo "generating scale $SCALE into $DB ..."
TINGKE_DATA_DIR=$CARGO_TARGET_DIR/bench-data-$DB RUST_LOG=warn \
    "$TINGKE" demo --scale "$SCALE" | tee "$SUMMARY"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
