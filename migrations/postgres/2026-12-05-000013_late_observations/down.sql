DROP INDEX observations_counted_made;
DROP INDEX observations_counted_given;
ALTER TABLE observations DROP COLUMN late;
CREATE INDEX observations_counted_made ON observations (district_id, observer_id, kind, lesson_date)
    WHERE counted AND deleted_at IS NULL;
CREATE INDEX observations_counted_given ON observations (district_id, kind, teacher_id, lesson_date)
    WHERE counted AND deleted_at IS NULL;
