#!/usr/bin/env bash
# A district's workbook imported (issue 21, figure 9): 200 schools of 100 people (20,000 people,
# 20,200 rows: every 50th teacher teaches in two schools) previewed and committed on PostgreSQL
# with `tingke import`, against a plain COPY of the same schools, users and memberships into the
# same tables (their indexes and sync triggers included) in a fresh database. Wall time and peak
# RSS from /usr/bin/time; the commit run previews again first (the CLI does both), so the commit
# alone is the second run less the first. Then the same workbook over HTTP (upload, commit,
# login sheet) against `tingke serve` on another fresh database, with the server's peak RSS.
#
#   bench/import.sh            # SCHOOLS=200 PEOPLE=100
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SCHOOLS=${SCHOOLS:-200}
PEOPLE=${PEOPLE:-100}
DB=${BENCH_DB:-tingke_bench_import}
build_tingke
[ "${SKIP_BUILD:-0}" = 1 ] || (cd "$ROOT" && cargo build --release -q -p tingke-api --example district_workbook)
work_dir_and_server_cleanup
fresh_db() {
    psql "$PG_URL_BASE/postgres" -Xqc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
    DATABASE_URL=$PG_URL_BASE/$1 TINGKE_DATA_DIR=$WORK/data "$TINGKE" migrate >/dev/null
}
DISTRICT=01900000-0000-7000-0000-000000000001
add_district() {
    psql "$PG_URL_BASE/$1" -Xqc "INSERT INTO districts VALUES ('$DISTRICT', '基准区', now())"
}
# seconds and peak RSS (MB) of a command, as "S MB"
timed() {
    /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
    awk '{printf "%s %.0f\n", $1, $2/1024}' "$WORK/time"
}
"$CARGO_TARGET_DIR/release/examples/district_workbook" "$WORK/set" "$DISTRICT" "$SCHOOLS" "$PEOPLE"
ls -l "$WORK/set/district.xlsx" | awk '{print "workbook: " $5 " bytes"}'

fresh_db "$DB"
add_district "$DB"
export DATABASE_URL=$PG_URL_BASE/$DB TINGKE_DATA_DIR=$WORK/data RUST_LOG=warn
read -r preview_s preview_mb < <(timed "$TINGKE" import "$WORK/set/district.xlsx" --district "$DISTRICT")
grep '^schools' "$WORK/out"
read -r both_s both_mb < <(timed "$TINGKE" import "$WORK/set/district.xlsx" --district "$DISTRICT" --commit --login-sheet "$WORK/logins.xlsx")
tail -1 "$WORK/out"
read -r again_s again_mb < <(timed "$TINGKE" import "$WORK/set/district.xlsx" --district "$DISTRICT")
grep '^schools' "$WORK/out"
commit_s=$(python3 -c "print(round($both_s - $preview_s, 2))")

# The same over HTTP: upload (preview), commit, login sheet, against `tingke serve`.
fresh_db "${DB}_http"
add_district "${DB}_http"
PORT=${PORT:-18190}
BASE=http://127.0.0.1:$PORT
DATABASE_URL=$PG_URL_BASE/${DB}_http TINGKE_ADMIN_PASSWORD=bench-admin-2026 \
    "$TINGKE" create-admin --phone 13600000000 --name 管理员 >/dev/null
DATABASE_URL=$PG_URL_BASE/${DB}_http TINGKE_BIND=127.0.0.1:$PORT TINGKE_UPLOAD_TIMEOUT_SECONDS=600 \
    "$TINGKE" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
wait_200 "$BASE/readyz" 60
TOKEN=$(curl -sf "$BASE/v1/auth/login" -H 'content-type: application/json' \
    -d '{"phone":"13600000000","password":"bench-admin-2026"}' |
    python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
http_preview_s=$(curl -sf -o "$WORK/preview.json" -w '%{time_total}' -H "authorization: Bearer $TOKEN" \
    -F "file=@$WORK/set/district.xlsx" "$BASE/v1/districts/$DISTRICT/imports")
IMPORT=$(python3 -c 'import json; print(json.load(open("'"$WORK"'/preview.json"))["id"])' )
http_commit_s=$(curl -sf -o "$WORK/commit.json" -w '%{time_total}' -H "authorization: Bearer $TOKEN" \
    -H 'content-type: application/json' -d '{}' "$BASE/v1/imports/$IMPORT/commit")
KEY=$(python3 -c 'import json; print(json.load(open("'"$WORK"'/commit.json"))["login_sheet"]["key"])')
http_sheet_s=$(curl -sf -o "$WORK/http-logins.xlsx" -w '%{time_total}' -H "authorization: Bearer $TOKEN" \
    -H 'content-type: application/json' -d "{\"key\":\"$KEY\"}" "$BASE/v1/imports/$IMPORT/login-sheet")
http_rss_mb=$(awk '/VmHWM/{printf "%.0f", $2/1024}' "/proc/$SERVER/status")
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
psql "$PG_URL_BASE/postgres" -Xqc "DROP DATABASE ${DB}_http WITH (FORCE)"

fresh_db "${DB}_copy"
add_district "${DB}_copy"
copy_start=$(now_ns)
psql "$PG_URL_BASE/${DB}_copy" -Xq -v ON_ERROR_STOP=1 <<SQL
BEGIN;
\copy schools (id, district_id, name, created_at) FROM '$WORK/set/schools.csv' CSV
\copy users (id, name, phone, password_hash, is_admin, created_at, updated_at, deleted_at, password_change_required) FROM '$WORK/set/users.csv' CSV
\copy memberships (id, user_id, district_id, school_id, scope_id, roles, subjects, created_at) FROM '$WORK/set/memberships.csv' CSV
COMMIT;
SQL
copy_s=$(python3 -c "print(round(($(now_ns) - $copy_start) / 1e9, 2))")
psql "$PG_URL_BASE/${DB}_copy" -XAtc "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM memberships)" | sed 's/^/copied users|memberships: /'
psql "$PG_URL_BASE/$DB" -XAtc "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM memberships)" | sed 's/^/imported users|memberships: /'
psql "$PG_URL_BASE/postgres" -Xqc "DROP DATABASE $DB WITH (FORCE)" -c "DROP DATABASE ${DB}_copy WITH (FORCE)"

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(machine)"
echo "preview: ${preview_s} s, peak RSS ${preview_mb} MB (target < 30 s, < 300 MB)"
echo "preview + commit: ${both_s} s, peak RSS ${both_mb} MB; the commit alone: ${commit_s} s"
echo "second preview of the same file (nothing to change): ${again_s} s, peak RSS ${again_mb} MB"
echo "over HTTP: preview ${http_preview_s} s, commit ${http_commit_s} s, login sheet ${http_sheet_s} s; server peak RSS ${http_rss_mb} MB"
echo "plain COPY of the same rows: ${copy_s} s"
echo "ratio commit/COPY: $(ratio "$commit_s" "$copy_s"), (preview + commit)/COPY: $(ratio "$both_s" "$copy_s")"
