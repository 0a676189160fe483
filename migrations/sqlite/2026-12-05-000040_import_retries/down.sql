ALTER TABLE imports DROP COLUMN removed;
