-- Issue 23: PostgreSQL notifies other instances of changes to the callers they keep in memory
-- (triggers, see the postgres folder). SQLite serves one instance per file, which drops what it
-- keeps itself when it changes it: nothing to add here. The migration exists so that both
-- folders keep the same versions.
SELECT 1;
