-- What changed, for `GET /v1/sync`: one row per synced entity with the sequence number of its
-- last change. Triggers on every synced table keep it, so no write path can forget it. SQLite has
-- one writer at a time, so numbering at write time is numbering in commit order.
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

CREATE TRIGGER sync_observations_insert AFTER INSERT ON observations BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('observation', NEW.id, COALESCE(NEW.school_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_observations_update AFTER UPDATE ON observations BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('observation', NEW.id, COALESCE(NEW.school_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_observations_delete AFTER DELETE ON observations BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('observation', OLD.id, COALESCE(OLD.school_id, ''), 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_documents_insert AFTER INSERT ON documents BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('document', NEW.id, COALESCE(NEW.school_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_documents_update AFTER UPDATE ON documents BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('document', NEW.id, COALESCE(NEW.school_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_documents_delete AFTER DELETE ON documents BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('document', OLD.id, COALESCE(OLD.school_id, ''), 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_mentorships_insert AFTER INSERT ON mentorships BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('mentorship', NEW.id, COALESCE(NEW.school_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_mentorships_update AFTER UPDATE ON mentorships BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('mentorship', NEW.id, COALESCE(NEW.school_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_mentorships_delete AFTER DELETE ON mentorships BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('mentorship', OLD.id, COALESCE(OLD.school_id, ''), 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_memberships_insert AFTER INSERT ON memberships BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('member', NEW.id, COALESCE(NEW.scope_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_memberships_update AFTER UPDATE ON memberships BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('member', NEW.id, COALESCE(NEW.scope_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_memberships_delete AFTER DELETE ON memberships BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('member', OLD.id, COALESCE(OLD.scope_id, ''), 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_terms_insert AFTER INSERT ON terms BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('term', NEW.id, COALESCE(NEW.district_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_terms_update AFTER UPDATE ON terms BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('term', NEW.id, COALESCE(NEW.district_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_terms_delete AFTER DELETE ON terms BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('term', OLD.id, COALESCE(OLD.district_id, ''), 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_rubrics_insert AFTER INSERT ON rubrics BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('rubric', NEW.id, COALESCE(NEW.school_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_rubrics_update AFTER UPDATE ON rubrics BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('rubric', NEW.id, COALESCE(NEW.school_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_rubrics_delete AFTER DELETE ON rubrics BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('rubric', OLD.id, COALESCE(OLD.school_id, ''), 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_pages_insert AFTER INSERT ON pages BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('document', NEW.document_id, COALESCE((SELECT school_id FROM documents WHERE id = NEW.document_id), ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_pages_update AFTER UPDATE ON pages BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('document', NEW.document_id, COALESCE((SELECT school_id FROM documents WHERE id = NEW.document_id), ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_pages_delete AFTER DELETE ON pages BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('document', OLD.document_id, COALESCE((SELECT school_id FROM documents WHERE id = OLD.document_id), ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_reviews_insert AFTER INSERT ON reviews BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('document', NEW.document_id, COALESCE((SELECT school_id FROM documents WHERE id = NEW.document_id), ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_reviews_update AFTER UPDATE ON reviews BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('document', NEW.document_id, COALESCE((SELECT school_id FROM documents WHERE id = NEW.document_id), ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_reviews_delete AFTER DELETE ON reviews BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('document', OLD.document_id, COALESCE((SELECT school_id FROM documents WHERE id = OLD.document_id), ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_mentorship_terms_insert AFTER INSERT ON mentorship_terms BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('mentorship', NEW.mentorship_id, COALESCE((SELECT school_id FROM mentorships WHERE id = NEW.mentorship_id), ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_mentorship_terms_update AFTER UPDATE ON mentorship_terms BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('mentorship', NEW.mentorship_id, COALESCE((SELECT school_id FROM mentorships WHERE id = NEW.mentorship_id), ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_mentorship_terms_delete AFTER DELETE ON mentorship_terms BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('mentorship', OLD.mentorship_id, COALESCE((SELECT school_id FROM mentorships WHERE id = OLD.mentorship_id), ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_mentorship_evaluations_insert AFTER INSERT ON mentorship_evaluations BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('mentorship', NEW.mentorship_id, COALESCE((SELECT school_id FROM mentorships WHERE id = NEW.mentorship_id), ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_mentorship_evaluations_update AFTER UPDATE ON mentorship_evaluations BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('mentorship', NEW.mentorship_id, COALESCE((SELECT school_id FROM mentorships WHERE id = NEW.mentorship_id), ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_mentorship_evaluations_delete AFTER DELETE ON mentorship_evaluations BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('mentorship', OLD.mentorship_id, COALESCE((SELECT school_id FROM mentorships WHERE id = OLD.mentorship_id), ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_mentorship_activities_insert AFTER INSERT ON mentorship_activities BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('activity', NEW.id, COALESCE((SELECT school_id FROM mentorships WHERE id = NEW.mentorship_id), ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_mentorship_activities_update AFTER UPDATE ON mentorship_activities BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('activity', NEW.id, COALESCE((SELECT school_id FROM mentorships WHERE id = NEW.mentorship_id), ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_mentorship_activities_delete AFTER DELETE ON mentorship_activities BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('activity', OLD.id, COALESCE((SELECT school_id FROM mentorships WHERE id = OLD.mentorship_id), ''), 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

-- A renamed or removed person changes every membership row that shows them.
CREATE TRIGGER sync_users_update AFTER UPDATE ON users
WHEN OLD.name IS NOT NEW.name OR OLD.deleted_at IS NOT NEW.deleted_at BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    SELECT 'member', m.id, m.scope_id, 0, (SELECT COALESCE(MAX(seq), 0) FROM sync_log) + ROW_NUMBER() OVER ()
    FROM memberships m WHERE m.user_id = NEW.id;
END;

-- Everything that exists before this migration is one change each.
INSERT INTO sync_log (kind, entity_id, scope_id, deleted, seq)
SELECT kind, id, scope, 0, ROW_NUMBER() OVER (ORDER BY created_at) FROM (
    SELECT 'observation' AS kind, id, school_id AS scope, created_at FROM observations
    UNION ALL SELECT 'document', id, school_id, created_at FROM documents
    UNION ALL SELECT 'mentorship', id, school_id, created_at FROM mentorships
    UNION ALL SELECT 'member', id, scope_id, created_at FROM memberships
    UNION ALL SELECT 'term', id, district_id, created_at FROM terms
    UNION ALL SELECT 'rubric', id, school_id, created_at FROM rubrics
    UNION ALL SELECT 'activity', a.id, m.school_id, a.created_at
        FROM mentorship_activities a JOIN mentorships m ON m.id = a.mentorship_id
) AS existing;
