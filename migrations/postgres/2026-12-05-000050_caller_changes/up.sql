-- Issue 23: each instance keeps a caller (session, user, memberships, the grade groups they
-- lead) in memory for at most TINGKE_SESSION_CACHE_MS. Every change to what it keeps notifies
-- the other instances, which drop it (LISTEN tingke_callers, `api/src/auth/cache.rs`). The
-- notifications come from triggers, so that every writer (the API, the CLI, an import, a hand
-- in psql) is heard, and only once its transaction commits. The payload is the user id, or `*`
-- for a grade group's change (its leaders read its people).
CREATE FUNCTION tingke_caller_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        PERFORM pg_notify('tingke_callers', '*');
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF TG_TABLE_NAME = 'users' THEN
            PERFORM pg_notify('tingke_callers', OLD.id);
        ELSE
            PERFORM pg_notify('tingke_callers', OLD.user_id);
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND TG_TABLE_NAME = 'memberships' THEN
        PERFORM pg_notify('tingke_callers', NEW.user_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER sessions_caller_changed AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION tingke_caller_changed();
CREATE TRIGGER users_caller_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION tingke_caller_changed();
CREATE TRIGGER memberships_caller_changed AFTER INSERT OR UPDATE OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION tingke_caller_changed();
CREATE TRIGGER group_members_caller_changed AFTER INSERT OR UPDATE OR DELETE ON group_members
    FOR EACH STATEMENT EXECUTE FUNCTION tingke_caller_changed();
CREATE TRIGGER school_groups_caller_changed AFTER UPDATE OR DELETE ON school_groups
    FOR EACH STATEMENT EXECUTE FUNCTION tingke_caller_changed();
