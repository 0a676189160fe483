# Starts a local S3 server for the blob-storage tests. Meant to be sourced:
#
#     source .ci/s3.sh    # starts s3s-fs, exports TINGKE_TEST_S3_* and AWS_*
#     cargo test ...      # the storage tests now also run against S3
#     tingke_s3_stop      # also run by the EXIT trap this file sets
#
# s3s-fs is a real S3 server over a folder that checks signatures, presigned URLs included.
# Later versions than 0.14.1 need a newer rustc.

TINGKE_S3_PID=""
TINGKE_S3_DIR=""

tingke_s3_stop() {
    if [ -n "$TINGKE_S3_PID" ]; then
        kill "$TINGKE_S3_PID" 2>/dev/null || true
        wait "$TINGKE_S3_PID" 2>/dev/null || true
        TINGKE_S3_PID=""
    fi
    if [ -n "$TINGKE_S3_DIR" ]; then
        rm -rf "$TINGKE_S3_DIR"
        TINGKE_S3_DIR=""
    fi
}

# True when something accepts connections on 127.0.0.1:$1.
tingke_s3_listening() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Starts s3s-fs on a random free port; fails when it dies or does not answer in 10 s.
tingke_s3_try_start() {
    local port=$1
    mkdir -p "$TINGKE_S3_DIR/data"
    s3s-fs --host 127.0.0.1 --port "$port" \
        --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY" \
        "$TINGKE_S3_DIR/data" >"$TINGKE_S3_DIR/log" 2>&1 &
    TINGKE_S3_PID=$!
    for _ in $(seq 100); do
        if ! kill -0 "$TINGKE_S3_PID" 2>/dev/null; then
            TINGKE_S3_PID=""
            return 1
        fi
        if tingke_s3_listening "$port"; then
            return 0
        fi
        sleep 0.1
    done
    kill "$TINGKE_S3_PID" 2>/dev/null || true
    TINGKE_S3_PID=""
    return 1
}

tingke_s3_install() {
    if ! command -v s3s-fs >/dev/null; then
        echo "installing s3s-fs (about 2 minutes)"
        cargo install s3s-fs --version 0.14.1 --features binary --locked
        hash -r
    fi
}

tingke_s3_start() {
    tingke_s3_install
    TINGKE_S3_DIR="$(mktemp -d)"
    # Fixed test credentials: this server holds nothing but test data.
    export AWS_ACCESS_KEY_ID="tingke-test"
    export AWS_SECRET_ACCESS_KEY="tingke-test-secret"
    export TINGKE_TEST_S3_REGION="us-east-1"
    local port
    # A port taken between the check and the bind makes s3s-fs exit: then try another.
    for _ in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 40000))
        tingke_s3_listening "$port" && continue
        if tingke_s3_try_start "$port"; then
            export TINGKE_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
            echo "s3s-fs listening on $TINGKE_TEST_S3_ENDPOINT"
            return 0
        fi
    done
    echo "s3s-fs did not start:" >&2
    cat "$TINGKE_S3_DIR/log" >&2 || true
    tingke_s3_stop
    return 1
}

# `TINGKE_S3_INSTALL_ONLY=1 bash .ci/s3.sh` only installs s3s-fs (CI does it in the background).
if [ -n "${TINGKE_S3_INSTALL_ONLY:-}" ]; then
    tingke_s3_install
else
    trap tingke_s3_stop EXIT
    tingke_s3_start
fi
