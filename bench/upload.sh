#!/usr/bin/env bash
# Upload throughput (issue 7, figure 2): pages per second through POST /v1/documents/{id}/pages
# with CONNS (50) phones uploading a 12-megapixel phone photo (about 4 MB, EXIF orientation 6)
# at once, against the same photo through `vipsthumbnail` alone (page and thumbnail, as figure 1,
# PROCS=2 at a time: the two cores), alternated round by round. Then PEAK_CONNS (200) uploads at
# once for the server's peak RSS. Every page acknowledged with 201 is counted back from the
# database and its files from the blob folder.
#
#   bench/upload.sh            # SQLite and local files, the demo school; needs wrk, libvips-tools
set -euo pipefail
. "$(dirname "$0")/lib.sh"
DURATION=${DURATION:-20}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-50}
PEAK_CONNS=${PEAK_CONNS:-200}
PROCS=${PROCS:-2}
PORT=${PORT:-18183}
BASE=http://127.0.0.1:$PORT
for tool in wrk vipsthumbnail sqlite3; do
    command -v $tool >/dev/null || { echo "$tool missing: apt-get install wrk libvips-tools sqlite3" >&2; exit 1; }
done
build_tingke
(cd "$ROOT" && cargo build --release -q -p tingke-api --example photo_once)
work_dir_and_server_cleanup
"$CARGO_TARGET_DIR/release/examples/photo_once" --make "$WORK/photo.jpg"
export PHOTO=$WORK/photo.jpg

env -u DATABASE_URL TINGKE_DATA_DIR="$WORK/data" TINGKE_BIND=127.0.0.1:$PORT RUST_LOG=warn \
    TINGKE_ACCESS_TOKEN_TTL=7200 "$TINGKE" serve --demo >"$WORK/server.log" 2>&1 &
SERVER=$!
wait_200 "$BASE/readyz" 60
TOKEN=$(login "$BASE" 13800000005)
export TOKEN
SCHOOL=$(curl -sf "$BASE/v1/me" -H "authorization: Bearer $TOKEN" |
    python3 -c 'import sys,json; print(json.load(sys.stdin)["memberships"][0]["school_id"])')
# A draft lesson plan per connection of the largest run, so uploads seldom share a document.
export DOCS_FILE=$WORK/docs
: >"$DOCS_FILE"
for _ in $(seq "$PEAK_CONNS"); do
    curl -sf "$BASE/v1/documents" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
        -d "{\"id\":\"$(python3 -c 'import uuid; print(uuid.uuid4())')\",\"kind\":\"lesson_plan\",\"school_id\":\"$SCHOOL\",\"subject\":\"语文\",\"grade\":\"四年级\",\"topic\":\"秋天的雨\",\"lesson_date\":\"2026-12-01\"}" |
        python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])' >>"$DOCS_FILE"
done
export IDS_DIR=$WORK/ids
mkdir -p "$IDS_DIR"
LUA=$(dirname "$0")/upload.lua

wrk_round() { # connections
    wrk -t2 -c"$1" -d"${DURATION}s" --timeout 60s -s "$LUA" "$BASE" >"$WORK/wrk.out"
    local created other
    read -r _ created _ other < <(grep '^created' "$WORK/wrk.out")
    python3 -c "print($created / $DURATION, $created, $other)" >>"$WORK/wrk.rounds.$1"
    echo "  tingke, $1 connections: $created pages in ${DURATION}s ($(python3 -c "print(round($created / $DURATION, 2))")/s), $other other answers"
}
vips_one() {
    vipsthumbnail "$PHOTO" -s 2400 -o "$WORK/vips/$1-page.jpg[Q=82,strip]"
    vipsthumbnail "$PHOTO" -s 320 -o "$WORK/vips/$1-thumb.jpg[Q=82,strip]"
}
export -f vips_one
export WORK
vips_round() { # as many photos as tingke did in its last round, at least 20
    local n start end
    n=$(tail -1 "$WORK/wrk.rounds.$CONNS" | awk '{print ($2 > 20 ? $2 : 20)}')
    mkdir -p "$WORK/vips"
    start=$(now_ns)
    seq "$n" | xargs -P "$PROCS" -I{} bash -c 'vips_one {}'
    end=$(now_ns)
    python3 -c "print($n / (($end - $start) / 1e9))" >>"$WORK/vips.rounds"
    echo "  vipsthumbnail, $PROCS at a time: $n photos at $(tail -1 "$WORK/vips.rounds" | xargs printf '%.2f')/s"
    rm -rf "$WORK/vips"
}

echo "warming up ..."
wrk -t2 -c"$CONNS" -d5s --timeout 60s -s "$LUA" "$BASE" >/dev/null
for r in $(seq "$ROUNDS"); do
    echo "round $r"
    wrk_round "$CONNS"
    vips_round
done
rss_after=$(awk '/VmHWM/{print int($2/1024)}' "/proc/$SERVER/status")
echo "peak RSS after $CONNS at once: $rss_after MB; now $PEAK_CONNS at once ..."
wrk_round "$PEAK_CONNS"
rss_peak=$(awk '/VmHWM/{print int($2/1024)}' "/proc/$SERVER/status")

# Every acknowledged page: its row, and both of its files.
cat "$IDS_DIR"/* | sort -u >"$WORK/acknowledged"
acked=$(wc -l <"$WORK/acknowledged")
sqlite3 "$WORK/data/tingke.db" "select id, page_key, thumb_key from pages" | sort >"$WORK/rows"
found=$(join -t'|' "$WORK/acknowledged" "$WORK/rows" | wc -l)
missing_files=$(join -t'|' "$WORK/acknowledged" "$WORK/rows" | while IFS='|' read -r _ page thumb; do
    [ -s "$WORK/data/blobs/$page" ] && [ -s "$WORK/data/blobs/$thumb" ] || echo x
done | wc -l)

col() { awk -v c="$2" '{print $c}' "$WORK/$1" | median; }
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(machine)"
echo "photo: $(stat -c %s "$PHOTO") bytes, $(vipsheader "$PHOTO" | cut -d: -f2-)"
tingke=$(col "wrk.rounds.$CONNS" 1)
vips=$(col vips.rounds 1)
echo "tingke, $CONNS uploading at once, median of $ROUNDS x ${DURATION}s: $tingke pages/s"
echo "vipsthumbnail, $PROCS processes: $vips photos/s"
echo "ratio tingke/vipsthumbnail: $(ratio "$tingke" "$vips") (target >= 0.8)"
echo "server peak RSS: $rss_after MB after $CONNS at once, $rss_peak MB after $PEAK_CONNS at once (target < 400 MB)"
echo "acknowledged pages: $acked; rows found: $found; rows missing a file: $missing_files"
[ "$found" = "$acked" ] && [ "$missing_files" = 0 ]
