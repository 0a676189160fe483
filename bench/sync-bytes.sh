#!/usr/bin/env bash
# Bytes per sync (issue 25): what a phone downloads for its first sync of a school of 100 teachers
# (scale 0.005, SQLite) and for a cursor page after it, plain and as gzip and br answers, as the
# principal (who sees the school's work) and as a teacher (their own).
#
#   bench/sync-bytes.sh                                  # builds the release binary first
#   SKIP_BUILD=1 TINGKE=target/debug/tingke bench/sync-bytes.sh   # bytes do not need a release build
set -euo pipefail
. "$(dirname "$0")/lib.sh"
PORT=${PORT:-18184}
BASE=http://127.0.0.1:$PORT
build_tingke
work_dir_and_server_cleanup
export TINGKE_DATA_DIR=$WORK/data
"$TINGKE" demo --scale 0.005 >"$WORK/summary" 2>"$WORK/demo.log"
get() { sed -n "s/^$1=//p" "$WORK/summary"; }
TINGKE_BIND=127.0.0.1:$PORT RUST_LOG=warn "$TINGKE" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
wait_200 "$BASE/readyz" 60

# bytes on the wire of GET URL as TOKEN offering ENCODING
bytes() {
    curl -sf -o /dev/null -w '%{size_download}' -H "authorization: Bearer $1" \
        -H "accept-encoding: $2" "$3"
}
# the URLs of a whole first sync, page by page, then the cursor of the phone's next sync
pages() {
    local token=$1 url=$BASE/v1/sync answer
    while :; do
        echo "$url"
        answer=$(curl -sf -H "authorization: Bearer $token" "$url")
        url=$BASE/v1/sync?since=$(echo "$answer" | python3 -c 'import sys,json; print(json.load(sys.stdin)["cursor"])')
        echo "$answer" | python3 -c 'import sys,json; sys.exit(0 if json.load(sys.stdin)["has_more"] else 1)' || break
    done
    echo "$url"
}
sum() { awk '{s+=$1} END {print s}'; }
echo "| who | answer | pages | plain bytes | gzip | br | gzip/plain | br/plain |"
echo "|---|---|---|---|---|---|---|---|"
for who in principal teacher; do
    token=$(login "$BASE" "$(get "$who")")
    pages "$token" >"$WORK/urls"
    head -n -1 "$WORK/urls" >"$WORK/first"
    tail -n 1 "$WORK/urls" >"$WORK/next"
    for part in first next; do
        n=$(wc -l <"$WORK/$part")
        for enc in identity gzip br; do
            while read -r url; do bytes "$token" "$enc" "$url"; echo; done <"$WORK/$part" | sum >"$WORK/$enc"
        done
        plain=$(cat "$WORK/identity") gzip=$(cat "$WORK/gzip") br=$(cat "$WORK/br")
        label=$([ "$part" = first ] && echo "first sync" || echo "next sync, nothing new")
        echo "| $who | $label | $n | $plain | $gzip | $br | $(ratio "$gzip" "$plain") | $(ratio "$br" "$plain") |"
    done
done
echo
echo "date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$ROOT" rev-parse --short HEAD)"
