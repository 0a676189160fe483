#!/usr/bin/env bash
# Generates a Python client from openapi.yaml with openapi-python-client (pinned in
# requirements.txt) and replays every phone flow of mobile-contract/flows through it, each on a
# fresh demo server (flows.py). Fails when the generator leaves anything of the spec out of the
# client, or when any flow fails. Usage: .ci/client/run.sh [FLOW_NAME...]
set -euo pipefail
cd "$(dirname "$0")/../.."

venv="${TINGKE_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tingke-ci}/client-$(sha256sum .ci/client/requirements.txt | cut -c1-12)"
if [ ! -x "$venv/bin/openapi-python-client" ]; then
    if ! python3 -m venv "$venv" 2>/dev/null; then
        # Debian keeps venv in its own package.
        apt-get install -y -q python3-venv >/dev/null
        python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r .ci/client/requirements.txt
fi
export PATH="$venv/bin:$PATH"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! openapi-python-client generate --path openapi.yaml --config .ci/client/config.yaml \
    --meta none --output-path "$work/tingke_client" >"$work/generate.log" 2>&1; then
    cat "$work/generate.log" >&2
    exit 1
fi
# A warning means a route, parameter or answer of the spec is missing from the client.
if grep -qE '^(WARNING|Cannot|Unable|Could not)' "$work/generate.log"; then
    echo "openapi-python-client could not express all of openapi.yaml:" >&2
    cat "$work/generate.log" >&2
    exit 1
fi
echo "generated $(find "$work/tingke_client/api" -name '*.py' ! -name '__init__.py' | wc -l) operations"

cargo build --quiet -p tingke-api --bin tingke
python .ci/client/flows.py "$work/tingke_client" "${CARGO_TARGET_DIR:-target}/debug/tingke" "$@"
