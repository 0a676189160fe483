-- The index keeps a page by a number, not by its 36-character id, and its keys are longer
-- (issue 24, BENCHMARKS.md figure 14): a row of page_marks is 16 bytes of numbers instead of
-- 45, and a lookup reads a third of the pages it read before.
--
-- The marks made with the earlier keys (keys_version 1) are dropped: `tingke rebuild-prints`
-- marks every kept print again with the keys of this version, from the print alone.
CREATE TABLE page_prints_numbered (
    -- AUTOINCREMENT: a number is never given again, so a mark left behind can never point at
    -- a page uploaded later.
    page_no INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    page_id TEXT NOT NULL UNIQUE REFERENCES pages (id) ON DELETE CASCADE,
    district_id TEXT NOT NULL,
    print BLOB NOT NULL,
    -- The version of the keys the page's marks were made with (tingke_photo::likeness::KEYS_VERSION).
    keys_version INTEGER NOT NULL
);
INSERT INTO page_prints_numbered (page_id, district_id, print, keys_version)
    SELECT page_id, district_id, print, 1 FROM page_prints ORDER BY rowid;
DROP TABLE page_prints;
ALTER TABLE page_prints_numbered RENAME TO page_prints;

DROP TABLE page_marks;
CREATE TABLE page_marks (
    mark BIGINT NOT NULL,
    page_no INTEGER NOT NULL,
    PRIMARY KEY (mark, page_no)
) WITHOUT ROWID;

-- A mark's count is read with the mark: one B-tree, not an index and then the table.
DROP TABLE mark_counts;
CREATE TABLE mark_counts (
    mark BIGINT PRIMARY KEY NOT NULL,
    pages INTEGER NOT NULL
) WITHOUT ROWID;
