-- Observations with rubric scores, audited corrections, and quota rules per district.

-- A school's rubric; a change is a new version, so an observation keeps the rubric it was made with.
CREATE TABLE rubrics (
    id TEXT PRIMARY KEY NOT NULL,
    school_id TEXT NOT NULL REFERENCES schools (id),
    version INTEGER NOT NULL,
    items TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (school_id, version)
);

-- `id` is chosen by the phone; `request_hash` is the hash of the create request, to tell a retry
-- from a different record under the same id. `lesson_date` is the lesson's day in China time.
CREATE TABLE observations (
    id TEXT PRIMARY KEY NOT NULL,
    school_id TEXT NOT NULL REFERENCES schools (id),
    district_id TEXT NOT NULL REFERENCES districts (id),
    term_id TEXT REFERENCES terms (id),
    rubric_id TEXT NOT NULL REFERENCES rubrics (id),
    observer_id TEXT NOT NULL REFERENCES users (id),
    teacher_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    grade TEXT NOT NULL,
    class_name TEXT NOT NULL,
    topic TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP NOT NULL,
    lesson_date TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    scores TEXT NOT NULL,
    total_score INTEGER NOT NULL,
    strengths TEXT NOT NULL,
    suggestions TEXT NOT NULL,
    comments TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_at TIMESTAMP,
    counted BOOLEAN NOT NULL DEFAULT FALSE,
    not_counted_reason TEXT,
    acknowledged_at TIMESTAMP,
    teacher_reply TEXT,
    request_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX observations_observer ON observations (observer_id, id);
CREATE INDEX observations_teacher ON observations (teacher_id, id);
CREATE INDEX observations_school ON observations (school_id, id);
CREATE INDEX observations_counted ON observations (term_id, counted, observer_id);

CREATE TABLE observation_corrections (
    id TEXT PRIMARY KEY NOT NULL,
    observation_id TEXT NOT NULL REFERENCES observations (id),
    corrected_by TEXT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    changes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX observation_corrections_observation ON observation_corrections (observation_id);

CREATE TABLE quota_rules (
    id TEXT PRIMARY KEY NOT NULL,
    district_id TEXT NOT NULL REFERENCES districts (id),
    role TEXT NOT NULL,
    activity TEXT NOT NULL,
    period TEXT NOT NULL,
    minimum INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (district_id, role, activity, period)
);
