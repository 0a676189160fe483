-- Handwritten lesson plans and guided-learning sheets, photographed page by page, and their
-- reviews. Page images live in the blob store under `page_key` and `thumb_key`.
CREATE TABLE documents (
    id TEXT PRIMARY KEY NOT NULL,
    school_id TEXT NOT NULL REFERENCES schools (id),
    district_id TEXT NOT NULL REFERENCES districts (id),
    teacher_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    grade TEXT NOT NULL,
    topic TEXT NOT NULL,
    lesson_date TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_at TIMESTAMP,
    approved_by TEXT REFERENCES users (id),
    signed_off_by TEXT REFERENCES users (id),
    request_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX documents_school ON documents (school_id, id);
CREATE INDEX documents_teacher ON documents (teacher_id, id);

CREATE TABLE pages (
    id TEXT PRIMARY KEY NOT NULL,
    document_id TEXT NOT NULL REFERENCES documents (id),
    school_id TEXT NOT NULL REFERENCES schools (id),
    teacher_id TEXT NOT NULL REFERENCES users (id),
    position INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    phash BIGINT NOT NULL,
    page_key TEXT NOT NULL,
    thumb_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX pages_document ON pages (document_id, position);
CREATE INDEX pages_school ON pages (school_id);

CREATE TABLE reviews (
    id TEXT PRIMARY KEY NOT NULL,
    document_id TEXT NOT NULL REFERENCES documents (id),
    reviewer_id TEXT NOT NULL REFERENCES users (id),
    verdict TEXT NOT NULL,
    comments TEXT NOT NULL,
    guidance TEXT NOT NULL,
    rectify_by TEXT,
    resolved_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX reviews_document ON reviews (document_id);
