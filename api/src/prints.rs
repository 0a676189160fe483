//! The district's index of page prints (issue 24), as uploads and the rebuild use it: find the
//! pages of the district a new page is the same as (a read), then keep its print, its marks
//! and the matches (in the page's write).

use diesel::Connection;
use tingke_models::copies;
use tingke_models::DbConn;
use tingke_photo::likeness::{same_page, Print};

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
    let ids: Vec<String> = copies::candidates(conn, &wanted)?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    Ok(Candidates {
        marks,
        prints: copies::prints_of(conn, &ids)?,
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
    copies::keep(conn, page_id, district, &f.print, &f.marks)?;
    copies::record_matches(conn, page_id, district, &f.same)
}

/// What a rebuild did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rebuilt {
    pub pages: usize,
    pub matches: usize,
    /// Pages whose photo is missing from the store or is not a picture.
    pub unreadable: Vec<String>,
}

/// Takes the print of every page that has none (uploaded before the index existed, or by a
/// version that did not keep one), from its stored photo, oldest first, and finds its matches
/// among the pages already in the index. Safe to run again: pages with a print are skipped.
pub async fn rebuild(
    db: &tingke_models::Db,
    store: &dyn crate::storage::BlobStore,
    limits: &tingke_photo::Limits,
) -> Result<Rebuilt, Box<dyn std::error::Error>> {
    let mut done = Rebuilt::default();
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
