ALTER TABLE memberships DROP COLUMN qualifiers;
DELETE FROM quota_rules WHERE school_id IS NOT NULL;
DROP INDEX quota_rules_district;
ALTER TABLE quota_rules DROP COLUMN feedback_min_chars;
ALTER TABLE quota_rules DROP COLUMN qualifier;
ALTER TABLE quota_rules DROP COLUMN school_id;
