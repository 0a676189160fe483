//! The district's index of page prints (issue 24), as uploads and the rebuild use it: find the
//! pages of the district a new page is the same as (a read), then keep its print, its marks
//! and the matches (in the page's write).

use diesel::Connection;
use tingke_models::copies;
use tingke_models::DbConn;
use tingke_photo::likeness::{same_page, Print, KEYS_VERSION, KEY_LEN};

// A mark holds a key in its low bits: the index and the keys agree on how many.
const _: () = assert!(KEY_LEN == copies::KEY_LEN);

/// What a page brings to the index: its print, its marks and the pages it is the same as.
pub struct Found {
    print: Vec<u8>,
    marks: Vec<i64>,
    same: Vec<(String, i32)>,
}

/// The index's candidates for a page, read, not compared yet.
pub struct Candidates {
    marks: Vec<i64>,
    prints: Vec<(String, Vec<u8>)>,
}

/// The candidates of `district` for a page (looked up with the keys of both its prints,
/// `half_step` being the same page a half step larger) and their stored prints: the database's
/// part, kept short.
pub fn look_up(
    conn: &mut DbConn,
    district: &str,
    (print, half_step): (&Print, &Print),
) -> diesel::QueryResult<Candidates> {
    let marks = copies::marks(district, &print.keys());
    let mut wanted = copies::marks(district, &half_step.keys());
    wanted.extend(&marks);
    wanted.sort_unstable();
    wanted.dedup();
    let numbers: Vec<i32> = copies::candidates(conn, &wanted)?
        .into_iter()
        .map(|(no, _)| no)
        .collect();
    Ok(Candidates {
        marks,
        prints: copies::prints_of(conn, &numbers)?,
    })
}

impl Candidates {
    /// The candidates that are the same page as `print` (the CPU's part: about a millisecond
    /// each, off the database's connection).
    pub fn compare(self, print: &Print) -> Found {
        let same = self
            .prints
            .into_iter()
            .filter_map(|(id, bytes)| {
                let other = Print::from_bytes(&bytes)?;
                let placed = same_page(print, &other)?.inliers.len();
                Some((id, placed as i32))
            })
            .collect();
        Found {
            print: print.to_bytes(),
            marks: self.marks,
            same,
        }
    }
}

/// [`look_up`] then [`Candidates::compare`], for one-off callers (the demo, the rebuild).
pub fn find(
    conn: &mut DbConn,
    district: &str,
    prints: (&Print, &Print),
) -> diesel::QueryResult<Found> {
    Ok(look_up(conn, district, prints)?.compare(prints.0))
}

/// Keeps the page's print and marks, and the matches [`find`] found (in the page's write).
pub fn keep(
    conn: &mut DbConn,
    page_id: &str,
    district: &str,
    f: &Found,
) -> diesel::QueryResult<()> {
    let kept = copies::Kept {
        print: &f.print,
        marks: &f.marks,
        keys_version: KEYS_VERSION,
    };
    copies::keep(conn, page_id, district, &kept)?;
    copies::record_matches(conn, page_id, district, &f.same)
}

/// Deletes a page and takes it out of the index: its marks are read off its stored print (in
/// the caller's transaction).
pub fn delete_page(conn: &mut DbConn, page_id: &str) -> diesel::QueryResult<()> {
    let kept = copies::print_of(conn, page_id)?;
    // A print marked with older keys has no marks in the index (they went with its migration).
    if let Some(kept) = kept.filter(|k| k.keys_version == KEYS_VERSION) {
        // A print this version cannot read leaves its marks: they point at a number no page
        // has any more, and a lookup that meets them finds no print to compare.
        let marks = marks_of(&kept.district_id, &kept.print);
        copies::forget(conn, kept.page_no, &marks)?;
    }
    tingke_models::documents::delete_page(conn, page_id)
}

/// The marks of a kept print in its district (none for a print this version cannot read).
fn marks_of(district: &str, print: &[u8]) -> Vec<i64> {
    Print::from_bytes(print)
        .map(|p| copies::marks(district, &p.keys()))
        .unwrap_or_default()
}

/// What a rebuild did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rebuilt {
    pub pages: usize,
    /// Kept prints marked again with the keys of this version.
    pub marked: usize,
    pub matches: usize,
    /// Pages whose photo is missing from the store or is not a picture.
    pub unreadable: Vec<String>,
}

/// Marks every kept print whose marks were made with older keys again, with the keys of this
/// version (from the print alone: no photo is read), then takes the print of every page that
/// has none (uploaded before the index existed), from its stored photo, oldest first, and finds
/// its matches among the pages already in the index. Safe to run again: what is done is skipped.
pub async fn rebuild(
    db: &tingke_models::Db,
    store: &dyn crate::storage::BlobStore,
    limits: &tingke_photo::Limits,
) -> Result<Rebuilt, Box<dyn std::error::Error>> {
    let mut done = Rebuilt {
        marked: mark_again(db)?,
        ..Rebuilt::default()
    };
    loop {
        let batch = {
            let mut conn = db.write_conn()?;
            copies::pages_without_print(&mut conn, 100)?
        };
        let batch: Vec<_> = batch
            .into_iter()
            .filter(|(id, ..)| !done.unreadable.contains(id))
            .collect();
        if batch.is_empty() {
            return Ok(done);
        }
        for (page_id, district, key) in batch {
            let photo = store.get(&key).await?;
            // The stored page goes through the upload's own pipeline: the same print as had it
            // been uploaded today.
            let processed = photo.and_then(|bytes| tingke_photo::process(&bytes, limits).ok());
            let Some(p) = processed else {
                done.unreadable.push(page_id);
                continue;
            };
            let mut conn = db.write_conn()?;
            let found = find(&mut conn, &district, (&p.print, &p.half_step))?;
            conn.transaction(|conn| keep(conn, &page_id, &district, &found))?;
            done.pages += 1;
            done.matches += found.same.len();
        }
    }
}

/// Marks the prints kept with older keys again, a hundred in a transaction; answers how many.
/// (The matches they were found in stay: they were found by comparing prints, not keys.)
fn mark_again(db: &tingke_models::Db) -> Result<usize, Box<dyn std::error::Error>> {
    let mut marked = 0;
    loop {
        let mut conn = db.write_conn()?;
        let n = conn.transaction(|conn| {
            let batch = copies::prints_marked_before(conn, KEYS_VERSION, 100)?;
            for (page_no, district, print) in &batch {
                let marks = marks_of(district, print);
                copies::mark_again(conn, *page_no, &marks, KEYS_VERSION)?;
            }
            Ok::<_, diesel::result::Error>(batch.len())
        })?;
        if n == 0 {
            return Ok(marked);
        }
        marked += n;
    }
}
