DROP TABLE mentorship_evaluations;
DROP TABLE mentorship_activities;
DROP TABLE mentorship_terms;
DROP TABLE mentorships;
