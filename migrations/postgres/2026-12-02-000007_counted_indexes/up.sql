-- Quota reports count a district's counted observations per observer and kind, and report
-- lessons per teacher, over a school year: about a million rows at district scale. These indexes
-- hold every column those counts read, in the order they group by, so the counts are an index
-- scan without touching the table or sorting.
CREATE INDEX observations_counted_made ON observations (district_id, observer_id, kind, lesson_date)
    WHERE counted AND deleted_at IS NULL;
CREATE INDEX observations_counted_given ON observations (district_id, kind, teacher_id, lesson_date)
    WHERE counted AND deleted_at IS NULL;
