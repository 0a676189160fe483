-- Back to page ids and the earlier keys: the index is left empty (its marks are of the later
-- keys); the earlier version's `tingke rebuild-prints` does not mark kept prints again.
DROP TABLE mark_counts;
CREATE TABLE mark_counts (
    mark BIGINT PRIMARY KEY NOT NULL,
    pages INTEGER NOT NULL
);

DROP TABLE page_marks;
CREATE TABLE page_marks (
    mark BIGINT NOT NULL,
    page_id TEXT NOT NULL,
    PRIMARY KEY (mark, page_id)
);

ALTER TABLE page_prints DROP COLUMN keys_version;
ALTER TABLE page_prints DROP COLUMN page_no;
