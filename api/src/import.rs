//! Importing a district's workbook (issue 21), for the HTTP routes and `tingke import` alike:
//! preview (read, plan, keep), commit (plan again in the write transaction, refuse if anything
//! differs from the preview, apply all of it or nothing), and the login sheet.

use crate::auth::password;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Lang;
use crate::workbook;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tingke_models::imports::{self, Applied, Import, NewPeople};
use tingke_models::rules::imports::{self as rules, Line, Missing, Plan, Scope, Summary, Workbook};
use tingke_models::DbConn;

/// What an import keeps to commit: the workbook as read, who may apply it where, and the plan
/// its preview showed.
#[derive(Debug, Serialize, Deserialize)]
struct Kept {
    workbook: Workbook,
    plan: Plan,
}

/// A problem as answered, with its message in the caller's language.
#[derive(Debug, Serialize)]
pub struct ProblemView {
    pub sheet: String,
    pub row: u32,
    pub column: String,
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// The answer of an upload.
#[derive(Debug, Serialize)]
pub struct PreviewView {
    pub id: String,
    pub district_id: String,
    pub school_id: Option<String>,
    pub file_name: String,
    pub status: &'static str,
    /// No problem: the commit may apply it.
    pub committable: bool,
    pub summary: Summary,
    pub created: Vec<Line>,
    pub changed: Vec<Line>,
    pub missing: Vec<Missing>,
    pub problems: Vec<ProblemView>,
}

/// The answer of a commit: the login sheet's key is in it, this once.
#[derive(Debug, Serialize)]
pub struct CommitView {
    pub id: String,
    pub status: &'static str,
    pub summary: Summary,
    pub removed: usize,
    pub login_sheet: SheetView,
}

#[derive(Debug, Serialize)]
pub struct SheetView {
    /// New people the sheet lists.
    pub people: usize,
    /// Present the key to download the sheet, once (`POST /v1/imports/{id}/login-sheet`).
    /// Nothing else unlocks the sheet's passwords: keep it until the sheet is downloaded.
    pub key: String,
}

/// The messages of row problems: (code, zh-CN, en).
const MESSAGES: &[(&str, &str, &str)] = &[
    ("missing_value", "必填项为空", "A required value is empty"),
    ("invalid_length", "内容过长", "The value is too long"),
    (
        "invalid_text",
        "含有不允许的字符",
        "The value contains characters that are not allowed",
    ),
    (
        "invalid_phone",
        "不是有效的手机号",
        "Not a mobile phone number",
    ),
    (
        "invalid_date",
        "不是有效的日期(2000–2100 年)",
        "Not a date from 2000 to 2100",
    ),
    (
        "invalid_date_range",
        "结束日期早于开始日期",
        "The end date is before the start date",
    ),
    (
        "invalid_school_year",
        "学年应写作 2026-2027",
        "School years are written like 2026-2027",
    ),
    (
        "unknown_school",
        "学校不存在,也不在学校表中",
        "No such school in the district or the schools sheet",
    ),
    ("unknown_role", "未知角色", "Unknown role"),
    (
        "role_not_allowed",
        "教研员属于学区,不能兼任学校角色",
        "A researcher belongs to the district and holds no school role",
    ),
    (
        "duplicate_row",
        "与前面的行重复",
        "The same as an earlier row",
    ),
    (
        "phone_twice_other_name",
        "同一手机号在前面的行中是另一个姓名",
        "The same phone is given with another name in an earlier row",
    ),
    (
        "phone_other_name",
        "该手机号属于另一姓名的人员",
        "The phone belongs to a person of another name",
    ),
    (
        "school_out_of_scope",
        "校长只能导入本校人员",
        "A principal imports the people of their own school only",
    ),
    (
        "admin_only",
        "只有管理员可以导入此项",
        "Only an administrator may import this",
    ),
    (
        "no_principal",
        "该校没有校长",
        "The school has no principal",
    ),
    (
        "term_overlap",
        "与其他学期时间重叠",
        "The dates overlap another term",
    ),
    (
        "invalid_group_name",
        "组名应以教研组、备课组(如 三年级数学备课组)、年级组或组结尾",
        "A new group's name ends with 教研组, 备课组 (like 三年级数学备课组), 年级组 or 组",
    ),
    (
        "group_not_allowed",
        "教研员属于学区,不能加入学校的组",
        "A researcher belongs to the district and joins no school group",
    ),
    (
        "group_leaders",
        "新建的组须有一至两名组长:在组名后写(组长)",
        "A new group needs one or two leaders: write (组长) after the group's name",
    ),
    (
        "term_differs",
        "同名学期已存在且日期不同,请在系统中修改",
        "A term of that name exists with other dates; change it in Tingke",
    ),
];

fn message(code: &str, lang: Lang) -> String {
    let (zh, en) = MESSAGES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, zh, en)| (*zh, *en))
        .unwrap_or(("有问题", "A problem"));
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

/// Every code a row problem may have, for the spec test.
pub fn problem_codes() -> Vec<&'static str> {
    MESSAGES.iter().map(|(c, _, _)| *c).collect()
}

fn view(import: &Import, plan: Plan, lang: Lang) -> PreviewView {
    let previewed = import.status == "previewed";
    PreviewView {
        id: import.id.clone(),
        district_id: import.district_id.clone(),
        school_id: import.school_id.clone(),
        file_name: import.file_name.clone(),
        status: if previewed { "previewed" } else { "committed" },
        committable: previewed && plan.problems.is_empty(),
        summary: plan.summary,
        created: plan.created,
        changed: plan.changed,
        missing: plan.missing,
        problems: plan
            .problems
            .into_iter()
            .map(|p| ProblemView {
                message: message(&p.code, lang),
                sheet: p.sheet,
                row: p.row,
                column: p.column,
                code: p.code,
                value: p.value,
            })
            .collect(),
    }
}

fn phones(workbook: &Workbook) -> Vec<String> {
    let mut phones: Vec<String> = workbook
        .people
        .iter()
        .filter_map(|p| rules::parse_phone(&p.phone))
        .collect();
    phones.sort();
    phones.dedup();
    phones
}

/// Who uploads what, where.
pub struct Upload<'a> {
    pub district_id: &'a str,
    /// A principal's own school; None for an administrator.
    pub school_id: Option<&'a str>,
    /// None: the command line.
    pub by: Option<&'a str>,
    pub file_name: &'a str,
    pub bytes: &'a [u8],
}

/// Reads the workbook (CPU only: call it off the async threads).
pub fn read(bytes: &[u8]) -> ApiResult<Workbook> {
    workbook::read(bytes)
}

/// Plans `workbook` against the district and keeps it as a previewed import. Run in a write
/// transaction.
pub fn preview(
    conn: &mut DbConn,
    upload: &Upload,
    workbook: Workbook,
    lang: Lang,
) -> ApiResult<PreviewView> {
    let district = imports::load_district(conn, upload.district_id, &phones(&workbook))?;
    let scope = Scope {
        school: upload.school_id.map(str::to_string),
    };
    let plan = rules::plan(&workbook, &district, &scope);
    let kept = Kept {
        workbook,
        plan: plan.clone(),
    };
    let import = Import {
        id: tingke_models::new_id(),
        district_id: upload.district_id.to_string(),
        school_id: upload.school_id.map(str::to_string),
        created_by: upload.by.map(str::to_string),
        file_name: upload.file_name.chars().take(200).collect(),
        file_sha256: hex::encode(Sha256::digest(upload.bytes)),
        plan: serde_json::to_string(&kept).map_err(ApiError::internal)?,
        preview: serde_json::to_string(&plan.summary).map_err(ApiError::internal)?,
        status: "previewed".into(),
        created_at: tingke_models::now(),
        committed_at: None,
        sheet_key_hash: None,
        sheet_people: None,
        sheet_taken_at: None,
        removed: None,
    };
    imports::insert(conn, &import)?;
    Ok(view(&import, plan, lang))
}

/// An import `by` may act on: their own, or any for an administrator; others' are 404.
pub fn find(conn: &mut DbConn, id: &str, by: Option<(&str, bool)>) -> ApiResult<Import> {
    let import = imports::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    match by {
        None | Some((_, true)) => Ok(import),
        Some((user, false)) if import.created_by.as_deref() == Some(user) => Ok(import),
        Some(_) => Err(ApiError::not_found()),
    }
}

/// The preview of a kept import again, in `lang` (`GET /v1/imports/{id}`).
pub fn preview_of(import: &Import, lang: Lang) -> ApiResult<PreviewView> {
    let kept: Kept = serde_json::from_str(&import.plan).map_err(ApiError::internal)?;
    Ok(view(import, kept.plan, lang))
}

/// The login sheet's key of an import: derived from the server's secret and the import's id,
/// so that a retried commit can answer it again while the server stores nothing that tells
/// the passwords (the database alone does not: the secret lives beside it, not in it).
fn sheet_key(secret: &[u8], import_id: &str) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(b"tingke login sheet\0");
    mac.update(import_id.as_bytes());
    mac.finalize().into_bytes().into()
}

/// The answer of a commit again, for a retry by whoever committed it (`by`; None: the command
/// line) while the login sheet has not been taken: the first answer may have been lost, and
/// with it the only way to the sheet. Otherwise 409 `import_committed`.
pub fn again(import: &Import, by: Option<&str>, secret: &[u8]) -> ApiResult<CommitView> {
    let committed = || ApiError::conflict("import_committed");
    if import.status != "committed"
        || import.sheet_taken_at.is_some()
        || import.created_by.as_deref() != by
    {
        return Err(committed());
    }
    let key = URL_SAFE_NO_PAD.encode(sheet_key(secret, &import.id));
    let hash = hex::encode(Sha256::digest(key.as_bytes()));
    // Another secret since (rotated): the key cannot be told again.
    if import.sheet_key_hash.as_deref() != Some(hash.as_str()) {
        return Err(committed());
    }
    // The preview's summary, kept beside the plan: what the commit answered.
    let summary: Summary = serde_json::from_str(&import.preview).map_err(ApiError::internal)?;
    let ids: Vec<String> = serde_json::from_str(import.sheet_people.as_deref().unwrap_or("[]"))
        .map_err(ApiError::internal)?;
    Ok(CommitView {
        id: import.id.clone(),
        status: "committed",
        summary,
        removed: import.removed.unwrap_or(0).max(0) as usize,
        login_sheet: SheetView {
            people: ids.len(),
            key,
        },
    })
}

/// What a commit needs before its transaction: the new people's ids and password hashes, and
/// the login sheet's key. Hashing 20,000 passwords is the slow part: it runs on every core.
pub struct Prepared {
    kept: Kept,
    ids: Vec<String>,
    hashes: Vec<String>,
    key: String,
    remove: Vec<String>,
}

/// Checks an import can be committed with `remove`, and prepares it (CPU: off the async threads).
pub fn prepare(import: &Import, remove: Vec<String>, secret: &[u8]) -> ApiResult<Prepared> {
    if import.status != "previewed" {
        return Err(ApiError::conflict("import_committed"));
    }
    let kept: Kept = serde_json::from_str(&import.plan).map_err(ApiError::internal)?;
    if !kept.plan.problems.is_empty() {
        return Err(ApiError::conflict("import_has_problems"));
    }
    if let Err(id) = rules::removable(&kept.plan, &remove) {
        return Err(ApiError::field(
            "not_missing",
            "remove",
            format!("{id} is not a membership the preview lists as missing"),
        ));
    }
    let key = sheet_key(secret, &import.id);
    let ids: Vec<String> = kept
        .plan
        .changes
        .people
        .iter()
        .map(|_| tingke_models::new_id())
        .collect();
    let hashes = hash_all(&key, &ids)?;
    Ok(Prepared {
        kept,
        ids,
        hashes,
        key: URL_SAFE_NO_PAD.encode(key),
        remove,
    })
}

/// The one-time password hashes of `ids` under `key`, on every core.
fn hash_all(key: &[u8], ids: &[String]) -> ApiResult<Vec<String>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = ids.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = ids
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|id| password::hash_one_time(&password::one_time_from_key(key, id)))
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(ids.len());
        for h in handles {
            let part = h
                .join()
                .map_err(|_| ApiError::internal("a hashing thread panicked"))?
                .map_err(ApiError::internal)?;
            out.extend(part);
        }
        Ok(out)
    })
}

/// Applies a prepared import in the write transaction: claims it, plans it again over the
/// district as it is now, refuses if the plan is not the previewed one (409 `import_stale`),
/// applies it and the removals.
pub fn commit(conn: &mut DbConn, import: &Import, prepared: Prepared) -> ApiResult<CommitView> {
    let now = tingke_models::now();
    let key_hash = hex::encode(Sha256::digest(prepared.key.as_bytes()));
    let people = serde_json::to_string(&prepared.ids).map_err(ApiError::internal)?;
    // First, so that a parallel commit of the same import waits here and then finds it done.
    if !imports::mark_committed(conn, &import.id, &key_hash, &people, now)? {
        return Err(ApiError::conflict("import_committed"));
    }
    let Kept { workbook, plan } = prepared.kept;
    let district = imports::load_district(conn, &import.district_id, &phones(&workbook))?;
    let scope = Scope {
        school: import.school_id.clone(),
    };
    let now_plan = rules::plan(&workbook, &district, &scope);
    if now_plan.changes != plan.changes || now_plan.problems != plan.problems {
        return Err(ApiError::conflict("import_stale"));
    }
    let remove: Vec<(String, Option<String>, String)> =
        rules::removable(&now_plan, &prepared.remove)
            .map_err(|_| ApiError::conflict("import_stale"))?
            .into_iter()
            .map(|m| {
                (
                    m.membership_id.clone(),
                    m.school_id.clone(),
                    m.user_id.clone(),
                )
            })
            .collect();
    imports::apply(
        conn,
        &import.district_id,
        &plan.changes,
        NewPeople {
            ids: &prepared.ids,
            hashes: &prepared.hashes,
        },
        &remove,
        Applied {
            by: import.created_by.as_deref(),
            at: now,
        },
    )?;
    imports::set_removed(conn, &import.id, remove.len() as i32)?;
    Ok(CommitView {
        id: import.id.clone(),
        status: "committed",
        summary: plan.summary,
        removed: remove.len(),
        login_sheet: SheetView {
            people: prepared.ids.len(),
            key: prepared.key,
        },
    })
}

/// Takes the login sheet of a committed import with its key, once; answers the people to write
/// and the key's bytes. Run in a write transaction.
pub fn take_sheet(
    conn: &mut DbConn,
    import: &Import,
    key: &str,
) -> ApiResult<Vec<workbook::Login>> {
    if import.status != "committed" {
        return Err(ApiError::conflict("login_sheet_not_ready"));
    }
    let presented = hex::encode(Sha256::digest(key.as_bytes()));
    if import.sheet_key_hash.as_deref() != Some(presented.as_str()) {
        return Err(ApiError::field(
            "wrong_sheet_key",
            "key",
            "not this sheet's key",
        ));
    }
    if !imports::take_sheet(conn, &import.id, tingke_models::now())? {
        return Err(ApiError::new(
            actix_web::http::StatusCode::GONE,
            "login_sheet_taken",
        ));
    }
    let key_bytes = URL_SAFE_NO_PAD
        .decode(key)
        .map_err(|_| ApiError::field("wrong_sheet_key", "key", "not this sheet's key"))?;
    let ids: Vec<String> = serde_json::from_str(import.sheet_people.as_deref().unwrap_or("[]"))
        .map_err(ApiError::internal)?;
    let people = imports::sheet_people(conn, &import.district_id, &ids)?;
    Ok(people
        .into_iter()
        .map(|p| workbook::Login {
            password: p
                .pending
                .then(|| password::one_time_from_key(&key_bytes, &p.id)),
            schools: p.schools,
            name: p.name,
            phone: p.phone,
        })
        .collect())
}
