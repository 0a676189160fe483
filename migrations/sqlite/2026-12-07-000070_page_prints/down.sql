DROP TABLE page_matches;
DROP TABLE mark_counts;
DROP TABLE page_marks;
DROP TABLE page_prints;
