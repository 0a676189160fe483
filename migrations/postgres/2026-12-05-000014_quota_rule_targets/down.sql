DELETE FROM quota_rules WHERE target <> 'person';
ALTER TABLE quota_rules DROP COLUMN group_kind;
ALTER TABLE quota_rules DROP COLUMN target;
