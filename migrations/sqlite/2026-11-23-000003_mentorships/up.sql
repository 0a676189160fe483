-- Mentor-apprentice pairs (师徒结对), the terms they span, their logged activities and
-- end-of-term evaluations.
CREATE TABLE mentorships (
    id TEXT PRIMARY KEY NOT NULL,
    school_id TEXT NOT NULL REFERENCES schools (id),
    district_id TEXT NOT NULL REFERENCES districts (id),
    mentor_id TEXT NOT NULL REFERENCES users (id),
    apprentice_id TEXT NOT NULL REFERENCES users (id),
    subjects TEXT NOT NULL,
    goals TEXT NOT NULL,
    status TEXT NOT NULL,
    ended_at TIMESTAMP,
    end_reason TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    request_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX mentorships_school ON mentorships (school_id, id);
CREATE INDEX mentorships_mentor ON mentorships (mentor_id);
CREATE INDEX mentorships_apprentice ON mentorships (apprentice_id);

CREATE TABLE mentorship_terms (
    mentorship_id TEXT NOT NULL REFERENCES mentorships (id),
    term_id TEXT NOT NULL REFERENCES terms (id),
    PRIMARY KEY (mentorship_id, term_id)
);
CREATE INDEX mentorship_terms_term ON mentorship_terms (term_id);

-- `observation_id` links an observing activity to the submitted observation it was; a pair's
-- quota counts each linked observation once.
CREATE TABLE mentorship_activities (
    id TEXT PRIMARY KEY NOT NULL,
    mentorship_id TEXT NOT NULL REFERENCES mentorships (id),
    kind TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    occurred_on TEXT NOT NULL,
    term_id TEXT NOT NULL REFERENCES terms (id),
    notes TEXT NOT NULL,
    observation_id TEXT REFERENCES observations (id),
    logged_by TEXT NOT NULL REFERENCES users (id),
    request_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX mentorship_activities_pair ON mentorship_activities (mentorship_id, term_id);

CREATE TABLE mentorship_evaluations (
    id TEXT PRIMARY KEY NOT NULL,
    mentorship_id TEXT NOT NULL REFERENCES mentorships (id),
    term_id TEXT NOT NULL REFERENCES terms (id),
    rating TEXT NOT NULL,
    comments TEXT NOT NULL,
    evaluated_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (mentorship_id, term_id)
);
