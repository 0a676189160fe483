DROP TABLE quota_rules;
DROP TABLE observation_corrections;
DROP TABLE observations;
DROP TABLE rubrics;
