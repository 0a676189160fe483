ALTER TABLE memberships DROP COLUMN qualifiers;
DELETE FROM quota_rules WHERE school_id IS NOT NULL;
DROP INDEX quota_rules_district;
ALTER TABLE quota_rules DROP COLUMN feedback_min_chars;
ALTER TABLE quota_rules DROP COLUMN qualifier;
ALTER TABLE quota_rules DROP COLUMN school_id;
DELETE FROM quota_rules a USING quota_rules b
 WHERE a.district_id = b.district_id AND a.role = b.role AND a.activity = b.activity
   AND a.period = b.period AND a.id > b.id;
ALTER TABLE quota_rules ADD UNIQUE (district_id, role, activity, period);
