//! Lesson plans (教案) and guided-learning sheets (导学案) as photographed pages, and reviews.

use crate::page::{Page, PageRequest};
use crate::schema::{documents, pages, reviews};
use crate::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const LESSON_PLAN: &str = "lesson_plan";
pub const GUIDED_LEARNING_SHEET: &str = "guided_learning_sheet";
/// Photos of what a group's research activity or preparation produced (活动记录): kept, not
/// reviewed.
pub const ACTIVITY_RECORD: &str = "activity_record";
/// Photos of a sample of a teacher's marked homework (作业批改), seen in the monthly check:
/// kept, not reviewed.
pub const HOMEWORK: &str = "homework";
/// Photos that answer a rectification notice (整改材料): kept, not reviewed.
pub const EVIDENCE: &str = "rectification_evidence";
pub const KINDS: [&str; 5] = [
    LESSON_PLAN,
    GUIDED_LEARNING_SHEET,
    ACTIVITY_RECORD,
    HOMEWORK,
    EVIDENCE,
];

/// Kinds that are handed in and kept, never reviewed.
pub fn is_kept_only(kind: &str) -> bool {
    [ACTIVITY_RECORD, HOMEWORK, EVIDENCE].contains(&kind)
}

/// Where a document stands. Lesson plans: draft → submitted → approved, or needs_revision and
/// back to submitted. Guided-learning sheets (POLICY.md): submitted → grade_approved (the
/// grade-group leader) → in_use (signed off by a school leader).
pub mod status {
    pub const DRAFT: &str = "draft";
    pub const SUBMITTED: &str = "submitted";
    pub const NEEDS_REVISION: &str = "needs_revision";
    pub const APPROVED: &str = "approved";
    pub const GRADE_APPROVED: &str = "grade_approved";
    pub const IN_USE: &str = "in_use";
}

pub const APPROVED: &str = "approved";
pub const NEEDS_REVISION: &str = "needs_revision";

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = documents, treat_none_as_null = true)]
pub struct Document {
    pub id: String,
    pub school_id: String,
    pub district_id: String,
    pub teacher_id: String,
    pub kind: String,
    pub subject: String,
    pub grade: String,
    pub topic: String,
    pub lesson_date: String,
    pub status: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub approved_by: Option<String>,
    pub signed_off_by: Option<String>,
    pub request_hash: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    /// The lesson-preparation group that owns a guided-learning sheet, if one does: its members
    /// read it and add pages as its teacher does.
    pub group_id: Option<String>,
}

impl Document {
    /// Pages may be added, moved and removed while the teacher holds the document.
    pub fn is_editable(&self) -> bool {
        self.status == status::DRAFT || self.status == status::NEEDS_REVISION
    }
}

pub fn find_any(conn: &mut DbConn, id: &str) -> QueryResult<Option<Document>> {
    documents::table
        .filter(documents::id.eq(id))
        .select(Document::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Document>> {
    Ok(find_any(conn, id)?.filter(|d| d.deleted_at.is_none()))
}

pub fn insert(conn: &mut DbConn, d: &Document) -> QueryResult<()> {
    diesel::insert_into(documents::table)
        .values(d)
        .execute(conn)
        .map(|_| ())
}

/// Writes `d` when the stored version is still `expected`; false when someone wrote first.
pub fn update_if_version(conn: &mut DbConn, d: &Document, expected: i32) -> QueryResult<bool> {
    let n = diesel::update(
        documents::table
            .filter(documents::id.eq(&d.id))
            .filter(documents::version.eq(expected)),
    )
    .set(d)
    .execute(conn)?;
    Ok(n == 1)
}

pub use crate::Visibility;

type Condition<'a> = crate::Condition<'a, documents::table>;

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub school_id: Option<String>,
    pub teacher_id: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
}

pub fn list(
    conn: &mut DbConn,
    visibility: &Visibility,
    filter: &Filter,
    page: &PageRequest,
) -> QueryResult<Page<Document>> {
    let mut query = documents::table
        .filter(documents::deleted_at.is_null())
        .into_boxed();
    let me = visibility.user_id.clone();
    let shared = documents::status.ne(status::DRAFT);
    query = if visibility.admin {
        query.filter(documents::teacher_id.eq(me).or(shared))
    } else {
        let mut read: Condition<'_> = Box::new(
            documents::school_id
                .eq_any(visibility.school_ids.clone())
                .or(documents::district_id.eq_any(visibility.district_ids.clone())),
        );
        // A grade-group leader reads the documents of the people of their groups.
        for g in &visibility.groups {
            read = Box::new(
                read.or(documents::school_id
                    .eq(g.school_id.clone())
                    .and(documents::teacher_id.eq_any(g.people.clone()))),
            );
        }
        let group_sheet = documents::group_id.eq_any(visibility.member_of.clone());
        query.filter(
            documents::teacher_id
                .eq(me)
                .or(group_sheet)
                .or(shared.and(read)),
        )
    };
    if let Some(v) = &filter.school_id {
        query = query.filter(documents::school_id.eq(v.clone()));
    }
    if let Some(v) = &filter.teacher_id {
        query = query.filter(documents::teacher_id.eq(v.clone()));
    }
    if let Some(v) = &filter.kind {
        query = query.filter(documents::kind.eq(v.clone()));
    }
    if let Some(v) = &filter.status {
        query = query.filter(documents::status.eq(v.clone()));
    }
    if let Some(after) = &page.after {
        query = query.filter(documents::id.gt(after.clone()));
    }
    let rows = query
        .order(documents::id.asc())
        .limit(page.fetch_limit())
        .select(Document::as_select())
        .load(conn)?;
    Ok(Page::from_rows(rows, page, |d| &d.id))
}

/// A teacher's documents with a lesson day in `from..=to`, for their archive.
pub fn of_teacher_between(
    conn: &mut DbConn,
    teacher_id: &str,
    from: &str,
    to: &str,
) -> QueryResult<Vec<Document>> {
    documents::table
        .filter(documents::teacher_id.eq(teacher_id))
        .filter(documents::deleted_at.is_null())
        .filter(documents::lesson_date.ge(from))
        .filter(documents::lesson_date.le(to))
        .order((documents::lesson_date.asc(), documents::id.asc()))
        .select(Document::as_select())
        .load(conn)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = pages)]
pub struct PageRow {
    pub id: String,
    pub document_id: String,
    pub school_id: String,
    pub teacher_id: String,
    pub position: i32,
    pub width: i32,
    pub height: i32,
    pub bytes: i64,
    pub sha256: String,
    /// The 64-bit perceptual hash, stored as its signed twin.
    pub phash: i64,
    pub page_key: String,
    pub thumb_key: String,
    pub created_at: NaiveDateTime,
}

/// Makes other writers of this document wait until the transaction ends (PostgreSQL; SQLite
/// has one writer at a time already).
pub fn lock(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT id FROM documents WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::Text, _>(id)
            .execute(pg)?;
    }
    Ok(())
}

pub fn pages_of(conn: &mut DbConn, document_id: &str) -> QueryResult<Vec<PageRow>> {
    pages::table
        .filter(pages::document_id.eq(document_id))
        .order((pages::position.asc(), pages::id.asc()))
        .select(PageRow::as_select())
        .load(conn)
}

/// The pages of several documents, each document's in order: one query for a whole list.
pub fn pages_of_documents(conn: &mut DbConn, document_ids: &[String]) -> QueryResult<Vec<PageRow>> {
    pages::table
        .filter(pages::document_id.eq_any(document_ids))
        .order((
            pages::document_id.asc(),
            pages::position.asc(),
            pages::id.asc(),
        ))
        .select(PageRow::as_select())
        .load(conn)
}

pub fn insert_page(conn: &mut DbConn, p: &PageRow) -> QueryResult<()> {
    diesel::insert_into(pages::table)
        .values(p)
        .execute(conn)
        .map(|_| ())
}

/// Deletes a page (`crate::copies::forget` takes it out of the index of prints first: the api's
/// `prints::delete_page` does both).
pub fn delete_page(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::delete(pages::table.filter(pages::id.eq(id)))
        .execute(conn)
        .map(|_| ())
}

pub fn set_position(conn: &mut DbConn, id: &str, position: i32) -> QueryResult<()> {
    diesel::update(pages::table.filter(pages::id.eq(id)))
        .set(pages::position.eq(position))
        .execute(conn)
        .map(|_| ())
}

/// `(page id, document id, teacher id, sha256, phash)` of one page.
/// A page's id, its document's id, teacher and status, the file's SHA-256 and the picture's hash.
pub type Fingerprint = (String, String, String, String, String, i64);

/// The fingerprints of every page of a school, to find the same page uploaded again.
pub fn fingerprints(conn: &mut DbConn, school_id: &str) -> QueryResult<Vec<Fingerprint>> {
    pages::table
        .inner_join(documents::table)
        .filter(pages::school_id.eq(school_id))
        .filter(documents::deleted_at.is_null())
        .select((
            pages::id,
            pages::document_id,
            pages::teacher_id,
            documents::status,
            pages::sha256,
            pages::phash,
        ))
        .load(conn)
}

/// Every blob key a page record points at, for the cleanup of orphaned blobs.
pub fn all_blob_keys(conn: &mut DbConn) -> QueryResult<Vec<(String, String)>> {
    pages::table
        .select((pages::page_key, pages::thumb_key))
        .load(conn)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = reviews)]
pub struct Review {
    pub id: String,
    pub document_id: String,
    pub reviewer_id: String,
    pub verdict: String,
    pub comments: String,
    pub guidance: String,
    pub rectify_by: Option<String>,
    pub resolved_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub fn insert_review(conn: &mut DbConn, r: &Review) -> QueryResult<()> {
    diesel::insert_into(reviews::table)
        .values(r)
        .execute(conn)
        .map(|_| ())
}

/// The reviews of several documents, oldest first: one query for a whole list.
pub fn reviews_of_documents(
    conn: &mut DbConn,
    document_ids: &[String],
) -> QueryResult<Vec<Review>> {
    reviews::table
        .filter(reviews::document_id.eq_any(document_ids))
        .order(reviews::id.asc())
        .select(Review::as_select())
        .load(conn)
}

/// A resubmission settles the open requests for revision.
pub fn resolve_reviews(conn: &mut DbConn, document_id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        reviews::table
            .filter(reviews::document_id.eq(document_id))
            .filter(reviews::verdict.eq(NEEDS_REVISION))
            .filter(reviews::resolved_at.is_null()),
    )
    .set(reviews::resolved_at.eq(Some(at)))
    .execute(conn)
    .map(|_| ())
}

/// Open requests for revision of a school whose deadline has passed before `today`.
pub fn overdue(
    conn: &mut DbConn,
    school_id: &str,
    today: &str,
) -> QueryResult<Vec<(Review, Document)>> {
    reviews::table
        .inner_join(documents::table)
        .filter(documents::school_id.eq(school_id))
        .filter(documents::deleted_at.is_null())
        .filter(documents::status.eq(status::NEEDS_REVISION))
        .filter(reviews::verdict.eq(NEEDS_REVISION))
        .filter(reviews::resolved_at.is_null())
        .filter(reviews::rectify_by.lt(today))
        .order((reviews::rectify_by.asc(), reviews::id.asc()))
        .select((Review::as_select(), Document::as_select()))
        .load(conn)
}

/// When the first page of each document arrived (the pages a plan has now; a document without
/// pages is not listed): what 超周备课 is read from.
pub fn first_page_at(
    conn: &mut DbConn,
    document_ids: &[String],
) -> QueryResult<Vec<(String, Option<NaiveDateTime>)>> {
    pages::table
        .filter(pages::document_id.eq_any(document_ids))
        .group_by(pages::document_id)
        .select((pages::document_id, diesel::dsl::min(pages::created_at)))
        .load(conn)
}

/// Live documents by id.
pub fn live_by_ids(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<Document>> {
    documents::table
        .filter(documents::id.eq_any(ids))
        .filter(documents::deleted_at.is_null())
        .select(Document::as_select())
        .load(conn)
}
