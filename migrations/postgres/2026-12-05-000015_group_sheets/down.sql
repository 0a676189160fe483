DROP INDEX documents_group_id;
ALTER TABLE documents DROP COLUMN group_id;
