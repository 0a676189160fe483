ALTER TABLE memberships DROP COLUMN grades;
