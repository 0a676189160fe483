-- A guided-learning sheet may belong to a lesson-preparation group (issue 18): the group drafts it
-- together ("导学案初稿经过反复研讨、修改"), any member adds pages, and once signed off it is in use
-- for every member.
ALTER TABLE documents ADD COLUMN group_id TEXT;
CREATE INDEX documents_group_id ON documents (group_id) WHERE group_id IS NOT NULL;
