-- Lessons as events (issue 20; POLICY.md, "Lessons as events and district staff"): an announced
-- lesson (research, viewing, demonstration, reform report, open-week lesson) scheduled for a
-- teacher, a class, a time and a place, with who is invited; attendees check in and their
-- observations of it are linked to it. A school's teaching open week holds such lessons.
CREATE TABLE open_weeks (
    id TEXT PRIMARY KEY NOT NULL,
    school_id TEXT NOT NULL REFERENCES schools (id),
    district_id TEXT NOT NULL REFERENCES districts (id),
    title TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    -- JSON array of who came from outside (parents, other schools): names as written.
    visitors TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    request_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX open_weeks_school ON open_weeks (school_id, starts_on);

CREATE TABLE events (
    id TEXT PRIMARY KEY NOT NULL,
    school_id TEXT NOT NULL REFERENCES schools (id),
    district_id TEXT NOT NULL REFERENCES districts (id),
    -- research | open_lesson | demonstration | report_lesson | open_week_lesson
    kind TEXT NOT NULL,
    teacher_id TEXT NOT NULL REFERENCES users (id),
    subject TEXT NOT NULL,
    grade TEXT NOT NULL,
    class_name TEXT NOT NULL,
    topic TEXT NOT NULL,
    place TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    -- The lesson's day in China Standard Time, YYYY-MM-DD.
    lesson_date TEXT NOT NULL,
    -- JSON array of the user ids invited.
    invited TEXT NOT NULL,
    open_week_id TEXT REFERENCES open_weeks (id),
    -- The group activity (meeting) the lesson is part of.
    meeting_id TEXT REFERENCES group_meetings (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    request_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX events_school ON events (school_id, starts_at);
CREATE INDEX events_teacher ON events (teacher_id, starts_at);
CREATE INDEX events_open_week ON events (open_week_id);

CREATE TABLE event_attendance (
    event_id TEXT NOT NULL REFERENCES events (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    checked_in_at TIMESTAMP NOT NULL,
    PRIMARY KEY (event_id, user_id)
);

-- An observation of an event, and whether it is the one that counts the lesson for its teacher:
-- a lesson seen by three counts once for the teacher who gave it (the first counted observation of
-- it), each observation still counts for its own observer.
ALTER TABLE observations ADD COLUMN event_id TEXT REFERENCES events (id);
ALTER TABLE observations ADD COLUMN counts_for_teacher BOOLEAN NOT NULL DEFAULT TRUE;
CREATE INDEX observations_event ON observations (event_id);
DROP INDEX observations_counted_given;
CREATE INDEX observations_counted_given ON observations (district_id, kind, teacher_id, lesson_date, late)
    WHERE counted AND counts_for_teacher AND deleted_at IS NULL;

CREATE TRIGGER sync_events AFTER INSERT OR UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION sync_own_row('event', 'school_id');
CREATE TRIGGER sync_open_weeks AFTER INSERT OR UPDATE OR DELETE ON open_weeks
    FOR EACH ROW EXECUTE FUNCTION sync_own_row('open_week', 'school_id');
CREATE TRIGGER sync_event_attendance AFTER INSERT OR UPDATE OR DELETE ON event_attendance
    FOR EACH ROW EXECUTE FUNCTION sync_parent_row('event', 'event_id', 'events');
