-- Issue 23: each instance keeps people's quota progress in memory for at most
-- TINGKE_PROGRESS_CACHE_MS (api/src/memory.rs). Anything counted is in the change log (the
-- sync triggers log every record phones sync), and the rules are in quota_rules: a statement
-- that writes either notifies the other instances on the callers' channel with the payload
-- `counts`, and they drop the progress they keep. One notification per statement, and
-- PostgreSQL delivers identical ones of a transaction once, after it commits.
CREATE FUNCTION tingke_counts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tingke_callers', 'counts');
    RETURN NULL;
END
$$;

CREATE TRIGGER sync_log_counts_changed AFTER INSERT ON sync_log
    FOR EACH STATEMENT EXECUTE FUNCTION tingke_counts_changed();
CREATE TRIGGER quota_rules_counts_changed AFTER INSERT OR UPDATE OR DELETE ON quota_rules
    FOR EACH STATEMENT EXECUTE FUNCTION tingke_counts_changed();
