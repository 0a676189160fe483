DROP TRIGGER sync_calendar_entries_insert;
DROP TRIGGER sync_calendar_entries_update;
DROP TRIGGER sync_calendar_entries_delete;
DELETE FROM sync_log WHERE kind = 'calendar_entry';
DROP TABLE calendar_entries;
