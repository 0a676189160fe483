-- Foundation: people, organisation, terms and auth state.
-- Ids are UUIDv7 text; timestamps are naive UTC; calendar dates are TEXT 'YYYY-MM-DD'.
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    phone TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);

CREATE TABLE districts (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE schools (
    id TEXT PRIMARY KEY NOT NULL,
    district_id TEXT NOT NULL REFERENCES districts (id),
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX schools_district_id ON schools (district_id);

CREATE TABLE terms (
    id TEXT PRIMARY KEY NOT NULL,
    district_id TEXT NOT NULL REFERENCES districts (id),
    name TEXT NOT NULL,
    school_year TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX terms_district_id ON terms (district_id, starts_on);

-- One row per user per school (or per district for district roles); roles and subjects are JSON arrays.
CREATE TABLE memberships (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    district_id TEXT NOT NULL REFERENCES districts (id),
    school_id TEXT REFERENCES schools (id),
    scope_id TEXT NOT NULL,
    roles TEXT NOT NULL,
    subjects TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, scope_id)
);
CREATE INDEX memberships_scope_id ON memberships (scope_id, id);

-- A session is one refresh-token family: rotation keeps the session, reuse revokes it.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);

CREATE TABLE login_attempts (
    phone TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    first_failed_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);
