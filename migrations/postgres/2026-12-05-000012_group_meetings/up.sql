-- What a group holds (issue 18): a lesson-preparation group's collective preparation (集体备课)
-- and a subject or grade group's research activity (教研活动).
CREATE TABLE group_meetings (
    id TEXT PRIMARY KEY NOT NULL,
    group_id TEXT NOT NULL REFERENCES school_groups (id),
    school_id TEXT NOT NULL REFERENCES schools (id),
    -- collective_preparation | research_activity
    kind TEXT NOT NULL,
    -- The day it was held, YYYY-MM-DD in China Standard Time.
    held_on TEXT NOT NULL,
    -- The unit or topic.
    topic TEXT NOT NULL,
    -- A research activity's form: lesson_study | lecture | lesson_critique | theme | other.
    activity TEXT,
    -- The lessons a collective preparation covers.
    lessons TEXT NOT NULL,
    -- The collective preparation's main preparer (主备人).
    main_preparer_id TEXT REFERENCES users (id),
    -- The main preparer's draft, or an activity's record photos: a document of pages.
    document_id TEXT REFERENCES documents (id),
    discussion TEXT NOT NULL,
    revisions TEXT NOT NULL,
    -- JSON: [{"user_id": …, "status": "present" | "excused" | "absent"}]
    attendance TEXT NOT NULL,
    -- JSON array of the ids of observations made in a research activity.
    observation_ids TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    request_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX group_meetings_group_id ON group_meetings (group_id, held_on, id);
CREATE INDEX group_meetings_school_id ON group_meetings (school_id, held_on);

CREATE TRIGGER sync_group_meetings AFTER INSERT OR UPDATE OR DELETE ON group_meetings
    FOR EACH ROW EXECUTE FUNCTION sync_own_row('meeting', 'school_id');
