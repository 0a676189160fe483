//! Putting a district into Tingke (issue 21): the template, an import previewed and committed,
//! a second import changing nothing, the login sheet once, first logins, and hostile workbooks
//! refused with nothing changed. Workbooks are made here (rust_xlsxwriter, or by hand for what
//! no spreadsheet program writes).

use crate::documents::multipart;
use crate::helpers::*;
use calamine::{Data, Reader, Xlsx};
use serde_json::{json, Value};
use std::io::{Cursor, Write};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A workbook of the template's shape.
pub fn xlsx(schools: &[&str], people: &[[&str; 5]], terms: &[[&str; 4]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    /// A sheet: its name, headers and rows.
    type Sheet<'a> = (&'a str, Vec<&'a str>, Vec<Vec<&'a str>>);
    let sheets: [Sheet; 3] = [
        (
            "学校",
            vec!["学校名称"],
            schools.iter().map(|s| vec![*s]).collect(),
        ),
        (
            "人员",
            vec!["姓名", "手机号", "学校", "角色", "学科"],
            people.iter().map(|p| p.to_vec()).collect(),
        ),
        (
            "学期",
            vec!["学期名称", "学年", "开始日期", "结束日期"],
            terms.iter().map(|t| t.to_vec()).collect(),
        ),
    ];
    for (name, headers, rows) in sheets {
        let ws = book.add_worksheet();
        ws.set_name(name).unwrap();
        for (c, h) in headers.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// An xlsx written by hand: sheets 学校 and 人员 with the given `<sheetData>` inner XML, and
/// `extra` entries (a macro project, say). `declare` overrides the size the central directory
/// declares for the people sheet (a zip bomb that lies).
fn raw_xlsx(schools: &str, people: &str, extra: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let sheet = |data: &str| {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData></worksheet>"#
        )
    };
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("[Content_Types].xml".into(), br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_vec()),
        ("_rels/.rels".into(), br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_vec()),
        ("xl/workbook.xml".into(), r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="学校" sheetId="1" r:id="rId1"/><sheet name="人员" sheetId="2" r:id="rId2"/></sheets></workbook>"#.as_bytes().to_vec()),
        ("xl/_rels/workbook.xml.rels".into(), br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/></Relationships>"#.to_vec()),
        ("xl/worksheets/sheet1.xml".into(), sheet(schools).into_bytes()),
        ("xl/worksheets/sheet2.xml".into(), sheet(people).into_bytes()),
    ];
    files.extend(extra.iter().map(|(n, b)| (n.to_string(), b.clone())));
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, bytes) in files {
        zip.start_file(name, options).unwrap();
        zip.write_all(&bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn inline(cell: &str, text: &str) -> String {
    format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

fn header_rows() -> (String, String) {
    (
        format!(r#"<row r="1">{}</row>"#, inline("A1", "学校名称")),
        format!(
            r#"<row r="1">{}{}{}{}</row>"#,
            inline("A1", "姓名"),
            inline("B1", "手机号"),
            inline("C1", "学校"),
            inline("D1", "角色")
        ),
    )
}

/// Sets the uncompressed size the zip declares for `entry` (local header and central
/// directory) to `size`: a bomb that lies about itself.
fn declare_size(mut zip: Vec<u8>, entry: &str, size: u32) -> Vec<u8> {
    let name = entry.as_bytes();
    let mut i = 0;
    while i + 46 < zip.len() {
        let sig = u32::from_le_bytes([zip[i], zip[i + 1], zip[i + 2], zip[i + 3]]);
        let (name_at, size_at) = match sig {
            0x04034b50 => (i + 30, i + 22),
            0x02014b50 => (i + 46, i + 24),
            _ => {
                i += 1;
                continue;
            }
        };
        let len = u16::from_le_bytes([
            zip[i + 26 + (sig == 0x02014b50) as usize * 2],
            zip[i + 27 + (sig == 0x02014b50) as usize * 2],
        ]) as usize;
        if zip.get(name_at..name_at + len) == Some(name) {
            zip[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
        }
        i += 4;
    }
    zip
}

/// The hostile workbooks, by name (also the corpus's `@workbook_…` files, `hostile/workbooks.json`).
pub fn hostile_workbook(name: &str) -> Vec<u8> {
    let (schools, people) = header_rows();
    let person = |r: u32| {
        format!(
            r#"<row r="{r}">{}{}{}{}</row>"#,
            inline(&format!("A{r}"), "王老师"),
            inline(&format!("B{r}"), "13900000001"),
            inline(&format!("C{r}"), "实验小学"),
            inline(&format!("D{r}"), "教师")
        )
    };
    match name {
        "workbook_ok" => raw_xlsx(&schools, &format!("{people}{}", person(2)), &[]),
        "workbook_png" => b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
        "workbook_docx" => {
            let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
            zip.start_file(
                "word/document.xml",
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            zip.write_all(b"<w:document/>").unwrap();
            zip.finish().unwrap().into_inner()
        }
        // A compound file's signature and nothing else.
        "workbook_xls" => {
            let mut b = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
            b.resize(512, 0);
            b
        }
        // A real .xls whose first sheet declares 16 million rows of 255 columns (its
        // DIMENSIONS record), which calamine would reserve memory for.
        "workbook_xls_dimensions" => {
            let mut b = PEOPLE_XLS.to_vec();
            let at = b
                .windows(4)
                .position(|w| w == [0x00, 0x02, 0x0E, 0x00])
                .expect("a DIMENSIONS record")
                + 4;
            b[at + 4..at + 8].copy_from_slice(&0x00FF_FFFFu32.to_le_bytes());
            b[at + 10..at + 12].copy_from_slice(&0x00FFu16.to_le_bytes());
            b
        }
        "workbook_xls_formula" => FORMULA_XLS.to_vec(),
        // One row of a thousand numbers repeated 40,000 times: a few hundred bytes.
        "workbook_ods_bomb" => {
            let row = r#"<table:table-row table:number-rows-repeated="40000"><table:table-cell table:number-columns-repeated="1000" office:value-type="float" office:value="1"/></table:table-row>"#;
            ods(
                &[
                    ods_table("学校", &[&["学校名称"]]),
                    ods_raw_table("人员", row),
                ],
                &[],
            )
        }
        "workbook_ods_formula" => {
            let row = r#"<table:table-row><table:table-cell table:formula="of:=1+1" office:value-type="float" office:value="2"/></table:table-row>"#;
            ods(
                &[
                    ods_table("学校", &[&["学校名称"]]),
                    ods_raw_table("人员", row),
                ],
                &[],
            )
        }
        "workbook_ods_macro" => ods(
            &[ods_table("学校", &[&["学校名称"]])],
            &[("Basic/Standard/Module1.xml", b"<script:module/>".as_slice())],
        ),
        // 200 MiB of zeros in one entry: about 200 KB compressed, declared honestly.
        "workbook_zip_bomb" => {
            let zeros = vec![0u8; 200 << 20];
            raw_xlsx(&schools, &people, &[("xl/media/zeros.bin", zeros)])
        }
        // The same bomb declaring a few bytes: caught by what is really inflated.
        "workbook_lying_zip_bomb" => {
            let zeros = vec![0u8; 200 << 20];
            let zip = raw_xlsx(&schools, &people, &[("xl/media/zeros.bin", zeros)]);
            declare_size(zip, "xl/media/zeros.bin", 10)
        }
        // A cell in the last row a sheet can have, 1,048,576: one cell far away, not a range
        // of a million rows.
        "workbook_last_row" => {
            let far = format!(r#"<row r="1048576">{}</row>"#, inline("XFD1048576", "x"));
            raw_xlsx(&schools, &format!("{people}{}{far}", person(2)), &[])
        }
        // 50,001 people rows: one more than a sheet may hold.
        "workbook_too_many_rows" => {
            let rows: String = (2..=50_002)
                .map(|r| format!(r#"<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>"#))
                .collect();
            raw_xlsx(&schools, &format!("{people}{rows}"), &[])
        }
        "workbook_formula" => {
            let f = r#"<row r="2"><c r="A2" t="str"><f>HYPERLINK("http://evil","点我")</f><v>点我</v></c></row>"#;
            raw_xlsx(&schools, &format!("{people}{f}"), &[])
        }
        "workbook_long_cell" => {
            let long = "长".repeat(500_000);
            let row = format!(r#"<row r="2">{}</row>"#, inline("A2", &long));
            raw_xlsx(&schools, &format!("{people}{row}"), &[])
        }
        "workbook_macro" => raw_xlsx(
            &schools,
            &format!("{people}{}", person(2)),
            &[("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro".to_vec())],
        ),
        "workbook_renamed_sheet" => {
            let mut book = rust_xlsxwriter::Workbook::new();
            book.add_worksheet().write_string(0, 0, "姓名").unwrap();
            book.save_to_buffer().unwrap()
        }
        "workbook_renamed_column" => {
            let (s, _) = header_rows();
            let p = format!(
                r#"<row r="1">{}{}{}{}</row>{}"#,
                inline("A1", "名字"),
                inline("B1", "手机号"),
                inline("C1", "学校"),
                inline("D1", "角色"),
                person(2)
            );
            raw_xlsx(&s, &p, &[])
        }
        "workbook_csv_formula" => "姓名,手机号,学校,角色\n=1+1,13900000001,实验小学,教师\n"
            .as_bytes()
            .to_vec(),
        other => panic!("no hostile workbook {other}"),
    }
}

/// Legacy .xls files made once with xlwt (`api/tests/fixtures/README.md`).
const PEOPLE_XLS: &[u8] = include_bytes!("../fixtures/people.xls");
const FORMULA_XLS: &[u8] = include_bytes!("../fixtures/formula.xls");

/// A table of an .ods: a row per slice, a text cell per value.
fn ods_table(name: &str, rows: &[&[&str]]) -> String {
    let rows: String = rows
        .iter()
        .map(|row| {
            let cells: String = row
                .iter()
                .map(|v| match v.is_empty() {
                    true => "<table:table-cell/>".to_string(),
                    false => format!(
                        r#"<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>"#
                    ),
                })
                .collect();
            format!("<table:table-row>{cells}</table:table-row>")
        })
        .collect();
    ods_raw_table(name, &rows)
}

fn ods_raw_table(name: &str, rows: &str) -> String {
    format!(r#"<table:table table:name="{name}">{rows}</table:table>"#)
}

/// A minimal valid OpenDocument spreadsheet: its mimetype first and stored, a manifest, and
/// `content.xml` with `tables`; `extra` entries besides.
fn ods(tables: &[String], extra: &[(&str, &[u8])]) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>{}</office:spreadsheet></office:body></office:document-content>"#,
        tables.concat()
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("META-INF/manifest.xml", deflated).unwrap();
    zip.write_all(manifest.as_bytes()).unwrap();
    zip.start_file("content.xml", deflated).unwrap();
    zip.write_all(content.as_bytes()).unwrap();
    for (name, bytes) in extra {
        zip.start_file(*name, deflated).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn upload_body(bytes: &[u8], school: Option<&str>) -> (Vec<u8>, String) {
    let mut parts: Vec<(&str, Option<&str>, &[u8])> = vec![("file", Some("district.xlsx"), bytes)];
    if let Some(s) = school {
        parts.push(("school_id", None, s.as_bytes()));
    }
    multipart(&parts)
}

async fn upload(app: &TestApp, by: &Session, district: &str, bytes: &[u8]) -> Response {
    let (body, ct) = upload_body(bytes, None);
    app.post(&format!("/v1/districts/{district}/imports"))
        .token(&by.token)
        .raw(body, &ct)
        .send()
        .await
}

async fn commit(app: &TestApp, by: &Session, import: &str, remove: &[&str]) -> Response {
    app.post(&format!("/v1/imports/{import}/commit"))
        .token(&by.token)
        .json(json!({ "remove": remove }))
        .send()
        .await
}

/// Downloads the login sheet as raw bytes (the helper's client reads no binary body).
async fn login_sheet(app: &TestApp, by: &Session, import: &str, key: &str) -> (u16, Vec<u8>) {
    let res = app
        .client
        .post(format!("{}/v1/imports/{import}/login-sheet", app.address))
        .bearer_auth(&by.token)
        .json(&json!({ "key": key }))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    if status == 200 {
        assert_eq!(res.headers()["content-type"], XLSX);
        assert_eq!(res.headers()["cache-control"], "no-store");
    }
    (status, res.bytes().await.unwrap().to_vec())
}

/// Rows of the first sheet of an xlsx, as text.
fn rows_of(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

async fn new_district(app: &TestApp, admin: &Session) -> String {
    app.post("/v1/districts")
        .token(&admin.token)
        .json(json!({ "name": "新区" }))
        .send()
        .await
        .expect_status(201)
        .str("id")
        .to_string()
}

fn district_workbook() -> Vec<u8> {
    xlsx(
        &["第一小学", "第二小学"],
        &[
            ["李校长", "13910000001", "第一小学", "校长", ""],
            ["王老师", "13910000002", "第一小学", "教师", "数学、语文"],
            ["王老师", "13910000002", "第二小学", "教师", "数学"],
            ["赵校长", "13910000003", "第二小学", "校长、教师", "英语"],
            ["钱研", "13910000004", "", "教研员", "数学"],
        ],
        &[["秋季学期", "2026-2027", "2026-09-01", "2027-01-20"]],
    )
}

#[tokio::test]
async fn a_district_starts_from_the_template_and_everyone_logs_in_with_the_login_sheet() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    // The template is a workbook of the three sheets, read back as empty (the example skipped).
    let res = app
        .client
        .get(format!("{}/v1/imports/template.xlsx", app.address))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let template = res.bytes().await.unwrap();
    let book: Xlsx<_> = Xlsx::new(Cursor::new(template.to_vec())).unwrap();
    assert_eq!(book.sheet_names(), vec!["学校", "人员", "学期"]);

    let district = new_district(&app, &admin).await;
    let preview = upload(&app, &admin, &district, &district_workbook())
        .await
        .expect_status(201);
    let body = &preview.body;
    assert_eq!(body["committable"], true, "{}", preview.text);
    assert_eq!(body["summary"]["schools"]["created"], 2);
    assert_eq!(body["summary"]["terms"]["created"], 1);
    // Five rows, four new people: 王老师 is one person with two schools.
    assert_eq!(body["summary"]["people"]["created"], 5, "{}", preview.text);
    assert_eq!(body["summary"]["people"]["changed"], 0);
    let users_before = app.count("users");
    let committed = commit(&app, &admin, preview.str("id"), &[])
        .await
        .expect_status(200);
    assert_eq!(committed.header("cache-control"), Some("no-store"));
    assert_eq!(committed.body["login_sheet"]["people"], 4);
    assert_eq!(app.count("users"), users_before + 4);
    // Nothing readable kept: no copy of the answer for a key, no password in the database.
    let key = committed.body["login_sheet"]["key"]
        .as_str()
        .unwrap()
        .to_string();

    // A retry whose answer was lost answers the same again, key included, changing nothing.
    let retried = commit(&app, &admin, preview.str("id"), &[])
        .await
        .expect_status(200);
    assert_eq!(retried.header("cache-control"), Some("no-store"));
    assert_eq!(retried.body, committed.body);
    assert_eq!(app.count("users"), users_before + 4);
    // The login sheet, once, with the key only.
    let (status, _) = login_sheet(&app, &admin, preview.str("id"), "not-the-key").await;
    assert_eq!(status, 422);
    let (status, sheet) = login_sheet(&app, &admin, preview.str("id"), &key).await;
    assert_eq!(status, 200);
    let (again, _) = login_sheet(&app, &admin, preview.str("id"), &key).await;
    assert_eq!(again, 410);
    // Once the sheet is taken, a commit again is only done already.
    commit(&app, &admin, preview.str("id"), &[])
        .await
        .expect_problem(409, "import_committed");
    let rows = rows_of(&sheet);
    assert_eq!(rows[0][..4], ["学校", "姓名", "手机号(账号)", "初始密码"]);
    assert_eq!(rows.len(), 5, "{rows:?}");
    let wang = rows.iter().find(|r| r[1] == "王老师").unwrap();
    assert_eq!(wang[0], "第一小学、第二小学");
    for row in &rows {
        assert!(
            !row.iter().any(|c| c.starts_with(['=', '+', '-', '@'])),
            "{row:?}"
        );
    }
    // The passwords are not derived from the phone and are stored hashed only.
    let dump = {
        let mut conn = app.db.read_conn().unwrap();
        let users =
            tingke_models::users::active_by_phones(&mut conn, &["13910000002".into()]).unwrap();
        users[0].password_hash.clone()
    };
    assert!(dump.starts_with("$argon2id$"));
    assert!(!wang[3].contains("0002") && !dump.contains(&wang[3]));

    // Every person logs in with the sheet and is made to choose a password first.
    for row in rows.iter().skip(1) {
        let s = app.login(&row[2], &row[3]).await;
        let login = app
            .post("/v1/auth/login")
            .json(json!({ "phone": row[2], "password": row[3] }))
            .send()
            .await
            .expect_status(200);
        assert_eq!(login.body["password_change_required"], true);
        app.get("/v1/schools")
            .token(&s.token)
            .send()
            .await
            .expect_problem(403, "password_change_required");
        app.get("/v1/sync")
            .token(&s.token)
            .send()
            .await
            .expect_problem(403, "password_change_required");
        let me = app
            .get("/v1/me")
            .token(&s.token)
            .send()
            .await
            .expect_status(200);
        assert_eq!(me.body["password_change_required"], true);
        // The one-time password may not be kept.
        app.post("/v1/me/password")
            .token(&s.token)
            .json(json!({ "old_password": row[3], "new_password": row[3] }))
            .send()
            .await
            .expect_problem(422, "password_unchanged");
        app.post("/v1/me/password")
            .token(&s.token)
            .json(json!({ "old_password": row[3], "new_password": "my-own-password" }))
            .send()
            .await
            .expect_status(204);
        app.get("/v1/schools")
            .token(&s.token)
            .send()
            .await
            .expect_status(200);
        let again = app.login(&row[2], "my-own-password").await;
        assert_eq!(again.user["password_change_required"], false);
    }
    let wang = app.login("13910000002", "my-own-password").await;
    let schools: Vec<&Value> = wang.user["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(
        schools.len(),
        2,
        "a teacher of two schools has two memberships"
    );

    // The same workbook again changes nothing.
    let counts = ["users", "memberships", "schools", "terms"].map(|t| app.count(t));
    let second = upload(&app, &admin, &district, &district_workbook())
        .await
        .expect_status(201);
    let s = &second.body["summary"];
    assert_eq!(
        (
            s["people"]["created"].as_i64(),
            s["people"]["changed"].as_i64(),
            s["people"]["unchanged"].as_i64()
        ),
        (Some(0), Some(0), Some(5)),
        "{}",
        second.text
    );
    assert_eq!(second.body["missing"], json!([]));
    let done = commit(&app, &admin, second.str("id"), &[])
        .await
        .expect_status(200);
    assert_eq!(done.body["login_sheet"]["people"], 0);
    assert_eq!(
        ["users", "memberships", "schools", "terms"].map(|t| app.count(t)),
        counts
    );
}

#[tokio::test]
async fn a_changed_row_updates_the_person_and_missing_people_leave_only_when_asked() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let district = new_district(&app, &admin).await;
    let first = upload(&app, &admin, &district, &district_workbook())
        .await
        .expect_status(201);
    commit(&app, &admin, first.str("id"), &[])
        .await
        .expect_status(200);
    // 王老师 now teaches 英语 at 第一小学 and has left 第二小学.
    let changed = xlsx(
        &["第一小学", "第二小学"],
        &[
            ["李校长", "13910000001", "第一小学", "校长", ""],
            ["王老师", "13910000002", "第一小学", "教师", "英语"],
            ["赵校长", "13910000003", "第二小学", "校长、教师", "英语"],
            ["钱研", "13910000004", "", "教研员", "数学"],
        ],
        &[],
    );
    let preview = upload(&app, &admin, &district, &changed)
        .await
        .expect_status(201);
    assert_eq!(
        preview.body["summary"]["people"]["changed"], 1,
        "{}",
        preview.text
    );
    assert_eq!(preview.body["changed"][0]["fields"], json!(["subjects"]));
    let missing = preview.body["missing"].as_array().unwrap().clone();
    assert_eq!(missing.len(), 1, "{}", preview.text);
    assert_eq!(missing[0]["school"], "第二小学");
    // Only a membership the preview lists may be removed.
    commit(
        &app,
        &admin,
        preview.str("id"),
        &["0192f0c4-0000-7000-8000-000000000000"],
    )
    .await
    .expect_problem(422, "not_missing");
    let before = app.count("memberships");
    commit(
        &app,
        &admin,
        preview.str("id"),
        &[missing[0]["membership_id"].as_str().unwrap()],
    )
    .await
    .expect_status(200);
    assert_eq!(app.count("memberships"), before - 1);
    // Imported again: nothing missing, nothing changes.
    let again = upload(&app, &admin, &district, &changed)
        .await
        .expect_status(201);
    assert_eq!(again.body["missing"], json!([]));
    assert_eq!(
        again.body["summary"]["people"]["unchanged"], 4,
        "{}",
        again.text
    );
}

#[tokio::test]
async fn problems_are_shown_by_sheet_row_and_column_and_block_the_commit() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let district = new_district(&app, &admin).await;
    let book = xlsx(
        &["第一小学"],
        &[
            ["李校长", "13910000001", "第一小学", "校长", ""],
            ["王老师", "1391000", "第一小学", "教师", ""],
            ["张老师", "13910000005", "不存在的学校", "教师", ""],
            ["刘老师", "13910000006", "第一小学", "厨师", ""],
            ["李老师", "13910000001", "第一小学", "教师", ""],
        ],
        &[["秋季学期", "2026-2027", "2026-13-01", "2027-01-20"]],
    );
    let preview = app
        .post(&format!("/v1/districts/{district}/imports"))
        .token(&admin.token)
        .header("accept-language", "en")
        .raw(upload_body(&book, None).0, &upload_body(&book, None).1)
        .send()
        .await
        .expect_status(201);
    assert_eq!(preview.body["committable"], false);
    let problems: Vec<(String, i64, String, String)> = preview.body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["sheet"].as_str().unwrap().to_string(),
                p["row"].as_i64().unwrap(),
                p["column"].as_str().unwrap().to_string(),
                p["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("学期", 2, "C", "invalid_date"),
        ("人员", 3, "B", "invalid_phone"),
        ("人员", 4, "C", "unknown_school"),
        ("人员", 5, "D", "unknown_role"),
        ("人员", 6, "A", "phone_twice_other_name"),
    ];
    let want: Vec<(String, i64, String, String)> = want
        .iter()
        .map(|(s, r, c, k)| (s.to_string(), *r, c.to_string(), k.to_string()))
        .collect();
    assert_eq!(problems, want, "{}", preview.text);
    assert_eq!(
        preview.body["problems"][1]["message"],
        "Not a mobile phone number"
    );
    let users = app.count("users");
    commit(&app, &admin, preview.str("id"), &[])
        .await
        .expect_problem(409, "import_has_problems");
    assert_eq!(app.count("users"), users);
}

#[tokio::test]
async fn dates_are_read_as_numbers_and_as_text() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let district = new_district(&app, &admin).await;
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, headers) in [
        ("学校", vec!["学校名称"]),
        ("人员", vec!["姓名", "手机号", "学校", "角色"]),
    ] {
        let ws = book.add_worksheet();
        ws.set_name(name).unwrap();
        for (c, h) in headers.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
    }
    let ws = book.add_worksheet();
    ws.set_name("学期").unwrap();
    for (c, h) in ["学期名称", "学年", "开始日期", "结束日期"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    // A date cell, a day number, text with slashes and in Chinese, and a phone as a number.
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    ws.write_string(1, 0, "秋季学期").unwrap();
    ws.write_string(1, 1, "2026-2027").unwrap();
    let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 9, 1).unwrap();
    ws.write_datetime_with_format(1, 2, &day, &date).unwrap();
    ws.write_number(1, 3, 46407.0).unwrap(); // 2027-01-20
    ws.write_string(2, 0, "春季学期").unwrap();
    ws.write_string(2, 1, "2026-2027").unwrap();
    ws.write_string(2, 2, "2027/2/20").unwrap();
    ws.write_string(2, 3, "2027年7月10日").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let preview = upload(&app, &admin, &district, &bytes)
        .await
        .expect_status(201);
    assert_eq!(preview.body["problems"], json!([]), "{}", preview.text);
    commit(&app, &admin, preview.str("id"), &[])
        .await
        .expect_status(200);
    let terms = app
        .get(&format!("/v1/districts/{district}/terms"))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    let days: Vec<(String, String)> = terms
        .items()
        .iter()
        .map(|t| {
            (
                t["starts_on"].as_str().unwrap().into(),
                t["ends_on"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        days,
        vec![
            ("2026-09-01".to_string(), "2027-01-20".to_string()),
            ("2027-02-20".to_string(), "2027-07-10".to_string())
        ]
    );
}

#[tokio::test]
async fn a_commit_applies_exactly_its_preview_or_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let district = new_district(&app, &admin).await;
    let preview = upload(&app, &admin, &district, &district_workbook())
        .await
        .expect_status(201);
    // Meanwhile the district changes: a school the workbook creates is made by hand.
    app.post("/v1/schools")
        .token(&admin.token)
        .json(json!({ "name": "第一小学", "district_id": district }))
        .send()
        .await
        .expect_status(201);
    let counts = ["users", "memberships", "schools", "terms", "imports"].map(|t| app.count(t));
    commit(&app, &admin, preview.str("id"), &[])
        .await
        .expect_problem(409, "import_stale");
    assert_eq!(
        ["users", "memberships", "schools", "terms", "imports"].map(|t| app.count(t)),
        counts
    );
}

#[tokio::test]
async fn a_principal_imports_their_own_school_and_no_one_else_imports() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let district = principal.district_id();
    let book = xlsx(
        &[],
        &[
            ["新老师", "13920000001", "实验小学", "教师", "数学"],
            ["别校老师", "13920000002", "第二中学", "教师", "数学"],
        ],
        &[],
    );
    let preview = upload(&app, &principal, &district, &book)
        .await
        .expect_status(201);
    assert_eq!(preview.body["school_id"], principal.school_id());
    let codes: Vec<&str> = preview.body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["school_out_of_scope"], "{}", preview.text);
    // Nobody else sees the principal's import.
    let other = app.demo(PRINCIPAL_B).await;
    commit(&app, &other, preview.str("id"), &[])
        .await
        .expect_problem(404, "not_found");
    // Their own import is theirs to commit, once its problems are gone.
    commit(&app, &principal, preview.str("id"), &[])
        .await
        .expect_problem(409, "import_has_problems");
    for phone in [TEACHER_A, DEAN_A, RESEARCHER] {
        let s = app.demo(phone).await;
        upload(&app, &s, &district, &book)
            .await
            .expect_problem(403, "forbidden");
    }
}

#[tokio::test]
async fn hostile_workbooks_are_refused_and_change_nothing() {
    let app = spawn_demo_app().await;
    let admin = app.admin().await;
    let district = admin_district(&app, &admin).await;
    let tables = ["users", "memberships", "schools", "terms", "imports"];
    let counts = tables.map(|t| app.count(t));
    let cases: &[(&str, u16, &str)] = &[
        ("workbook_png", 422, "not_a_spreadsheet"),
        ("workbook_docx", 422, "not_a_spreadsheet"),
        ("workbook_xls", 422, "not_a_spreadsheet"),
        ("workbook_xls_dimensions", 413, "workbook_too_large"),
        ("workbook_xls_formula", 422, "formula_not_allowed"),
        ("workbook_ods_bomb", 413, "workbook_too_large"),
        ("workbook_ods_formula", 422, "formula_not_allowed"),
        ("workbook_ods_macro", 422, "macro_workbook"),
        ("workbook_zip_bomb", 413, "workbook_too_large"),
        // zip refuses an entry that inflates past the size it declares (its checksum fails
        // once the declared bytes are out), and the cap stands behind it.
        ("workbook_lying_zip_bomb", 422, "not_a_spreadsheet"),
        ("workbook_last_row", 422, "too_many_rows"),
        ("workbook_too_many_rows", 422, "too_many_rows"),
        ("workbook_formula", 422, "formula_not_allowed"),
        ("workbook_long_cell", 422, "cell_too_long"),
        ("workbook_macro", 422, "macro_workbook"),
        ("workbook_renamed_sheet", 422, "missing_sheet"),
        ("workbook_renamed_column", 422, "missing_column"),
        ("workbook_csv_formula", 422, "formula_not_allowed"),
    ];
    for (name, status, code) in cases {
        let started = std::time::Instant::now();
        let res = upload(&app, &admin, &district, &hostile_workbook(name)).await;
        assert_eq!(
            (res.status, res.code()),
            (*status, *code),
            "{name}: {}",
            res.text
        );
        assert!(
            started.elapsed().as_secs() < 20,
            "{name} took {:?}",
            started.elapsed()
        );
    }
    assert_eq!(tables.map(|t| app.count(t)), counts);
    // The same reader takes a good one.
    upload(&app, &admin, &district, &hostile_workbook("workbook_ok"))
        .await
        .expect_status(201);
}

async fn admin_district(app: &TestApp, admin: &Session) -> String {
    let schools = app
        .get("/v1/schools")
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    schools.items()[0]["district_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_person_joins_a_second_school_through_the_api() {
    let app = spawn_demo_app().await;
    let admin = app.admin().await;
    let teacher = app.demo(TEACHER_A).await;
    let school_b = app.demo(PRINCIPAL_B).await.school_id();
    let name = teacher.user["name"].as_str().unwrap().to_string();
    let join = |name: String| {
        json!({ "name": name, "phone": TEACHER_A, "password": "ignored-password",
                "roles": ["teacher"], "subjects": ["数学"] })
    };
    let res = app
        .post(&format!("/v1/schools/{school_b}/members"))
        .token(&admin.token)
        .json(join(name.clone()))
        .send()
        .await
        .expect_status(201);
    assert_eq!(res.str("user_id"), teacher.id());
    assert!(res.body.get("initial_password").is_none());
    // The person keeps their password and now has two schools.
    let again = app.demo(TEACHER_A).await;
    assert_eq!(again.user["memberships"].as_array().unwrap().len(), 2);
    app.post(&format!("/v1/schools/{school_b}/members"))
        .token(&admin.token)
        .json(join(name))
        .send()
        .await
        .expect_problem(409, "already_member");
    app.post(&format!("/v1/schools/{school_b}/members"))
        .token(&admin.token)
        .json(join("另一个人".into()))
        .send()
        .await
        .expect_problem(409, "phone_other_name");
}

#[tokio::test]
async fn first_logins_resets_and_ended_sessions() {
    let app = spawn_demo_app().await;
    let admin = app.admin().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let school = principal.school_id();
    // A member made without a password gets a one-time password, answered once.
    let made = app
        .post(&format!("/v1/schools/{school}/members"))
        .token(&principal.token)
        .header("idempotency-key", "first-login-1")
        .json(json!({ "name": "新老师", "phone": "13930000001", "roles": ["teacher"] }))
        .send()
        .await
        .expect_status(201);
    assert_eq!(made.header("cache-control"), Some("no-store"));
    let initial = made.str("initial_password").to_string();
    assert_eq!(
        app.count("idempotency_keys WHERE body LIKE '%initial_password%'"),
        0
    );
    let fresh = app.login("13930000001", &initial).await;
    app.get("/v1/observations")
        .token(&fresh.token)
        .send()
        .await
        .expect_problem(403, "password_change_required");
    app.post("/v1/auth/logout")
        .token(&fresh.token)
        .send()
        .await
        .expect_status(204);

    // The principal resets a teacher of their school; the reset is recorded and ends sessions.
    let teacher = app.demo(TEACHER_A).await;
    let reset = app
        .post(&format!("/v1/users/{}/password-reset", teacher.id()))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(reset.header("cache-control"), Some("no-store"));
    app.get("/v1/me")
        .token(&teacher.token)
        .send()
        .await
        .expect_problem(401, "token_revoked");
    app.post("/v1/auth/login")
        .json(json!({ "phone": TEACHER_A, "password": DEMO_PASSWORD }))
        .send()
        .await
        .expect_problem(401, "invalid_credentials");
    let again = app.login(TEACHER_A, reset.str("initial_password")).await;
    assert_eq!(again.user["password_change_required"], true);
    let mut conn = app.db.read_conn().unwrap();
    let events = tingke_models::auth::account_events_of(&mut conn, teacher.id()).unwrap();
    assert_eq!(
        events,
        vec![(
            "password_reset".to_string(),
            Some(principal.id().to_string())
        )]
    );
    drop(conn);

    // Who may not: a dean, the principal of another school, anyone for an admin or themselves.
    let dean = app.demo(DEAN_A).await;
    let teacher2 = app.demo(TEACHER_A2).await;
    let path = format!("/v1/users/{}/password-reset", teacher2.id());
    app.post(&path)
        .token(&dean.token)
        .send()
        .await
        .expect_problem(403, "forbidden");
    let other = app.demo(PRINCIPAL_B).await;
    app.post(&path)
        .token(&other.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    app.post(&format!("/v1/users/{}/password-reset", admin.id()))
        .token(&principal.token)
        .send()
        .await
        .expect_problem(404, "not_found");

    // Whoever may reset a person's password ends every session of theirs (a phone lost); their
    // password stays. Another school's principal does not know them, nor a teacher anyone.
    let ends = format!("/v1/users/{}/sessions/end", teacher2.id());
    app.post(&ends)
        .token(&other.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    app.post(&ends)
        .token(&teacher2.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    app.post(&ends)
        .token(&principal.token)
        .send()
        .await
        .expect_status(204);
    app.get("/v1/me")
        .token(&teacher2.token)
        .send()
        .await
        .expect_problem(401, "token_revoked");
    app.demo(TEACHER_A2).await;
    let mut conn = app.db.read_conn().unwrap();
    let events = tingke_models::auth::account_events_of(&mut conn, teacher2.id()).unwrap();
    assert_eq!(
        events,
        vec![(
            "sessions_ended".to_string(),
            Some(principal.id().to_string())
        )]
    );
}

#[tokio::test]
async fn a_preview_is_read_again_by_its_uploader_and_whoever_may_import_there() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let district = principal.district_id();
    let book = xlsx(
        &[],
        &[
            ["新老师", "13920000011", "实验小学", "教师", "数学"],
            ["别校老师", "13920000012", "第二中学", "教师", "数学"],
        ],
        &[],
    );
    let preview = upload(&app, &principal, &district, &book)
        .await
        .expect_status(201);
    let path = format!("/v1/imports/{}", preview.str("id"));
    let again = app
        .get(&path)
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(again.body, preview.body, "the same preview");
    // An administrator may import there; in English the messages are English.
    let admin = app.admin().await;
    let english = app
        .get(&path)
        .token(&admin.token)
        .header("accept-language", "en")
        .send()
        .await
        .expect_status(200);
    assert_eq!(english.body["created"], preview.body["created"]);
    assert_eq!(
        english.body["problems"][0]["message"],
        "A principal imports the people of their own school only"
    );
    // Nobody else learns of it: another school's principal, a dean, a teacher.
    for phone in [PRINCIPAL_B, DEAN_A, TEACHER_A] {
        let s = app.demo(phone).await;
        app.get(&path)
            .token(&s.token)
            .send()
            .await
            .expect_problem(404, "not_found");
    }
    app.get(&format!("/v1/imports/{}", tingke_models::new_id()))
        .token(&admin.token)
        .send()
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test]
async fn a_member_given_a_password_by_a_leader_chooses_their_own_first() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let school = principal.school_id();
    app.post(&format!("/v1/schools/{school}/members"))
        .token(&principal.token)
        .json(
            json!({ "name": "选密码", "phone": "13930000021", "password": "picked-by-leader",
                      "roles": ["teacher"] }),
        )
        .send()
        .await
        .expect_status(201);
    let login = |password: &'static str| {
        app.post("/v1/auth/login")
            .json(json!({ "phone": "13930000021", "password": password }))
            .send()
    };
    let first = login("picked-by-leader").await.expect_status(200);
    assert_eq!(first.body["password_change_required"], true);
    app.get("/v1/schools")
        .token(first.str("access_token"))
        .send()
        .await
        .expect_problem(403, "password_change_required");
    app.post("/v1/me/password")
        .token(first.str("access_token"))
        .json(json!({ "old_password": "picked-by-leader", "new_password": "my-very-own" }))
        .send()
        .await
        .expect_status(204);
    assert_eq!(
        login("my-very-own").await.expect_status(200).body["password_change_required"],
        false
    );
    // A reset to a password the leader chose: no one-time password answered, the same rule.
    let user = first.body["user"]["id"].as_str().unwrap().to_string();
    let reset = app
        .post(&format!("/v1/users/{user}/password-reset"))
        .token(&principal.token)
        .json(json!({ "password": "picked-again-1" }))
        .send()
        .await
        .expect_status(200);
    assert!(
        reset.body.get("initial_password").is_none(),
        "{}",
        reset.text
    );
    assert_eq!(reset.body["password_change_required"], true);
    let after = login("picked-again-1").await.expect_status(200);
    assert_eq!(after.body["password_change_required"], true);
    app.post(&format!("/v1/users/{user}/password-reset"))
        .token(&principal.token)
        .json(json!({ "password": "short" }))
        .send()
        .await
        .expect_problem(422, "password_too_short");
}

#[tokio::test]
async fn the_record_of_an_account_is_read_by_whoever_may_reset_its_password() {
    let app = spawn_demo_app().await;
    let admin = app.admin().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    app.post(&format!("/v1/users/{}/password-reset", teacher.id()))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    app.post(&format!("/v1/users/{}/sessions/end", teacher.id()))
        .token(&admin.token)
        .send()
        .await
        .expect_status(204);
    let path = format!("/v1/users/{}/account-events", teacher.id());
    let first = app
        .get(&format!("{path}?limit=1"))
        .token(&principal.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(first.items().len(), 1);
    assert_eq!(first.items()[0]["kind"], "password_reset");
    assert_eq!(first.items()[0]["actor_id"], principal.id());
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("{path}?limit=1&cursor={cursor}"))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    assert_eq!(second.items()[0]["kind"], "sessions_ended");
    assert_eq!(second.items()[0]["actor_id"], admin.id());
    assert_eq!(second.body["next_cursor"], Value::Null);
    // A leader of the school who may not reset: 403; another school's principal, a colleague:
    // 404.
    let dean = app.demo(DEAN_A).await;
    app.get(&path)
        .token(&dean.token)
        .send()
        .await
        .expect_problem(403, "forbidden");
    for s in [app.demo(PRINCIPAL_B).await, app.demo(TEACHER_A2).await] {
        app.get(&path)
            .token(&s.token)
            .send()
            .await
            .expect_problem(404, "not_found");
    }
}

/// A workbook whose people sheet has the grades (任教年级) and groups (所在组) columns too.
fn xlsx_with_groups(schools: &[&str], people: &[[&str; 7]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("学校").unwrap();
    ws.write_string(0, 0, "学校名称").unwrap();
    for (r, s) in schools.iter().enumerate() {
        ws.write_string(r as u32 + 1, 0, *s).unwrap();
    }
    let ws = book.add_worksheet();
    ws.set_name("人员").unwrap();
    let headers = [
        "姓名",
        "手机号",
        "学校",
        "角色",
        "学科",
        "任教年级",
        "所在组",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in people.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

fn codes_of(res: &Response) -> Vec<(i64, String, String)> {
    res.body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_i64().unwrap(),
                p["column"].as_str().unwrap().to_string(),
                p["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn grades_and_groups_are_imported_and_missing_groups_made_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let district = new_district(&app, &admin).await;
    let wang = ["王老师", "13960000002", "第一小学", "教师", "数学"];
    let row = |p: [&'static str; 5], grades: &'static str, groups: &'static str| {
        [p[0], p[1], p[2], p[3], p[4], grades, groups]
    };
    let principal = row(["李校长", "13960000001", "第一小学", "校长", ""], "", "");
    let lead = "数学教研组(组长)、三年级组（组长）";
    let zhang = ["张老师", "13960000003", "第一小学", "教师", "数学"];
    // A group the school lacks is made by the commit, if its name tells its kind.
    let bad = xlsx_with_groups(
        &["第一小学"],
        &[
            principal,
            row(wang, "三年级、四年级", lead),
            row(zhang, "三年级", "数学教研组、兴趣小队"),
        ],
    );
    let preview = upload(&app, &admin, &district, &bad)
        .await
        .expect_status(201);
    assert_eq!(
        codes_of(&preview),
        vec![(4, "G".to_string(), "invalid_group_name".to_string())]
    );
    let book = xlsx_with_groups(
        &["第一小学"],
        &[
            principal,
            row(wang, "三年级、四年级", lead),
            row(zhang, "三年级", "数学教研组、三年级组"),
        ],
    );
    let preview = upload(&app, &admin, &district, &book)
        .await
        .expect_status(201);
    assert_eq!(preview.body["committable"], true, "{}", preview.text);
    assert_eq!(preview.body["summary"]["groups"]["created"], 2);
    let made: Vec<&str> = preview.body["created"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["kind"] == "group")
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(made, vec!["数学教研组", "三年级组"]);
    commit(&app, &admin, preview.str("id"), &[])
        .await
        .expect_status(200);

    // The school has both groups, 王老师 leading them, and 王老师 teaches two grades.
    let schools = app
        .get("/v1/schools")
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    let school = schools
        .items()
        .iter()
        .find(|s| s["name"] == "第一小学")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let groups = app
        .get(&format!("/v1/schools/{school}/groups"))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    let summary: Vec<(String, String, usize, String)> = groups
        .items()
        .iter()
        .map(|g| {
            let members = g["members"].as_array().unwrap();
            let leader = members.iter().find(|m| m["leader"] == true).unwrap();
            (
                g["name"].as_str().unwrap().to_string(),
                g["kind"].as_str().unwrap().to_string(),
                members.len(),
                leader["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("数学教研组".into(), "subject".into(), 2, "王老师".into()),
            ("三年级组".into(), "grade".into(), 2, "王老师".into()),
        ]
    );
    let members = app
        .get(&format!("/v1/schools/{school}/members"))
        .token(&admin.token)
        .send()
        .await
        .expect_status(200);
    let grades_of =
        |name: &str| members.items().iter().find(|m| m["name"] == name).unwrap()["grades"].clone();
    assert_eq!(grades_of("王老师"), json!(["三年级", "四年级"]));

    // The same file again changes nothing.
    let tables = ["users", "memberships", "school_groups", "group_members"];
    let counts = tables.map(|t| app.count(t));
    let again = upload(&app, &admin, &district, &book)
        .await
        .expect_status(201);
    assert_eq!(again.body["summary"]["groups"]["created"], 0);
    assert_eq!(
        again.body["summary"]["people"]["unchanged"], 3,
        "{}",
        again.text
    );
    commit(&app, &admin, again.str("id"), &[])
        .await
        .expect_status(200);
    assert_eq!(tables.map(|t| app.count(t)), counts);

    // A changed row: another grade, and a new lesson-preparation group it leads.
    let changed = xlsx_with_groups(
        &["第一小学"],
        &[
            principal,
            row(wang, "三年级、四年级", lead),
            row(
                zhang,
                "三年级、五年级",
                "数学教研组、三年级数学备课组(组长)",
            ),
        ],
    );
    let preview = upload(&app, &admin, &district, &changed)
        .await
        .expect_status(201);
    assert_eq!(preview.body["changed"][0]["name"], "张老师");
    assert_eq!(
        preview.body["changed"][0]["fields"],
        json!(["grades", "groups"])
    );
    assert_eq!(preview.body["summary"]["groups"]["created"], 1);
    commit(&app, &admin, preview.str("id"), &[])
        .await
        .expect_status(200);
    assert_eq!(app.count("school_groups"), counts[2] + 1);
    assert_eq!(app.count("group_members"), counts[3] + 1);
}

#[tokio::test]
async fn workbooks_saved_as_xls_or_ods_are_told_by_their_content_and_import_alike() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let district = new_district(&app, &admin).await;
    // A legacy .xls (uploaded under an .xlsx name: the bytes tell what it is).
    let preview = upload(&app, &admin, &district, PEOPLE_XLS)
        .await
        .expect_status(201);
    assert_eq!(preview.body["committable"], true, "{}", preview.text);
    let s = &preview.body["summary"];
    assert_eq!(
        (
            s["schools"]["created"].as_i64(),
            s["people"]["created"].as_i64(),
            s["terms"]["created"].as_i64(),
            s["groups"]["created"].as_i64()
        ),
        (Some(1), Some(2), Some(1), Some(1)),
        "{}",
        preview.text
    );
    commit(&app, &admin, preview.str("id"), &[])
        .await
        .expect_status(200);
    // An .ods of the same shape, with its grades and groups columns.
    let book = ods(
        &[
            ods_table("学校", &[&["学校名称"], &["开放格式小学"]]),
            ods_table(
                "人员",
                &[
                    &[
                        "姓名",
                        "手机号",
                        "学校",
                        "角色",
                        "学科",
                        "任教年级",
                        "所在组",
                    ],
                    &["吴校长", "13980000001", "开放格式小学", "校长", "", "", ""],
                    &[
                        "郑老师",
                        "13980000002",
                        "开放格式小学",
                        "教师",
                        "数学",
                        "二年级",
                        "二年级组(组长)",
                    ],
                ],
            ),
        ],
        &[],
    );
    let preview = upload(&app, &admin, &district, &book)
        .await
        .expect_status(201);
    assert_eq!(preview.body["committable"], true, "{}", preview.text);
    assert_eq!(preview.body["summary"]["people"]["created"], 2);
    assert_eq!(preview.body["summary"]["groups"]["created"], 1);
    commit(&app, &admin, preview.str("id"), &[])
        .await
        .expect_status(200);
    // Both again: nothing to change.
    for bytes in [PEOPLE_XLS.to_vec(), book] {
        let again = upload(&app, &admin, &district, &bytes)
            .await
            .expect_status(201);
        assert_eq!(again.body["created"], json!([]), "{}", again.text);
        assert_eq!(again.body["changed"], json!([]), "{}", again.text);
    }
}
