ALTER TABLE memberships DROP COLUMN contact_school_ids;
