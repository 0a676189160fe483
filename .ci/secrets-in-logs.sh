#!/usr/bin/env bash
# Searches the server logs of a whole test run (the file named by TINGKE_TEST_LOG, see
# api/tests/api/helpers.rs) for what must never be logged: every password the tests use,
# access tokens (JWTs), Authorization headers and refresh tokens (43 characters of base64url). Prints how many lines matched
# each pattern, never the lines themselves.
#
#   bash .ci/secrets-in-logs.sh target/test-server.log
set -euo pipefail
log="$1"
lines=$(wc -l <"$log")
# Fewer lines than this means the logging did not reach the file: the search would prove nothing.
if [ "$lines" -lt 1000 ]; then
    echo "secrets-in-logs: only $lines lines in $log" >&2
    exit 1
fi
patterns=(
    'tingke2026' 'correct-horse-9' 'long-enough' 'Tingke2026!typo' 'whatever'
    'eyJ[A-Za-z0-9_-]{8,}\.eyJ'
    '[Bb]earer +[A-Za-z0-9._-]{8,}'
    '(^|[^A-Za-z0-9_-])[A-Za-z0-9_-]{43}([^A-Za-z0-9_-]|$)'
)
found=0
for p in "${patterns[@]}"; do
    n=$(grep -Ec -- "$p" "$log" || true)
    if [ "$n" != 0 ]; then
        echo "secrets-in-logs: /$p/ matches $n lines of $log" >&2
        found=1
    fi
done
echo "secrets-in-logs: $lines lines searched for ${#patterns[@]} patterns, $([ $found = 0 ] && echo nothing found || echo FOUND)"
exit $found
