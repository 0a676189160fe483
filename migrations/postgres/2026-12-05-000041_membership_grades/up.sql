-- The grades a member teaches in the school (issue 21: the people sheet's 任教年级), as a JSON
-- array of names like subjects: ["三年级", "四年级"].
ALTER TABLE memberships ADD COLUMN grades TEXT NOT NULL DEFAULT '[]';
