#!/usr/bin/env bash
# Cold start (issue 7, figure 5): `tingke serve` on an empty data directory (SQLite, migrations
# included) until GET /readyz answers 200. N runs (default 10), each on a fresh directory;
# reports every run and the median.
#
#   bench/cold-start.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
N=${N:-10}
PORT=${PORT:-18181}
build_tingke
times=()
for i in $(seq "$N"); do
    dir=$(mktemp -d)
    start=$(now_ns)
    env -u DATABASE_URL TINGKE_DATA_DIR="$dir" TINGKE_BIND="127.0.0.1:$PORT" RUST_LOG=warn \
        "$TINGKE" serve >/dev/null 2>&1 &
    pid=$!
    until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")" = 200 ]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "tingke exited before it was ready" >&2
            exit 1
        fi
        sleep 0.002
    done
    end=$(now_ns)
    kill "$pid"
    wait "$pid" || true
    rm -rf "$dir"
    ms=$(python3 -c "print(round(($end-$start)/1e6, 1))")
    times+=("$ms")
    echo "run $i: $ms ms"
done
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(machine)"
echo "cold start median of $N: $(printf '%s\n' "${times[@]}" | median) ms (target < 1000 ms)"
