-- A quota rule binds people of a role, groups of a kind (a weekly collective preparation per
-- lesson-preparation group, a weekly research activity per subject group) or schools (a teaching
-- open week per school year). `role` is '' for the last two.
ALTER TABLE quota_rules ADD COLUMN target TEXT NOT NULL DEFAULT 'person';
ALTER TABLE quota_rules ADD COLUMN group_kind TEXT;
