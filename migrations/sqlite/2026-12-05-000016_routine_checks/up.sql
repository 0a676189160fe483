-- The monthly routine check, rectification notices, follow-ups of lessons below standard and
-- district inspections (issue 19; POLICY.md, "The monthly routine check", "Rectification notices",
-- "Inspections").

-- The score under which a lesson is below standard and may be followed up.
ALTER TABLE rubrics ADD COLUMN pass_line INTEGER;

CREATE TABLE check_rounds (
    id TEXT PRIMARY KEY NOT NULL,
    school_id TEXT NOT NULL REFERENCES schools (id),
    title TEXT NOT NULL,
    -- The days the round covers, YYYY-MM-DD in China Standard Time.
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    -- Closed: no more results; the round's record is final.
    closed_at TIMESTAMP,
    opened_by TEXT NOT NULL REFERENCES users (id),
    request_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX check_rounds_school_id ON check_rounds (school_id, starts_on);

CREATE TRIGGER sync_check_rounds_insert AFTER INSERT ON check_rounds BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('check_round', NEW.id, COALESCE(NEW.school_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_check_rounds_update AFTER UPDATE ON check_rounds BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('check_round', NEW.id, COALESCE(NEW.school_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_check_rounds_delete AFTER DELETE ON check_rounds BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('check_round', OLD.id, COALESCE(OLD.school_id, ''), 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TABLE check_results (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES check_rounds (id),
    school_id TEXT NOT NULL REFERENCES schools (id),
    teacher_id TEXT NOT NULL REFERENCES users (id),
    checked_by TEXT NOT NULL REFERENCES users (id),
    -- JSON arrays of document ids: the lesson plans and the marked homework seen.
    plan_ids TEXT NOT NULL,
    homework_ids TEXT NOT NULL,
    -- excellent | good | pass | fail (优秀 良好 合格 不合格)
    grade TEXT NOT NULL,
    comments TEXT NOT NULL,
    guidance TEXT NOT NULL,
    -- The teacher's reply.
    reply TEXT,
    replied_at TIMESTAMP,
    request_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
-- One live result per teacher and round.
CREATE UNIQUE INDEX check_results_round_teacher ON check_results (round_id, teacher_id)
    WHERE deleted_at IS NULL;
CREATE INDEX check_results_teacher_id ON check_results (teacher_id, created_at);

CREATE TRIGGER sync_check_results_insert AFTER INSERT ON check_results BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('check_result', NEW.id, COALESCE(NEW.school_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_check_results_update AFTER UPDATE ON check_results BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('check_result', NEW.id, COALESCE(NEW.school_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_check_results_delete AFTER DELETE ON check_results BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('check_result', OLD.id, COALESCE(OLD.school_id, ''), 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TABLE notices (
    id TEXT PRIMARY KEY NOT NULL,
    school_id TEXT NOT NULL REFERENCES schools (id),
    district_id TEXT NOT NULL REFERENCES districts (id),
    -- The teacher it is sent to; NULL: sent to the school.
    teacher_id TEXT REFERENCES users (id),
    issued_by TEXT NOT NULL REFERENCES users (id),
    -- What it is about: check_result | observation | document | inspection, and its id.
    about_kind TEXT,
    about_id TEXT,
    -- The current round (1, 2, 3), its status (open | answered | verified) and deadline.
    round INTEGER NOT NULL,
    status TEXT NOT NULL,
    due_on TEXT NOT NULL,
    -- JSON: every round with its problem, requirement, deadline, answer and outcome.
    rounds TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX notices_school_id ON notices (school_id, status, due_on);
CREATE INDEX notices_district_id ON notices (district_id, status, due_on);
CREATE INDEX notices_teacher_id ON notices (teacher_id);
CREATE INDEX notices_about ON notices (about_kind, about_id);

CREATE TRIGGER sync_notices_insert AFTER INSERT ON notices BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('notice', NEW.id, COALESCE(NEW.school_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_notices_update AFTER UPDATE ON notices BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('notice', NEW.id, COALESCE(NEW.school_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_notices_delete AFTER DELETE ON notices BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('notice', OLD.id, COALESCE(OLD.school_id, ''), 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TABLE inspections (
    id TEXT PRIMARY KEY NOT NULL,
    school_id TEXT NOT NULL REFERENCES schools (id),
    district_id TEXT NOT NULL REFERENCES districts (id),
    term_id TEXT NOT NULL REFERENCES terms (id),
    inspected_on TEXT NOT NULL,
    -- JSON: [{"part": "listen" | "check" | "look" | "visit" | "talk", "note": …}]
    parts TEXT NOT NULL,
    findings TEXT NOT NULL,
    -- excellent | good | pass | fail
    grade TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    request_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX inspections_school_id ON inspections (school_id, inspected_on);
CREATE INDEX inspections_district_id ON inspections (district_id, inspected_on);

CREATE TRIGGER sync_inspections_insert AFTER INSERT ON inspections BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('inspection', NEW.id, COALESCE(NEW.school_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_inspections_update AFTER UPDATE ON inspections BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('inspection', NEW.id, COALESCE(NEW.school_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_inspections_delete AFTER DELETE ON inspections BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('inspection', OLD.id, COALESCE(OLD.school_id, ''), 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TABLE follow_ups (
    id TEXT PRIMARY KEY NOT NULL,
    observation_id TEXT NOT NULL REFERENCES observations (id),
    school_id TEXT NOT NULL REFERENCES schools (id),
    teacher_id TEXT NOT NULL REFERENCES users (id),
    opened_by TEXT NOT NULL REFERENCES users (id),
    due_on TEXT NOT NULL,
    note TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX follow_ups_school_id ON follow_ups (school_id, due_on);
CREATE INDEX follow_ups_observation_id ON follow_ups (observation_id);
