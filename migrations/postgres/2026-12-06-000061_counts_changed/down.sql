DROP TRIGGER quota_rules_counts_changed ON quota_rules;
DROP TRIGGER sync_log_counts_changed ON sync_log;
DROP FUNCTION tingke_counts_changed();
