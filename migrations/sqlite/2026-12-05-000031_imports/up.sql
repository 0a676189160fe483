-- District workbooks (issue 21): an upload is previewed and kept with its plan, the exact
-- changes a commit applies; a commit applies it once. The login sheet's passwords are derived
-- from a key only the importer is given (its SHA-256 is kept to check it), so nothing here
-- holds a password readable; the sheet is handed out once (sheet_taken_at).
CREATE TABLE imports (
    id TEXT PRIMARY KEY NOT NULL,
    district_id TEXT NOT NULL REFERENCES districts (id),
    -- A principal's import is limited to their school; NULL for an administrator's.
    school_id TEXT REFERENCES schools (id),
    -- NULL: the command line.
    created_by TEXT REFERENCES users (id),
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    -- JSON: the changes to apply, and the answer of the preview.
    plan TEXT NOT NULL,
    preview TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    committed_at TIMESTAMP,
    sheet_key_hash TEXT,
    -- JSON array of the user ids the login sheet lists.
    sheet_people TEXT,
    sheet_taken_at TIMESTAMP
);
CREATE INDEX imports_district_id ON imports (district_id, created_at);
