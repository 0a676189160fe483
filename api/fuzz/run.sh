#!/usr/bin/env bash
# Builds the fuzz targets and runs each for a while, then shrinks its corpus to the inputs that
# still add coverage (the corpus is kept in git: the next run starts where this one ended).
#
#   bash api/fuzz/run.sh [seconds per target, default 600] [target ...]
#
# Findings land in api/fuzz/artifacts/<target>/ (crash-*, timeout-*, oom-*); replay one with
# `RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir api/fuzz <target> <file>` from the repository root.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(photo json_bodies workbook)

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# cargo-fuzz passes nightly-only flags (-Zsanitizer=address); this machine has the stable
# toolchain only, which accepts them with RUSTC_BOOTSTRAP.
export RUSTC_BOOTSTRAP=1
fuzz() { cargo fuzz "$1" --fuzz-dir api/fuzz --debug-assertions "${@:2}"; }

# Each target: libFuzzer's options. Photos may be tens of kilobytes; a JSON body at most a few.
# The server in the json_bodies process lives until the process exits, and actix-router leaks
# its route names on purpose (once per worker): no leak checks there, neither per input nor at
# exit, and room for the server and AddressSanitizer's quarantine.
options() {
    case "$1" in
        photo) echo "-max_len=65536 -timeout=20 -rss_limit_mb=2048" ;;
        json_bodies) echo "-max_len=4096 -timeout=10 -rss_limit_mb=3072 -detect_leaks=0 -dict=api/fuzz/json.dict" ;;
        # A workbook of a few pages; the reader must stay well under the server's memory.
        workbook) echo "-max_len=65536 -timeout=20 -rss_limit_mb=1024" ;;
    esac
}
asan() {
    case "$1" in
        json_bodies) echo "detect_leaks=0" ;;
        *) echo "" ;;
    esac
}

for target in "${targets[@]}"; do
    mkdir -p "api/fuzz/corpus/$target" "api/fuzz/artifacts/$target"
    log="api/fuzz/artifacts/$target/last-run.log"
    echo "== $target for ${seconds}s (log: $log)"
    # shellcheck disable=SC2046
    ASAN_OPTIONS=$(asan "$target") fuzz run "$target" -- -max_total_time="$seconds" -print_final_stats=1 $(options "$target") \
        2>&1 | tee "$log" | grep -E "^#[0-9]+ +(INITED|DONE)|ERROR|panicked|SUMMARY" || true
    grep -E "stat::(number_of_executed_units|peak_rss_mb)" "$log" || true
    if [ -n "$(find "api/fuzz/artifacts/$target" -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*')" ]; then
        echo "$target: findings in api/fuzz/artifacts/$target" >&2
        exit 1
    fi
    # shellcheck disable=SC2046
    ASAN_OPTIONS=$(asan "$target") fuzz cmin "$target" -- $(options "$target") >"api/fuzz/artifacts/$target/cmin.log" 2>&1
    echo "$target: corpus of $(ls "api/fuzz/corpus/$target" | wc -l) inputs after cmin"
done
