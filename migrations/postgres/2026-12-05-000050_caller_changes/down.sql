DROP TRIGGER school_groups_caller_changed ON school_groups;
DROP TRIGGER group_members_caller_changed ON group_members;
DROP TRIGGER memberships_caller_changed ON memberships;
DROP TRIGGER users_caller_changed ON users;
DROP TRIGGER sessions_caller_changed ON sessions;
DROP FUNCTION tingke_caller_changed();
