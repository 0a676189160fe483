-- An observation recorded more than a week after its lesson is late (issue 26, item 8): it counts
-- for totals but never fills a past week of a weekly rule. Judged once, when it is submitted, so
-- that changing the setting later does not rewrite what was reported.
ALTER TABLE observations ADD COLUMN late BOOLEAN NOT NULL DEFAULT FALSE;

-- The counting indexes carry `late` too, so that the counts (late ones apart) stay index scans.
DROP INDEX observations_counted_made;
DROP INDEX observations_counted_given;
CREATE INDEX observations_counted_made ON observations (district_id, observer_id, kind, lesson_date, late)
    WHERE counted AND deleted_at IS NULL;
CREATE INDEX observations_counted_given ON observations (district_id, kind, teacher_id, lesson_date, late)
    WHERE counted AND deleted_at IS NULL;
