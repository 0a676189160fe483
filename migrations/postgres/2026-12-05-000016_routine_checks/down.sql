DROP TABLE follow_ups;
DROP TABLE inspections;
DROP TABLE notices;
DROP TABLE check_results;
DROP TABLE check_rounds;
ALTER TABLE rubrics DROP COLUMN pass_line;
