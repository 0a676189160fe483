-- Resumable photo uploads (tus 1.0, issue 25): a phone on a school's network that drops the
-- connection in the middle of a photo resumes from the last byte the server holds, on any
-- instance and after a restart. The upload's state lives here; its bytes live in the blob
-- store, one object per chunk received (S3 cannot append), assembled when the last byte
-- arrives (`api/src/routes/uploads.rs`).
CREATE TABLE uploads (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    document_id TEXT NOT NULL,
    school_id TEXT NOT NULL,
    -- The page number asked for (from 1), or none for the end.
    page_index INTEGER,
    upload_length BIGINT NOT NULL,
    -- Bytes held: the sum of the chunks' lengths.
    upload_offset BIGINT NOT NULL,
    -- `Upload-Metadata` as the client sent it, answered back on HEAD.
    metadata TEXT NOT NULL,
    -- The page the finished upload became.
    page_id TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX uploads_expires_at ON uploads (expires_at);

-- One row per chunk held, keyed by where it starts: two PATCHes racing at one offset cannot
-- both be kept.
CREATE TABLE upload_chunks (
    upload_id TEXT NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    start_offset BIGINT NOT NULL,
    chunk_length BIGINT NOT NULL,
    blob_key TEXT NOT NULL,
    PRIMARY KEY (upload_id, start_offset)
);
