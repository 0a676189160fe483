-- The school calendar of a term (issue 20): a district's holidays, exam days and make-up working
-- days (调休), and a school's own days off (`school_id` set). Dates are China Standard Time days,
-- `YYYY-MM-DD`, both ends included. Weekly quota rules count teaching weeks only. Phones sync
-- the entries (kind `calendar_entry`), a replaced entry as a tombstone.
CREATE TABLE calendar_entries (
    id TEXT PRIMARY KEY NOT NULL,
    district_id TEXT NOT NULL REFERENCES districts (id),
    term_id TEXT NOT NULL REFERENCES terms (id),
    school_id TEXT REFERENCES schools (id),
    -- Who sees the entry: the school of a day off, the district of the district's entries.
    scope_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX calendar_entries_term ON calendar_entries (term_id, starts_on);

CREATE TRIGGER sync_calendar_entries_insert AFTER INSERT ON calendar_entries BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('calendar_entry', NEW.id, COALESCE(NEW.scope_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_calendar_entries_delete AFTER DELETE ON calendar_entries BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('calendar_entry', OLD.id, COALESCE(OLD.scope_id, ''), 1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;

CREATE TRIGGER sync_calendar_entries_update AFTER UPDATE ON calendar_entries BEGIN
    INSERT OR REPLACE INTO sync_log (kind, entity_id, scope_id, deleted, seq)
    VALUES ('calendar_entry', NEW.id, COALESCE(NEW.scope_id, ''), 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_log));
END;
