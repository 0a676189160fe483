DROP TABLE calendar_entries;
DELETE FROM sync_log WHERE kind = 'calendar_entry';
