-- A lost commit answer (issue 21): a retried commit by the same caller answers the same result,
-- the login sheet's key included, until the sheet is taken. The key is derived again from the
-- server's secret and the import's id (never stored); the count of removed memberships is kept
-- here so that the answer is the same.
ALTER TABLE imports ADD COLUMN removed INTEGER;
