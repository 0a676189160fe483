-- SQLite cannot drop a column that references another table: the two observation columns stay.
DROP INDEX observations_counted_given;
CREATE INDEX observations_counted_given ON observations (district_id, kind, teacher_id, lesson_date, late)
    WHERE counted AND deleted_at IS NULL;
DROP INDEX observations_event;
DROP TABLE event_attendance;
DROP TABLE events;
DROP TABLE open_weeks;
