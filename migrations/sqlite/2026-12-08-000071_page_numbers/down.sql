-- Back to page ids and the earlier keys: the index is left empty (its marks are of the later
-- keys); the earlier version's `tingke rebuild-prints` does not mark kept prints again.
CREATE TABLE page_prints_named (
    page_id TEXT PRIMARY KEY NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    district_id TEXT NOT NULL,
    print BLOB NOT NULL
);
INSERT INTO page_prints_named (page_id, district_id, print)
    SELECT page_id, district_id, print FROM page_prints;
DROP TABLE page_prints;
ALTER TABLE page_prints_named RENAME TO page_prints;

DROP TABLE page_marks;
CREATE TABLE page_marks (
    mark BIGINT NOT NULL,
    page_id TEXT NOT NULL,
    PRIMARY KEY (mark, page_id)
) WITHOUT ROWID;

DROP TABLE mark_counts;
CREATE TABLE mark_counts (
    mark BIGINT PRIMARY KEY NOT NULL,
    pages INTEGER NOT NULL
);
