#!/usr/bin/env bash
# Lints openapi.yaml with two independent linters, pinned: Redocly CLI (redocly.yaml) and
# Spectral (spectral.yaml). Any error fails; the warnings left are explained in the configs.
# The tools are installed from npm into a cache folder outside the repository.
set -euo pipefail
cd "$(dirname "$0")/../.."

REDOCLY=@redocly/cli@2.77.0
SPECTRAL=@stoplight/spectral-cli@6.16.3
tools="${TINGKE_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tingke-ci}/lint-${REDOCLY##*@}-${SPECTRAL##*@}"

if [ ! -x "$tools/node_modules/.bin/redocly" ] || [ ! -x "$tools/node_modules/.bin/spectral" ]; then
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-audit --no-fund --no-save --loglevel=error "$REDOCLY" "$SPECTRAL"
fi

echo "Redocly CLI ${REDOCLY##*@}"
# Redocly's banner about Node.js versions is noise here.
REDOCLY_SUPPRESS_UPDATE_NOTICE=true REDOCLY_TELEMETRY=off \
    "$tools/node_modules/.bin/redocly" lint openapi.yaml --config .ci/lint/redocly.yaml --format=stylish
echo "Spectral ${SPECTRAL##*@}"
"$tools/node_modules/.bin/spectral" lint openapi.yaml --ruleset .ci/lint/spectral.yaml \
    --fail-severity=error --format=text
