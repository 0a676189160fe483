-- A researcher's contact schools (联系点, issue 20): the schools of the district a researcher is
-- responsible for, a JSON array of school ids on their district membership ('[]' for everyone
-- else). Their reports can be narrowed to them.
ALTER TABLE memberships ADD COLUMN contact_school_ids TEXT NOT NULL DEFAULT '[]';
