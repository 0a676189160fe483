-- A school's groups (issue 18): subject research groups (教研组), lesson-preparation groups
-- (备课组, one subject in one grade) and grade groups (年级组). `groups` is a keyword in both
-- databases' window syntax, hence `school_groups`.
CREATE TABLE school_groups (
    id TEXT PRIMARY KEY NOT NULL,
    school_id TEXT NOT NULL REFERENCES schools (id),
    -- subject | preparation | grade
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    -- Set for subject and preparation groups.
    subject TEXT,
    -- Set for preparation and grade groups.
    grade TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    request_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX school_groups_school_id ON school_groups (school_id, id);

-- Who is in a group, and who leads it (one or two leaders).
CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES school_groups (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    leader BOOLEAN NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user_id ON group_members (user_id);

-- Synced like every school record (see the sync migration): a group's own row, and its members
-- as part of the group's view.
CREATE TRIGGER sync_school_groups_insert AFTER INSERT ON school_groups BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('group', NEW.id, COALESCE(NEW.school_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_school_groups_update AFTER UPDATE ON school_groups BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('group', NEW.id, COALESCE(NEW.school_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_school_groups_delete AFTER DELETE ON school_groups BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('group', OLD.id, COALESCE(OLD.school_id, ''), 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_group_members_insert AFTER INSERT ON group_members BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('group', NEW.group_id, COALESCE((SELECT school_id FROM school_groups WHERE id = NEW.group_id), ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_group_members_update AFTER UPDATE ON group_members BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('group', NEW.group_id, COALESCE((SELECT school_id FROM school_groups WHERE id = NEW.group_id), ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_group_members_delete AFTER DELETE ON group_members BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('group', OLD.group_id, COALESCE((SELECT school_id FROM school_groups WHERE id = OLD.group_id), ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

