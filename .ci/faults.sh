#!/usr/bin/env bash
# Faults and load that disturb the whole machine, run alone after the test suites (see
# RELIABILITY.md): PostgreSQL stopped and started under writes, a full tmpfs and a read-only
# mount (root), then a short load run of simulated phones on PostgreSQL with pages in S3.
# Expects what .ci/run sets up: PostgreSQL at $1 and s3s-fs started by .ci/s3.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_URL="$1"

echo "-- faults: PostgreSQL restart, full and read-only disk"
TINGKE_TEST_DATABASE_URL="$PG_URL" \
    cargo test --test api faults -- --ignored --test-threads=1 --nocapture

echo "-- load: ${TINGKE_LOAD_PHONES:=100} phones for ${TINGKE_LOAD_SECONDS:=20} s"
TINGKE_TEST_DATABASE_URL="$PG_URL" TINGKE_TEST_STORAGE=s3 \
    TINGKE_LOAD_PHONES="$TINGKE_LOAD_PHONES" TINGKE_LOAD_SECONDS="$TINGKE_LOAD_SECONDS" \
    cargo test --test api load::hundreds_of_phones -- --ignored --nocapture
