-- Issue 23: PostgreSQL notifies other instances when anything counted changes (triggers, see
-- the postgres folder). SQLite serves one instance per file, which drops the progress it keeps
-- after each of its own writes: nothing to add here. The migration exists so that both folders
-- keep the same versions.
SELECT 1;
