-- The first answer to a request sent with an `Idempotency-Key`, replayed to retries for 24 hours.
-- `status` 0 marks a request still being handled.
CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL REFERENCES users (id),
    idempotency_key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    etag TEXT,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
);
