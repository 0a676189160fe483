-- What changed, for `GET /v1/sync`: one row per synced entity with the sequence number of its
-- last change. Triggers on every synced table keep it, so no write path can forget it.
--
-- `seq` is NULL while the writing transaction runs and is stamped at its commit, under one lock,
-- so sequence order is commit order: a reader that has seen number N has seen every change
-- numbered below N, and a cursor never skips a change that committed late.
CREATE SEQUENCE sync_seq;

CREATE TABLE sync_log (
    kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    -- The school (or, for district things, the district) whose members may see the entity.
    scope_id TEXT NOT NULL,
    deleted BOOLEAN NOT NULL,
    seq BIGINT,
    PRIMARY KEY (kind, entity_id)
);
CREATE UNIQUE INDEX sync_log_seq ON sync_log (seq);
CREATE INDEX sync_log_scope_seq ON sync_log (scope_id, seq);

CREATE FUNCTION sync_touch(p_kind TEXT, p_id TEXT, p_scope TEXT, p_deleted BOOLEAN)
RETURNS VOID AS $$
BEGIN
    INSERT INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES (p_kind, p_id, COALESCE(p_scope, ''), p_deleted, NULL)
    ON CONFLICT (kind, entity_id)
    DO UPDATE SET scope_id = EXCLUDED.scope_id, deleted = EXCLUDED.deleted, seq = NULL;
END $$ LANGUAGE plpgsql;

-- Runs at commit (a deferred constraint trigger), after every other lock the transaction takes,
-- so holding the stamp lock can never be part of a deadlock.
CREATE FUNCTION sync_stamp() RETURNS TRIGGER AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7380001);
    UPDATE sync_log SET seq = nextval('sync_seq')
    WHERE kind = NEW.kind AND entity_id = NEW.entity_id AND seq IS NULL;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER sync_log_stamp AFTER INSERT OR UPDATE ON sync_log
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.seq IS NULL)
    EXECUTE FUNCTION sync_stamp();

-- Entities whose own rows are synced: (kind, id, scope column).
CREATE FUNCTION sync_own_row() RETURNS TRIGGER AS $$
DECLARE
    r RECORD;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    PERFORM sync_touch(TG_ARGV[0], to_jsonb(r) ->> 'id', to_jsonb(r) ->> TG_ARGV[1], TG_OP = 'DELETE');
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER sync_observations AFTER INSERT OR UPDATE OR DELETE ON observations
    FOR EACH ROW EXECUTE FUNCTION sync_own_row('observation', 'school_id');
CREATE TRIGGER sync_documents AFTER INSERT OR UPDATE OR DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION sync_own_row('document', 'school_id');
CREATE TRIGGER sync_mentorships AFTER INSERT OR UPDATE OR DELETE ON mentorships
    FOR EACH ROW EXECUTE FUNCTION sync_own_row('mentorship', 'school_id');
CREATE TRIGGER sync_memberships AFTER INSERT OR UPDATE OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION sync_own_row('member', 'scope_id');
CREATE TRIGGER sync_terms AFTER INSERT OR UPDATE OR DELETE ON terms
    FOR EACH ROW EXECUTE FUNCTION sync_own_row('term', 'district_id');
CREATE TRIGGER sync_rubrics AFTER INSERT OR UPDATE OR DELETE ON rubrics
    FOR EACH ROW EXECUTE FUNCTION sync_own_row('rubric', 'school_id');

-- Rows that are part of a parent's view change the parent: (kind, parent id column, parent table).
CREATE FUNCTION sync_parent_row() RETURNS TRIGGER AS $$
DECLARE
    r RECORD;
    parent TEXT;
    scope TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    parent := to_jsonb(r) ->> TG_ARGV[1];
    EXECUTE format('SELECT school_id FROM %I WHERE id = $1', TG_ARGV[2]) INTO scope USING parent;
    PERFORM sync_touch(TG_ARGV[0], parent, scope, FALSE);
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER sync_pages AFTER INSERT OR UPDATE OR DELETE ON pages
    FOR EACH ROW EXECUTE FUNCTION sync_parent_row('document', 'document_id', 'documents');
CREATE TRIGGER sync_reviews AFTER INSERT OR UPDATE OR DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION sync_parent_row('document', 'document_id', 'documents');
CREATE TRIGGER sync_mentorship_terms AFTER INSERT OR UPDATE OR DELETE ON mentorship_terms
    FOR EACH ROW EXECUTE FUNCTION sync_parent_row('mentorship', 'mentorship_id', 'mentorships');
CREATE TRIGGER sync_mentorship_evaluations AFTER INSERT OR UPDATE OR DELETE ON mentorship_evaluations
    FOR EACH ROW EXECUTE FUNCTION sync_parent_row('mentorship', 'mentorship_id', 'mentorships');

CREATE FUNCTION sync_activity() RETURNS TRIGGER AS $$
DECLARE
    r RECORD;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    PERFORM sync_touch('activity', r.id,
        (SELECT school_id FROM mentorships WHERE id = r.mentorship_id), TG_OP = 'DELETE');
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER sync_mentorship_activities AFTER INSERT OR UPDATE OR DELETE ON mentorship_activities
    FOR EACH ROW EXECUTE FUNCTION sync_activity();

-- A renamed or removed person changes every membership row that shows them.
CREATE FUNCTION sync_user() RETURNS TRIGGER AS $$
BEGIN
    PERFORM sync_touch('member', m.id, m.scope_id, FALSE) FROM memberships m WHERE m.user_id = NEW.id;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER sync_users AFTER UPDATE ON users FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION sync_user();

-- Everything that exists before this migration is one change each.
INSERT INTO sync_log (kind, entity_id, scope_id, deleted, seq)
SELECT kind, id, scope, FALSE, nextval('sync_seq') FROM (
    SELECT 'observation' AS kind, id, school_id AS scope, created_at FROM observations
    UNION ALL SELECT 'document', id, school_id, created_at FROM documents
    UNION ALL SELECT 'mentorship', id, school_id, created_at FROM mentorships
    UNION ALL SELECT 'member', id, scope_id, created_at FROM memberships
    UNION ALL SELECT 'term', id, district_id, created_at FROM terms
    UNION ALL SELECT 'rubric', id, school_id, created_at FROM rubrics
    UNION ALL SELECT 'activity', a.id, m.school_id, a.created_at
        FROM mentorship_activities a JOIN mentorships m ON m.id = a.mentorship_id
) existing ORDER BY created_at;
