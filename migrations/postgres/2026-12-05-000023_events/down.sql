DROP INDEX observations_counted_given;
CREATE INDEX observations_counted_given ON observations (district_id, kind, teacher_id, lesson_date, late)
    WHERE counted AND deleted_at IS NULL;
DROP INDEX observations_event;
ALTER TABLE observations DROP COLUMN counts_for_teacher;
ALTER TABLE observations DROP COLUMN event_id;
DROP TABLE event_attendance;
DROP TABLE events;
DROP TABLE open_weeks;
