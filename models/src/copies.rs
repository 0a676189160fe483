//! The district's index of page prints (issue 24): where the pages that may be the same as a
//! new one are found without comparing it with every page, and the matches found.
//!
//! A page's keys (`tingke_photo::likeness::Print::keys`, [`KEY_LEN`]-bit numbers) are kept as *marks*:
//! the key joined with a hash of the district, so one table serves every district and a lookup
//! only meets its own. A lookup counts the new page's marks, reads the pages of the rarest of
//! them (held by at most [`COMMON_MARK`] pages, [`ROWS_READ`] index rows at most), and answers
//! the pages holding the most of them (BENCHMARKS.md, figure 14).

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::schema::{documents, mark_counts, page_marks, page_matches, page_prints, pages};
use crate::DbConn;

/// Pages at most that may hold a mark for it to be looked up: a mark held by more tells little
/// (a district's printed form, the commonest strokes).
pub const COMMON_MARK: i32 = 64;
/// Index rows one lookup reads at most: the rarest of the page's marks are read first (they
/// tell the most), until their pages add up to this. It bounds a lookup's time however the
/// district's marks are spread (BENCHMARKS.md, figure 14).
pub const ROWS_READ: i64 = 8_000;
/// Marks a page must share with the new one to be a candidate.
pub const MIN_SHARED: i64 = 2;
/// Candidates compared at most, the most shared marks first.
pub const CANDIDATES: i64 = 24;

/// Bits of a key (`tingke_photo::likeness::KEY_LEN`, which a test holds equal): the rest of a
/// mark's 64 bits are the district's.
pub const KEY_LEN: u32 = 28;

/// The marks of a page's keys in its district.
pub fn marks(district_id: &str, keys: &[u32]) -> Vec<i64> {
    let digest = Sha256::digest(district_id.as_bytes());
    let district = u64::from_le_bytes(digest[..8].try_into().expect("8 bytes")) >> KEY_LEN;
    let key_mask = (1u64 << KEY_LEN) - 1;
    keys.iter()
        .map(|&k| ((district << KEY_LEN) | (u64::from(k) & key_mask)) as i64)
        .collect()
}

/// The pages (by their number in the index) that share the most looked-up marks with `marks`
/// (at least [`MIN_SHARED`]), with how many, the most first.
pub fn candidates(conn: &mut DbConn, marks: &[i64]) -> QueryResult<Vec<(i32, i64)>> {
    candidates_within(conn, marks, (COMMON_MARK, ROWS_READ))
}

/// [`candidates`] with marks held by at most `common` pages looked up, the rarest first until
/// `rows` index rows (the benchmark tries several).
pub fn candidates_within(
    conn: &mut DbConn,
    marks: &[i64],
    (common, rows): (i32, i64),
) -> QueryResult<Vec<(i32, i64)>> {
    let mut counted: Vec<(i64, i32)> = Vec::new();
    for chunk in marks.chunks(5000) {
        counted.extend(
            mark_counts::table
                .filter(mark_counts::mark.eq_any(chunk))
                .filter(mark_counts::pages.gt(0))
                .filter(mark_counts::pages.le(common))
                .select((mark_counts::mark, mark_counts::pages))
                .load::<(i64, i32)>(conn)?,
        );
    }
    counted.sort_by_key(|&(mark, pages)| (pages, mark));
    let mut budget = rows;
    let telling: Vec<i64> = counted
        .into_iter()
        .take_while(|&(_, pages)| {
            budget -= i64::from(pages);
            budget >= 0
        })
        .map(|(mark, _)| mark)
        .collect();
    if telling.is_empty() {
        return Ok(Vec::new());
    }
    page_marks::table
        .filter(page_marks::mark.eq_any(telling))
        .group_by(page_marks::page_no)
        .having(count_star().ge(MIN_SHARED))
        .select((page_marks::page_no, count_star()))
        .order((count_star().desc(), page_marks::page_no.asc()))
        .limit(CANDIDATES)
        .load(conn)
}

/// The stored prints of the pages numbered `page_nos`, as `(page id, bytes)`.
pub fn prints_of(conn: &mut DbConn, page_nos: &[i32]) -> QueryResult<Vec<(String, Vec<u8>)>> {
    page_prints::table
        .filter(page_prints::page_no.eq_any(page_nos))
        .select((page_prints::page_id, page_prints::print))
        .load(conn)
}

/// A page's print as the index keeps it.
pub struct Kept<'a> {
    pub print: &'a [u8],
    /// The marks of the print's keys.
    pub marks: &'a [i64],
    /// The version of the keys the marks were made with.
    pub keys_version: i32,
}

/// Keeps a page's print and its marks in the index (in the caller's transaction).
pub fn keep(conn: &mut DbConn, page_id: &str, district_id: &str, kept: &Kept) -> QueryResult<()> {
    diesel::insert_into(page_prints::table)
        .values((
            page_prints::page_id.eq(page_id),
            page_prints::district_id.eq(district_id),
            page_prints::print.eq(kept.print),
            page_prints::keys_version.eq(kept.keys_version),
        ))
        .execute(conn)?;
    let page_no = number_of(conn, page_id)?.ok_or(diesel::result::Error::NotFound)?;
    add_marks(conn, page_no, kept.marks)
}

/// Kept prints whose marks were made with keys older than `keys_version`, at most `limit`:
/// `(page number, district id, print)`.
pub fn prints_marked_before(
    conn: &mut DbConn,
    keys_version: i32,
    limit: i64,
) -> QueryResult<Vec<(i32, String, Vec<u8>)>> {
    page_prints::table
        .filter(page_prints::keys_version.lt(keys_version))
        .order(page_prints::page_no.asc())
        .limit(limit)
        .select((
            page_prints::page_no,
            page_prints::district_id,
            page_prints::print,
        ))
        .load(conn)
}

/// Marks the kept print numbered `page_no` again with `marks`, the keys of `keys_version`
/// (the marks of older keys are gone already: the migration that brought new keys drops them).
pub fn mark_again(
    conn: &mut DbConn,
    page_no: i32,
    marks: &[i64],
    keys_version: i32,
) -> QueryResult<()> {
    add_marks(conn, page_no, marks)?;
    diesel::update(page_prints::table.filter(page_prints::page_no.eq(page_no)))
        .set(page_prints::keys_version.eq(keys_version))
        .execute(conn)
        .map(|_| ())
}

/// Adds the page's marks to the index and to their counts. Written into the statement (one
/// statement for a page's marks, on both backends): they are all numbers.
fn add_marks(conn: &mut DbConn, page_no: i32, marks: &[i64]) -> QueryResult<()> {
    for chunk in marks.chunks(500) {
        let values: Vec<String> = chunk.iter().map(|m| format!("({m}, {page_no})")).collect();
        diesel::sql_query(format!(
            "INSERT INTO page_marks (mark, page_no) VALUES {}",
            values.join(", ")
        ))
        .execute(conn)?;
        count(conn, chunk, 1)?;
    }
    Ok(())
}

/// The page's number in the index, if it has a print.
fn number_of(conn: &mut DbConn, page_id: &str) -> QueryResult<Option<i32>> {
    page_prints::table
        .filter(page_prints::page_id.eq(page_id))
        .select(page_prints::page_no)
        .first(conn)
        .optional()
}

/// Adds `delta` (1 or -1) to the count of each of `marks`, and drops the counts that reach
/// none. The marks are numbers the server made, written into the statement: one statement for
/// a page's marks.
fn count(conn: &mut DbConn, marks: &[i64], delta: i32) -> QueryResult<()> {
    if marks.is_empty() {
        return Ok(());
    }
    let start = delta.max(0);
    let values: Vec<String> = marks.iter().map(|m| format!("({m}, {start})")).collect();
    let sql = format!(
        "INSERT INTO mark_counts (mark, pages) VALUES {} \
         ON CONFLICT (mark) DO UPDATE SET pages = mark_counts.pages + ({delta})",
        values.join(", ")
    );
    diesel::sql_query(sql).execute(conn)?;
    if delta < 0 {
        diesel::delete(
            mark_counts::table
                .filter(mark_counts::mark.eq_any(marks))
                .filter(mark_counts::pages.le(0)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// A page's print as kept: its number in the index, district, print and the version of the
/// keys its marks were made with.
#[derive(Debug, Clone, Queryable)]
pub struct KeptPrint {
    pub page_no: i32,
    pub district_id: String,
    pub print: Vec<u8>,
    pub keys_version: i32,
}

/// The page's kept print, if it has one.
pub fn print_of(conn: &mut DbConn, page_id: &str) -> QueryResult<Option<KeptPrint>> {
    page_prints::table
        .filter(page_prints::page_id.eq(page_id))
        .select((
            page_prints::page_no,
            page_prints::district_id,
            page_prints::print,
            page_prints::keys_version,
        ))
        .first(conn)
        .optional()
}

/// Takes the page numbered `page_no` out of the index: its `marks` (those of its print, which
/// the caller reads: the index has no way from a page to its marks but the print) and their
/// counts. Its print and matches go with the page, by the foreign keys.
pub fn forget(conn: &mut DbConn, page_no: i32, marks: &[i64]) -> QueryResult<()> {
    for chunk in marks.chunks(500) {
        diesel::delete(
            page_marks::table
                .filter(page_marks::mark.eq_any(chunk))
                .filter(page_marks::page_no.eq(page_no)),
        )
        .execute(conn)?;
        count(conn, chunk, -1)?;
    }
    Ok(())
}

/// Records that `page_id` is the same page as each of `found` (page id, keypoints placed), in
/// both directions.
pub fn record_matches(
    conn: &mut DbConn,
    page_id: &str,
    district_id: &str,
    found: &[(String, i32)],
) -> QueryResult<()> {
    let now = crate::now();
    // A page deleted since it was found is not recorded.
    let ids: Vec<&String> = found.iter().map(|(id, _)| id).collect();
    let live: Vec<String> = pages::table
        .filter(pages::id.eq_any(ids))
        .select(pages::id)
        .load(conn)?;
    for (other, inliers) in found.iter().filter(|(id, _)| live.contains(id)) {
        for (a, b) in [(page_id, other.as_str()), (other.as_str(), page_id)] {
            diesel::insert_into(page_matches::table)
                .values((
                    page_matches::page_id.eq(a),
                    page_matches::other_page_id.eq(b),
                    page_matches::district_id.eq(district_id),
                    page_matches::inliers.eq(inliers),
                    page_matches::found_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// A page found to be the same as one of ours, with what decides who may see it.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct Match {
    /// Our page.
    pub page_id: String,
    pub other_page_id: String,
    pub other_document_id: String,
    pub other_teacher_id: String,
    pub other_school_id: String,
    pub other_status: String,
    pub inliers: i32,
    pub found_at: NaiveDateTime,
}

/// The matches of `page_ids` with pages of documents not deleted.
pub fn matches_of(conn: &mut DbConn, page_ids: &[String]) -> QueryResult<Vec<Match>> {
    page_matches::table
        .inner_join(pages::table.on(pages::id.eq(page_matches::other_page_id)))
        .inner_join(documents::table.on(documents::id.eq(pages::document_id)))
        .filter(page_matches::page_id.eq_any(page_ids))
        .filter(documents::deleted_at.is_null())
        .order((
            page_matches::inliers.desc(),
            page_matches::other_page_id.asc(),
        ))
        .select((
            page_matches::page_id,
            page_matches::other_page_id,
            pages::document_id,
            pages::teacher_id,
            pages::school_id,
            documents::status,
            page_matches::inliers,
            page_matches::found_at,
        ))
        .load(conn)
}

/// One side of a match in a report: the page, its document and teacher, its school.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct Side {
    pub page_id: String,
    pub document_id: String,
    pub teacher_id: String,
    pub school_id: String,
    pub thumb_key: String,
}

/// Two pages found to be the same page, and how many keypoints one transformation placed.
pub type Pair = (Side, Side, i32);

/// Every match of the district found between `from` and `to` (inclusive), each pair once, both
/// documents submitted or further (no drafts) and not deleted.
pub fn matches_in(
    conn: &mut DbConn,
    district_id: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<Pair>> {
    let rows: Vec<(String, String, i32)> = page_matches::table
        .filter(page_matches::district_id.eq(district_id))
        .filter(page_matches::found_at.ge(from))
        .filter(page_matches::found_at.le(to))
        // Each pair is kept both ways: one way is enough here.
        .filter(page_matches::page_id.lt(page_matches::other_page_id))
        .select((
            page_matches::page_id,
            page_matches::other_page_id,
            page_matches::inliers,
        ))
        .load(conn)?;
    let mut ids: Vec<String> = rows
        .iter()
        .flat_map(|(a, b, _)| [a.clone(), b.clone()])
        .collect();
    ids.sort();
    ids.dedup();
    let mut sides = std::collections::HashMap::new();
    for chunk in ids.chunks(5000) {
        let found: Vec<Side> = pages::table
            .inner_join(documents::table)
            .filter(pages::id.eq_any(chunk))
            .filter(documents::deleted_at.is_null())
            .filter(documents::status.ne(crate::documents::status::DRAFT))
            .select((
                pages::id,
                pages::document_id,
                pages::teacher_id,
                pages::school_id,
                pages::thumb_key,
            ))
            .load(conn)?;
        sides.extend(found.into_iter().map(|s| (s.page_id.clone(), s)));
    }
    Ok(rows
        .into_iter()
        .filter_map(|(a, b, n)| Some((sides.get(&a)?.clone(), sides.get(&b)?.clone(), n)))
        .collect())
}

/// Pages that have no print yet (uploaded before the index), at most `limit`, oldest first:
/// `(page id, district id, page key)`.
pub fn pages_without_print(
    conn: &mut DbConn,
    limit: i64,
) -> QueryResult<Vec<(String, String, String)>> {
    pages::table
        .left_join(page_prints::table)
        .inner_join(
            crate::schema::schools::table.on(crate::schema::schools::id.eq(pages::school_id)),
        )
        .filter(page_prints::page_id.is_null())
        .order((pages::created_at.asc(), pages::id.asc()))
        .limit(limit)
        .select((
            pages::id,
            crate::schema::schools::district_id,
            pages::page_key,
        ))
        .load(conn)
}
