-- Copied plans (issue 24): the same handwritten page found however it was photographed again,
-- in any school of the district, through an index kept here (no second service).
--
-- A page's print: its keypoints (tingke_photo::likeness::Print::to_bytes, about 24 KB), to
-- compare a candidate with the page just uploaded.
CREATE TABLE page_prints (
    page_id TEXT PRIMARY KEY NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    district_id TEXT NOT NULL,
    print BYTEA NOT NULL
);

-- The index: one row per key of a page's print, the key joined with its district's (see
-- models/src/copies.rs), so that a lookup only ever meets pages of the same district.
CREATE TABLE page_marks (
    mark BIGINT NOT NULL,
    page_id TEXT NOT NULL,
    PRIMARY KEY (mark, page_id)
);

-- How many pages hold each mark: marks that very many pages hold (a district's printed form,
-- the commonest strokes) are not looked up, which keeps a lookup short however big the
-- district grows.
CREATE TABLE mark_counts (
    mark BIGINT PRIMARY KEY NOT NULL,
    pages INTEGER NOT NULL
);

-- Pages found to be the same page, each pair in both directions; inliers is how many
-- keypoints one transformation placed (the strength of the match).
CREATE TABLE page_matches (
    page_id TEXT NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    other_page_id TEXT NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    district_id TEXT NOT NULL,
    inliers INTEGER NOT NULL,
    found_at TIMESTAMP NOT NULL,
    PRIMARY KEY (page_id, other_page_id)
);
CREATE INDEX page_matches_district_found ON page_matches (district_id, found_at);
