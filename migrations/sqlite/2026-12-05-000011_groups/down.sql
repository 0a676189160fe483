DROP TABLE group_members;
DROP TABLE school_groups;
