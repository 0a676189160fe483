DROP TABLE group_meetings;
