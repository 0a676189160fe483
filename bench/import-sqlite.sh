#!/usr/bin/env bash
# Figure 9 on SQLite (issue 21): the district workbook of bench/import.sh (200 schools of 100
# people, 20,200 rows) previewed and committed with `tingke import` into a fresh SQLite file,
# then over HTTP against `tingke serve` on another; the baseline is a plain insert of the same
# schools, users and memberships (sqlite3's .import into scratch tables, then one INSERT … SELECT
# per table, indexes and sync triggers included) in one transaction. Wall time and peak RSS from
# /usr/bin/time, as in bench/import.sh.
#
#   bench/import-sqlite.sh     # SCHOOLS=200 PEOPLE=100; SKIP_BUILD=1 reuses the release binaries
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SCHOOLS=${SCHOOLS:-200}
PEOPLE=${PEOPLE:-100}
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed (apt-get install sqlite3)" >&2; exit 1; }
build_tingke
[ "${SKIP_BUILD:-0}" = 1 ] || (cd "$ROOT" && cargo build --release -q -p tingke-api --example district_workbook)
work_dir_and_server_cleanup
DISTRICT=01900000-0000-7000-0000-000000000001
# a migrated SQLite file with the district
fresh_db() {
    DATABASE_URL=$1 TINGKE_DATA_DIR=$WORK/data "$TINGKE" migrate >/dev/null
    sqlite3 "$1" "INSERT INTO districts VALUES ('$DISTRICT', '基准区', datetime('now'))"
}
# seconds and peak RSS (MB) of a command, as "S MB"
timed() {
    /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
    awk '{printf "%s %.0f\n", $1, $2/1024}' "$WORK/time"
}
mkdir -p "$WORK/data"
"$CARGO_TARGET_DIR/release/examples/district_workbook" "$WORK/set" "$DISTRICT" "$SCHOOLS" "$PEOPLE"
ls -l "$WORK/set/district.xlsx" | awk '{print "workbook: " $5 " bytes"}'

DB=$WORK/import.db
fresh_db "$DB"
export DATABASE_URL=$DB TINGKE_DATA_DIR=$WORK/data RUST_LOG=warn
read -r preview_s preview_mb < <(timed "$TINGKE" import "$WORK/set/district.xlsx" --district "$DISTRICT")
grep '^schools' "$WORK/out"
read -r both_s both_mb < <(timed "$TINGKE" import "$WORK/set/district.xlsx" --district "$DISTRICT" --commit --login-sheet "$WORK/logins.xlsx")
tail -1 "$WORK/out"
read -r again_s again_mb < <(timed "$TINGKE" import "$WORK/set/district.xlsx" --district "$DISTRICT")
grep '^schools' "$WORK/out"
commit_s=$(python3 -c "print(round($both_s - $preview_s, 2))")

# The same over HTTP: upload (preview), commit, login sheet, against `tingke serve`.
HTTP_DB=$WORK/http.db
fresh_db "$HTTP_DB"
PORT=${PORT:-18191}
BASE=http://127.0.0.1:$PORT
DATABASE_URL=$HTTP_DB TINGKE_ADMIN_PASSWORD=bench-admin-2026 \
    "$TINGKE" create-admin --phone 13600000000 --name 管理员 >/dev/null
DATABASE_URL=$HTTP_DB TINGKE_BIND=127.0.0.1:$PORT TINGKE_UPLOAD_TIMEOUT_SECONDS=600 \
    "$TINGKE" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
wait_200 "$BASE/readyz" 60
TOKEN=$(curl -sf "$BASE/v1/auth/login" -H 'content-type: application/json' \
    -d '{"phone":"13600000000","password":"bench-admin-2026"}' |
    python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
http_preview_s=$(curl -sf -o "$WORK/preview.json" -w '%{time_total}' -H "authorization: Bearer $TOKEN" \
    -F "file=@$WORK/set/district.xlsx" "$BASE/v1/districts/$DISTRICT/imports")
IMPORT=$(python3 -c 'import json; print(json.load(open("'"$WORK"'/preview.json"))["id"])')
http_commit_s=$(curl -sf -o "$WORK/commit.json" -w '%{time_total}' -H "authorization: Bearer $TOKEN" \
    -H 'content-type: application/json' -d '{}' "$BASE/v1/imports/$IMPORT/commit")
KEY=$(python3 -c 'import json; print(json.load(open("'"$WORK"'/commit.json"))["login_sheet"]["key"])')
http_sheet_s=$(curl -sf -o "$WORK/http-logins.xlsx" -w '%{time_total}' -H "authorization: Bearer $TOKEN" \
    -H 'content-type: application/json' -d "{\"key\":\"$KEY\"}" "$BASE/v1/imports/$IMPORT/login-sheet")
http_rss_mb=$(awk '/VmHWM/{printf "%.0f", $2/1024}' "/proc/$SERVER/status")
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=

# The baseline: the same rows inserted plainly.
COPY_DB=$WORK/copy.db
fresh_db "$COPY_DB"
copy_start=$(now_ns)
sqlite3 "$COPY_DB" <<SQL
BEGIN;
CREATE TEMP TABLE s (id, district_id, name, created_at);
CREATE TEMP TABLE u (id, name, phone, password_hash, is_admin, created_at, updated_at, deleted_at, password_change_required);
CREATE TEMP TABLE m (id, user_id, district_id, school_id, scope_id, roles, subjects, created_at);
.mode csv
.import $WORK/set/schools.csv s
.import $WORK/set/users.csv u
.import $WORK/set/memberships.csv m
INSERT INTO schools (id, district_id, name, created_at) SELECT * FROM s;
INSERT INTO users (id, name, phone, password_hash, is_admin, created_at, updated_at, deleted_at, password_change_required)
    SELECT id, name, phone, password_hash, is_admin = 'true', created_at, updated_at, NULL, password_change_required = 'true' FROM u;
INSERT INTO memberships (id, user_id, district_id, school_id, scope_id, roles, subjects, created_at) SELECT * FROM m;
COMMIT;
SQL
copy_s=$(python3 -c "print(round(($(now_ns) - $copy_start) / 1e9, 2))")
sqlite3 "$COPY_DB" "SELECT (SELECT count(*) FROM users) || '|' || (SELECT count(*) FROM memberships)" | sed 's/^/inserted users|memberships: /'
sqlite3 "$DB" "SELECT (SELECT count(*) FROM users) || '|' || (SELECT count(*) FROM memberships)" | sed 's/^/imported users|memberships: /'

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(machine); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(git -C "$ROOT" rev-parse --short HEAD)"
echo "preview: ${preview_s} s, peak RSS ${preview_mb} MB (target < 30 s, < 300 MB)"
echo "preview + commit: ${both_s} s, peak RSS ${both_mb} MB; the commit alone: ${commit_s} s"
echo "second preview of the same file (nothing to change): ${again_s} s, peak RSS ${again_mb} MB"
echo "over HTTP: preview ${http_preview_s} s, commit ${http_commit_s} s, login sheet ${http_sheet_s} s; server peak RSS ${http_rss_mb} MB"
echo "plain insert of the same rows: ${copy_s} s"
echo "ratio commit/insert: $(ratio "$commit_s" "$copy_s"), (preview + commit)/insert: $(ratio "$both_s" "$copy_s")"
