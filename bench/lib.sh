# Shared helpers of the benchmark scripts (sourced, not run).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
TINGKE=${TINGKE:-$CARGO_TARGET_DIR/release/tingke}
PG_URL_BASE=${PG_URL_BASE:-postgres://postgres@127.0.0.1:5432}

# SKIP_BUILD=1 uses the binary already built
build_tingke() {
    [ "${SKIP_BUILD:-0}" = 1 ] || (cd "$ROOT" && cargo build --release -q -p tingke-api --bin tingke)
}

# median of the numbers on stdin
median() {
    python3 -c 'import sys,statistics; v=[float(x) for x in sys.stdin.read().split()]; print(f"{statistics.median(v):.6g}" if v else "nan")'
}

# ratio A/B with two decimals
ratio() {
    python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}' if b else 'nan')" "$1" "$2"
}

now_ns() { date +%s%N; }

# waits until URL answers 200, at most $2 seconds (default 60)
wait_200() {
    local url=$1 limit=${2:-60} start
    start=$(date +%s)
    until [ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 200 ]; do
        if [ $(( $(date +%s) - start )) -ge "$limit" ]; then
            echo "no 200 from $url within ${limit}s" >&2
            return 1
        fi
        sleep 0.2
    done
}

# prints an access token for PHONE on the server at BASE
login() {
    local base=$1 phone=$2
    curl -sf "$base/v1/auth/login" -H 'content-type: application/json' \
        -d "{\"phone\":\"$phone\",\"password\":\"tingke2026\"}" |
        python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])'
}

machine() {
    echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB"
}

# A scratch folder in $WORK, and on exit: the server started as $SERVER stopped, the folder removed.
work_dir_and_server_cleanup() {
    WORK=$(mktemp -d)
    SERVER=
    trap 'cleanup_work_and_server' EXIT
}
cleanup_work_and_server() {
    if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
