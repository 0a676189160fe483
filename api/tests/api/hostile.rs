//! The hostile-input corpus (`api/tests/hostile/`, see its README) replayed over HTTP against a
//! real server, and the cases a corpus of requests cannot hold: bodies sent one byte a second,
//! bodies declared larger than the route takes, the largest valid bodies.

use crate::documents::{multipart, new_document};
use crate::helpers::*;
use crate::observations::lesson;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tingke_api::photo::{corpus, testimages};

// ------------------------------------------------------------------ the corpus

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Group {
    #[allow(dead_code)]
    about: String,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default = "principal", rename = "as")]
    caller: String,
    method: String,
    path: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    content_type: Option<String>,
    base: Option<String>,
    json: Option<Value>,
    text: Option<String>,
    hex: Option<String>,
    repeat: Option<Repeat>,
    image: Option<String>,
    parts: Option<usize>,
    multipart: Option<Vec<(String, String)>>,
    expect: Expect,
    /// The answer of a server built without the feature `heic`, where it differs.
    without_heic: Option<Expect>,
}

impl Case {
    /// The answer this build must give.
    fn expected(&self) -> &Expect {
        match &self.without_heic {
            Some(without) if !tingke_api::photo::HEIC => without,
            _ => &self.expect,
        }
    }
}

fn principal() -> String {
    "principal".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Repeat {
    #[serde(default)]
    before: String,
    unit: String,
    times: usize,
    #[serde(default)]
    after: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    status: Option<u16>,
    code: Option<String>,
    /// A 201 that adds a row to this table is as good as a 4xx.
    stored_or_refused: Option<String>,
    /// Width and height of the stored page, when stored.
    upright: Option<(u32, u32)>,
    /// How many pages of the district the stored page is the same page as.
    same_pages: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Injection {
    #[allow(dead_code)]
    about: String,
    strings: Vec<String>,
    bodies: Vec<InjectedBody>,
    paths: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InjectedBody {
    #[serde(default = "principal", rename = "as")]
    caller: String,
    method: String,
    path: String,
    base: String,
    fields: Vec<String>,
    stores: Option<String>,
    read_back: Option<String>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

/// Every group of the corpus but the injection strings, by file name.
fn groups() -> Vec<(String, Group)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("api/tests/hostile")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| !p.ends_with("injection.json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read a corpus file");
            let group: Group =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, group)
        })
        .collect()
}

/// Tables whose rows a refused request must not change.
const TABLES: &[&str] = &[
    "users",
    "memberships",
    "sessions",
    "districts",
    "schools",
    "terms",
    "rubrics",
    "observations",
    "observation_corrections",
    "quota_rules",
    "mentorships",
    "mentorship_activities",
    "mentorship_evaluations",
    "documents",
    "pages",
    "reviews",
    "school_groups",
    "group_members",
    "group_meetings",
    "sync_log",
    "imports",
    "account_events",
    "events",
    "event_attendance",
    "open_weeks",
    "uploads",
    "upload_chunks",
];

fn counts(app: &TestApp) -> BTreeMap<&'static str, i64> {
    TABLES.iter().map(|t| (*t, app.count(t))).collect()
}

/// The demo district as the corpus sees it: sessions and the ids its placeholders name.
struct World {
    app: TestApp,
    sessions: BTreeMap<&'static str, Session>,
    vars: BTreeMap<&'static str, String>,
    phones: std::cell::Cell<u32>,
}

impl World {
    async fn new(app: TestApp) -> World {
        let principal = app.demo(PRINCIPAL_A).await;
        let teacher = app.demo(TEACHER_A).await;
        let admin = app.admin().await;
        let other = app.demo(PRINCIPAL_B).await;
        let school = principal.school_id();
        let observation = app
            .post("/v1/observations")
            .token(&principal.token)
            .json(lesson(&school, teacher.id(), 3, 40))
            .send()
            .await
            .expect_status(201);
        let document = app
            .post("/v1/documents")
            .token(&principal.token)
            .json(new_document(&school, "lesson_plan"))
            .send()
            .await
            .expect_status(201);
        let others_document = app
            .post("/v1/documents")
            .token(&teacher.token)
            .json(new_document(&school, "lesson_plan"))
            .send()
            .await
            .expect_status(201);
        // The demo's mathematics lesson-preparation group, which teacher A is not in.
        let group = app
            .get(&format!("/v1/schools/{school}/groups"))
            .token(&principal.token)
            .send()
            .await
            .expect_status(200)
            .items()
            .iter()
            .find(|g| g["kind"] == "preparation")
            .expect("the demo's preparation group")["id"]
            .as_str()
            .unwrap()
            .to_string();
        // Teacher A's membership in school A, whose roles carry no qualifier.
        let membership = teacher.user["memberships"][0]["id"]
            .as_str()
            .expect("a membership")
            .to_string();
        let term = app
            .get(&format!("/v1/districts/{}/terms", principal.district_id()))
            .token(&principal.token)
            .send()
            .await
            .expect_status(200)
            .items()[0]["id"]
            .as_str()
            .expect("the demo term")
            .to_string();
        let researcher = app.demo(RESEARCHER).await.user["memberships"][0]["id"]
            .as_str()
            .expect("the researcher's membership")
            .to_string();
        let vars = BTreeMap::from([
            ("school", school.clone()),
            ("membership", membership),
            ("researcher_membership", researcher),
            ("term", term),
            ("group", group),
            ("other_school", other.school_id()),
            ("district", principal.district_id()),
            ("teacher", teacher.id().to_string()),
            ("observation", observation.str("id").to_string()),
            ("document", document.str("id").to_string()),
            ("others_document", others_document.str("id").to_string()),
            ("long", "a".repeat(8000)),
            ("long300", "k".repeat(300)),
        ]);
        let sessions = BTreeMap::from([
            ("principal", principal),
            ("teacher", teacher),
            ("admin", admin),
        ]);
        World {
            app,
            sessions,
            vars,
            phones: std::cell::Cell::new(0),
        }
    }

    /// Fills in the placeholders of the README; other braces (JSON's) are left alone.
    fn expand(&self, template: &str) -> String {
        let mut out = template.to_string();
        for (name, value) in &self.vars {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        while out.contains("{uuid}") {
            out = out.replacen("{uuid}", &uuid::Uuid::now_v7().to_string(), 1);
        }
        while out.contains("{phone}") {
            let n = self.phones.get() + 1;
            self.phones.set(n);
            out = out.replacen("{phone}", &format!("135{n:08}"), 1);
        }
        out
    }

    /// A valid body of a kind, with fresh ids.
    fn base(&self, kind: &str) -> Value {
        let school = &self.vars["school"];
        let body = match kind {
            "observation" => lesson(school, &self.vars["teacher"], 5, 40),
            "document" => new_document(school, "lesson_plan"),
            "member" => json!({
                "name": "新老师", "phone": "{phone}", "password": "long-enough-1",
                "roles": ["teacher"], "subjects": ["数学"]
            }),
            "district" => json!({ "name": "新区" }),
            "login" => json!({ "phone": "13600000000", "password": "long-enough-1" }),
            other => panic!("no base body {other:?}"),
        };
        self.expand_value(&body)
    }

    fn expand_value(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.expand(s)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.expand_value(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.expand_value(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn token(&self, caller: &str) -> Option<&str> {
        match caller {
            "none" => None,
            who => Some(
                self.sessions
                    .get(who)
                    .unwrap_or_else(|| panic!("no caller {who:?}"))
                    .token
                    .as_str(),
            ),
        }
    }
}

/// Builds a JSON body from the corpus's value, where `{"$repeat": [unit, n]}` is a string of
/// `n` units, `{"$list": [item, n]}` a list of `n` items, and `{"$raw": text}` is written as the
/// text itself (for JSON no `Value` can hold: duplicate keys, huge numbers).
fn build_json(world: &World, value: &Value, raws: &mut Vec<String>) -> Value {
    match value {
        Value::Object(map) if map.len() == 1 && map.contains_key("$repeat") => {
            let (unit, n): (String, usize) =
                serde_json::from_value(map["$repeat"].clone()).expect("$repeat: [unit, n]");
            Value::String(unit.repeat(n))
        }
        Value::Object(map) if map.len() == 1 && map.contains_key("$list") => {
            let (item, n): (Value, usize) =
                serde_json::from_value(map["$list"].clone()).expect("$list: [item, n]");
            Value::Array((0..n).map(|_| build_json(world, &item, raws)).collect())
        }
        Value::Object(map) if map.len() == 1 && map.contains_key("$raw") => {
            raws.push(map["$raw"].as_str().expect("$raw: text").to_string());
            Value::String(format!("\u{1}raw{}\u{1}", raws.len() - 1))
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), build_json(world, v, raws)))
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| build_json(world, v, raws)).collect())
        }
        Value::String(s) => Value::String(world.expand(s)),
        other => other.clone(),
    }
}

fn json_text(world: &World, base: Option<Value>, overrides: Option<&Value>) -> Vec<u8> {
    let mut raws = Vec::new();
    let mut body = base.unwrap_or(Value::Null);
    if let Some(overrides) = overrides {
        let built = build_json(world, overrides, &mut raws);
        match (&mut body, built) {
            (Value::Object(b), Value::Object(o)) => b.extend(o),
            (b, o) => *b = o,
        }
    }
    let mut text = serde_json::to_string(&body).expect("serialize");
    for (i, raw) in raws.iter().enumerate() {
        text = text.replace(&format!("\"\\u0001raw{i}\\u0001\""), raw);
    }
    text.into_bytes()
}

/// The body of a case and its content type.
fn body_of(world: &World, case: &Case) -> Option<(Vec<u8>, String)> {
    let json_type = || {
        case.content_type
            .clone()
            .unwrap_or_else(|| "application/json".into())
    };
    if let Some(name) = &case.image {
        let bytes = image(name);
        let (body, ct) = multipart(&[("file", Some("page.jpg"), &bytes)]);
        return Some((body, ct));
    }
    if let Some(n) = case.parts {
        let parts: Vec<(&str, Option<&str>, &[u8])> =
            (0..n).map(|_| ("note", None, &b"x"[..])).collect();
        return Some(multipart(&parts));
    }
    if let Some(parts) = &case.multipart {
        let files: Vec<Option<Vec<u8>>> = parts
            .iter()
            .map(|(_, v)| v.strip_prefix('@').map(image))
            .collect();
        // Placeholders in text parts too (a school's id).
        let values: Vec<String> = parts.iter().map(|(_, v)| world.expand(v)).collect();
        let parts: Vec<(&str, Option<&str>, &[u8])> = parts
            .iter()
            .zip(&files)
            .zip(&values)
            .map(|(((name, _), file), value)| match file {
                Some(bytes) => (name.as_str(), Some("page.jpg"), bytes.as_slice()),
                None => (name.as_str(), None, value.as_bytes()),
            })
            .collect();
        return Some(multipart(&parts));
    }
    if let Some(text) = &case.text {
        return Some((world.expand(text).into_bytes(), json_type()));
    }
    if let Some(hex) = &case.hex {
        return Some((hex::decode(hex).expect("hex body"), json_type()));
    }
    if let Some(r) = &case.repeat {
        let body = format!("{}{}{}", r.before, r.unit.repeat(r.times), r.after);
        return Some((body.into_bytes(), json_type()));
    }
    if case.base.is_some() || case.json.is_some() {
        let base = case.base.as_deref().map(|b| world.base(b));
        return Some((json_text(world, base, case.json.as_ref()), json_type()));
    }
    None
}

async fn send(world: &World, case: &Case) -> Response {
    let method = Method::from_bytes(case.method.as_bytes()).expect("method");
    let mut call = world.app.call(method, &world.expand(&case.path));
    if let Some(token) = world.token(&case.caller) {
        call = call.token(token);
    }
    for (name, value) in &case.headers {
        call = call.header(name, &world.expand(value));
    }
    if let Some((body, content_type)) = body_of(world, case) {
        call = call.raw(body, &content_type);
    }
    call.send().await
}

/// What the server kept: pages of documents and their blobs.
fn blobs_on_disk(app: &TestApp) -> usize {
    fn walk(dir: &Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |entries| {
            entries
                .flatten()
                .map(|e| match e.path().is_dir() {
                    true => walk(&e.path()),
                    false => 1,
                })
                .sum()
        })
    }
    walk(&app.dir().join("blobs"))
}

#[tokio::test]
async fn the_hostile_corpus_gets_stable_4xx_and_stores_nothing() {
    let world = World::new(spawn_demo_app().await).await;
    let app = &world.app;
    let before = counts(app);
    let blobs = blobs_on_disk(app);
    let mut stored: BTreeMap<String, i64> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut cases = 0;
    for (file, group) in groups() {
        let mut names = std::collections::BTreeSet::new();
        for case in &group.cases {
            assert!(names.insert(&case.name), "{file}: {} twice", case.name);
            cases += 1;
            let started = Instant::now();
            let res = send(&world, case).await;
            let took = started.elapsed();
            let what = format!("{file} {}", case.name);
            if took > Duration::from_secs(20) {
                failures.push(format!("{what}: took {took:?}"));
            }
            assert!(res.status < 500, "{what}: {} {}", res.status, res.text);
            let e = case.expected();
            match (&e.stored_or_refused, e.status) {
                (Some(table), None) => {
                    eprintln!("{what}: {} {}", res.status, res.code());
                    if res.status == 201 {
                        *stored.entry(table.clone()).or_default() += 1;
                        let same = res.body["same_pages"].as_array().map(Vec::len);
                        if e.same_pages.is_some_and(|n| same != Some(n)) {
                            failures.push(format!("{what}: the same page as {same:?} pages"));
                        }
                        if let Some((w, h)) = e.upright {
                            let size = (res.body["width"].as_u64(), res.body["height"].as_u64());
                            if size != (Some(w.into()), Some(h.into())) {
                                failures.push(format!("{what}: stored as {size:?}"));
                            }
                        }
                    } else if !(400..500).contains(&res.status) || res.code().is_empty() {
                        failures.push(format!("{what}: {} {}", res.status, res.text));
                    }
                }
                (None, Some(status)) => {
                    let code = e.code.as_deref().expect("a code with the status");
                    if (res.status, res.code()) != (status, code) {
                        failures.push(format!(
                            "{what}: expected {status} {code}, got {} {}",
                            res.status,
                            res.text.chars().take(300).collect::<String>()
                        ));
                    }
                }
                _ => panic!("{what}: expect either status and code or stored_or_refused"),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let mut expected = before.clone();
    for (table, n) in &stored {
        *expected.get_mut(table.as_str()).expect("a counted table") += n;
    }
    let pages = stored.get("pages").copied().unwrap_or(0);
    assert_eq!(
        counts(app),
        expected,
        "only the accepted cases stored anything"
    );
    if uses_files() {
        assert_eq!(
            blobs_on_disk(app),
            blobs + 2 * pages as usize,
            "a page and a thumbnail per stored page, nothing else"
        );
    }
    eprintln!("{cases} corpus cases, {pages} pages stored");
    app.get("/readyz").send().await.expect_status(200);
    app.get("/healthz").send().await.expect_status(200);
}

/// Sets a field given as `name` or `name.0` (the first item of a list).
fn set_field(body: &mut Value, field: &str, value: &str) {
    match field.split_once('.') {
        Some((name, _)) => body[name] = json!([value]),
        None => body[field] = json!(value),
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn injection_strings_are_refused_or_stored_verbatim() {
    let text = std::fs::read_to_string(corpus_dir().join("injection.json")).expect("read");
    let corpus: Injection = serde_json::from_str(&text).expect("injection.json");
    let world = World::new(spawn_demo_app().await).await;
    let app = &world.app;
    let before = counts(app);
    let mut accepted: BTreeMap<String, i64> = BTreeMap::new();
    let mut read_back = 0;
    let mut requests = 0;
    for target in &corpus.bodies {
        for field in &target.fields {
            for s in &corpus.strings {
                let mut body = world.base(&target.base);
                set_field(&mut body, field, s);
                let method = Method::from_bytes(target.method.as_bytes()).unwrap();
                let mut call = app.call(method, &world.expand(&target.path));
                if let Some(token) = world.token(&target.caller) {
                    call = call.token(token);
                }
                let res = call.json(body.clone()).send().await;
                requests += 1;
                let what = format!("{} {} {field}={s:?}", target.method, target.path);
                match res.status {
                    200..=299 => {
                        let table = target.stores.clone().expect("a table for accepted bodies");
                        *accepted.entry(table).or_default() += 1;
                        if let Some(path) = &target.read_back {
                            let id = body["id"].as_str().expect("an id");
                            let got = app
                                .get(&path.replace("{id}", id))
                                .token(world.token(&target.caller).expect("a caller"))
                                .send()
                                .await
                                .expect_status(200);
                            assert_eq!(got.body[field.as_str()], json!(s), "{what}");
                            read_back += 1;
                        }
                    }
                    400..=499 => assert!(!res.code().is_empty(), "{what}: {}", res.text),
                    other => panic!("{what}: {other} {}", res.text),
                }
            }
        }
    }
    let principal = world.token("principal").unwrap();
    for template in &corpus.paths {
        let (method, path) = template.split_once(' ').expect("METHOD path");
        for s in &corpus.strings {
            let path = path.replace("{s}", &encode(s));
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let res = app.call(method, &path).token(principal).send().await;
            requests += 1;
            assert!(
                res.status < 300 || !res.code().is_empty(),
                "{template} {s:?}: {} {}",
                res.status,
                res.text
            );
            assert!(res.status < 500, "{template} {s:?}: {}", res.text);
        }
    }
    // Every table is still there, with the accepted rows and no others.
    let after = counts(app);
    for table in ["observations", "documents", "districts", "pages", "rubrics"] {
        let n = accepted.get(table).copied().unwrap_or(0);
        assert_eq!(after[table], before[table] + n, "{table}");
    }
    assert_eq!(
        after["users"],
        before["users"] + accepted.get("users").copied().unwrap_or(0)
    );
    assert!(read_back >= 20, "only {read_back} records read back");
    eprintln!("{requests} injection requests, {accepted:?} accepted, {read_back} read back");
    app.get("/readyz").send().await.expect_status(200);
}

// ------------------------------------------------------------------ generated images

/// The files the corpus uploads, made here so that nothing binary is kept in the repository.
fn corpus_jpeg(page: image::RgbImage, quality: u8) -> Vec<u8> {
    testimages::jpeg(&image::DynamicImage::ImageRgb8(page), quality)
}

fn image(name: &str) -> Vec<u8> {
    let page = || testimages::page_jpeg(3, 600, 400, 80);
    match name {
        workbook if workbook.starts_with("workbook_") => crate::imports::hostile_workbook(workbook),
        "page" => page(),
        "empty" => Vec::new(),
        "text" => testimages::text_file(),
        "svg" => {
            br#"<svg xmlns="http://www.w3.org/2000/svg" width="99999" height="99999"/>"#.to_vec()
        }
        "gif" => b"GIF89a\xff\xff\xff\xff\x00\x00\x00;".to_vec(),
        "truncated_jpeg" => testimages::truncated_jpeg(),
        "png_dimension_bomb" => testimages::png_bomb_header(100_000, 100_000),
        // 20000×20000 RGB claimed, and a zlib stream that really inflates to 64 MiB.
        "png_zlib_bomb" => png(20_000, 20_000, &[(b"IDAT", zlib_zeros(64 << 20))]),
        // 1000×1000 RGB needs 3 MB; the stream goes on to 256 MiB.
        "png_overlong_zlib_stream" => png(1000, 1000, &[(b"IDAT", zlib_zeros(256 << 20))]),
        // A 64×64 picture whose ICC profile inflates to 256 MiB.
        "png_iccp_bomb" => {
            let mut iccp = b"icc\0\0".to_vec();
            iccp.extend(zlib_zeros(256 << 20));
            let idat = zlib_zeros(64 * (64 * 3 + 1));
            png(64, 64, &[(b"iCCP", iccp), (b"IDAT", idat)])
        }
        "png_zero_width" => testimages::png_bomb_header(0, 100),
        "heic_fake" => testimages::fake_heic(),
        // Pages made to collide in the index of prints (copies.json).
        "blank_page" => corpus_jpeg(corpus::blank_page(), 88),
        "blank_page_again" => corpus_jpeg(corpus::blank_page(), 55),
        "ruled_page" => corpus_jpeg(corpus::ruled_page(), 88),
        "ruled_page_again" => corpus_jpeg(corpus::ruled_page(), 55),
        "empty_form" => corpus_jpeg(corpus::form_page(), 88),
        "noise_page" => corpus_jpeg(corpus::noise_page(1), 88),
        "other_noise_page" => corpus_jpeg(corpus::noise_page(2), 88),
        "heic_truncated" => {
            let whole = testimages::heic_page();
            whole[..whole.len() / 2].to_vec()
        }
        // Past libheif's own limit (32768 a side), and within it but past the 40 megapixels.
        "heic_dimension_bomb" => testimages::heic_with_size(100_000, 100_000),
        "heic_over_the_pixel_cap" => testimages::heic_with_size(8_000, 8_000),
        "heic_zero_width" => testimages::heic_with_size(0, 800),
        // AVIF: HEIF with AV1 pictures, not a camera's photo.
        "avif_brand" => {
            let mut avif = testimages::heic_page().to_vec();
            avif[8..12].copy_from_slice(b"avif");
            avif
        }
        "webp_dimension_bomb" => webp_vp8l(16_000, 16_000),
        "webp_vp8x_bomb" => webp_vp8x(1 << 24, 1 << 24),
        "jpeg_dimension_bomb" => jpeg_size(&page(), 65_500, 65_500),
        "jpeg_zero_height" => jpeg_size(&page(), 600, 0),
        "exif_offset_past_the_end" => with_exif(&page(), &tiff_le(0xFFFF_FF00, &[])),
        "exif_65535_entries" => {
            let mut tiff = b"II*\0".to_vec();
            tiff.extend(8u32.to_le_bytes());
            tiff.extend(0xFFFFu16.to_le_bytes());
            tiff.extend(entry(0x0112, 3, 1, [1, 0, 0, 0]));
            with_exif(&page(), &tiff)
        }
        "exif_ifd_pointing_to_itself" => {
            let mut tiff = tiff_le(8, &[entry(0x0112, 3, 1, [1, 0, 0, 0])]);
            let next = tiff.len() - 4;
            tiff[next..].copy_from_slice(&8u32.to_le_bytes());
            with_exif(&page(), &tiff)
        }
        "exif_gps_ifd_pointing_to_ifd0" => with_exif(
            &page(),
            &tiff_le(8, &[entry(0x8825, 4, 1, 8u32.to_le_bytes())]),
        ),
        "exif_orientation_9" => {
            with_exif(&page(), &tiff_le(8, &[entry(0x0112, 3, 1, [9, 0, 0, 0])]))
        }
        "exif_orientation_0" => {
            with_exif(&page(), &tiff_le(8, &[entry(0x0112, 3, 1, [0, 0, 0, 0])]))
        }
        "exif_orientation_with_a_huge_count" => with_exif(
            &page(),
            &tiff_le(
                8,
                &[entry(0x0112, 3, u32::MAX, 0xFFFF_FFF0u32.to_le_bytes())],
            ),
        ),
        "exif_truncated_header" => with_exif(&page(), b"II*"),
        "exif_unknown_byte_order" => {
            let mut tiff = tiff_le(8, &[entry(0x0112, 3, 1, [6, 0, 0, 0])]);
            tiff[..2].copy_from_slice(b"XX");
            with_exif(&page(), &tiff)
        }
        "exif_big_endian_offset_past_the_end" => {
            let mut tiff = b"MM\0*".to_vec();
            tiff.extend(0x7FFF_FFFFu32.to_be_bytes());
            with_exif(&page(), &tiff)
        }
        "exif_segment_longer_than_the_file" => {
            let jpeg = page();
            let mut out = jpeg[..2].to_vec();
            out.extend([0xFF, 0xE1, 0xFF, 0xF0]);
            out.extend(b"Exif\0\0II*\0\x08\0\0\0");
            out.extend(&jpeg[2..]);
            out
        }
        other => panic!("no generated image {other:?}"),
    }
}

/// A PNG of 8-bit RGB pixels with the given chunks between IHDR and IEND.
fn png(width: u32, height: u32, chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(png_chunk(b"IHDR", &ihdr));
    for (kind, data) in chunks {
        out.extend(png_chunk(kind, data));
    }
    out.extend(png_chunk(b"IEND", &[]));
    out
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend(kind);
    chunk.extend(data);
    let crc = crc32(&chunk[4..]);
    chunk.extend(crc.to_be_bytes());
    chunk
}

fn crc32(bytes: &[u8]) -> u32 {
    let table: Vec<u32> = (0..256u32)
        .map(|n| {
            (0..8).fold(n, |c, _| {
                if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                }
            })
        })
        .collect();
    !bytes.iter().fold(!0u32, |c, &b| {
        table[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8)
    })
}

/// A zlib stream of at least `n` zero bytes, as small as fixed Huffman codes make it: a zero,
/// then matches of 258 bytes at distance 1 (13 bits each, about 1:160).
fn zlib_zeros(n: usize) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        len: u32,
    }
    impl Bits {
        fn put(&mut self, value: u64, bits: u32) {
            self.acc |= value << self.len;
            self.len += bits;
            while self.len >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.len -= 8;
            }
        }
        /// Huffman codes go most significant bit first.
        fn code(&mut self, code: u64, bits: u32) {
            let reversed = (0..bits).fold(0, |r, i| r | (((code >> i) & 1) << (bits - 1 - i)));
            self.put(reversed, bits);
        }
    }
    let matches = n.saturating_sub(1).div_ceil(258);
    let total = 1 + 258 * matches;
    let mut bits = Bits {
        out: vec![0x78, 0x01],
        acc: 0,
        len: 0,
    };
    bits.put(1, 1); // the last block
    bits.put(1, 2); // fixed Huffman codes
    bits.code(0x30, 8); // literal 0
    for _ in 0..matches {
        bits.code(0xC5, 8); // length 258 (symbol 285)
        bits.code(0, 5); // distance 1
    }
    bits.code(0, 7); // end of block
    let mut out = bits.out;
    if bits.len > 0 {
        out.push(bits.acc as u8);
    }
    let adler = (((total % 65_521) as u32) << 16) | 1;
    out.extend(adler.to_be_bytes());
    out
}

fn riff(chunks: &[u8]) -> Vec<u8> {
    let mut out = b"RIFF".to_vec();
    out.extend(((4 + chunks.len()) as u32).to_le_bytes());
    out.extend(b"WEBP");
    out.extend(chunks);
    out
}

/// A lossless WebP header claiming `width`×`height`, then noise.
fn webp_vp8l(width: u32, height: u32) -> Vec<u8> {
    let bits = (width - 1) | ((height - 1) << 14);
    let mut data = vec![0x2F];
    data.extend(bits.to_le_bytes());
    data.extend((0..64u32).map(|i| (i * 37) as u8));
    let mut chunk = b"VP8L".to_vec();
    chunk.extend((data.len() as u32).to_le_bytes());
    chunk.extend(&data);
    if data.len() % 2 == 1 {
        chunk.push(0);
    }
    riff(&chunk)
}

/// An extended WebP whose canvas is `width`×`height`, holding a 1×1 lossless picture.
fn webp_vp8x(width: u32, height: u32) -> Vec<u8> {
    let mut chunk = b"VP8X".to_vec();
    chunk.extend(10u32.to_le_bytes());
    chunk.extend([0, 0, 0, 0]);
    chunk.extend(&(width - 1).to_le_bytes()[..3]);
    chunk.extend(&(height - 1).to_le_bytes()[..3]);
    let inner = webp_vp8l(1, 1);
    chunk.extend(&inner[12..]);
    riff(&chunk)
}

/// The JPEG with its frame header claiming `width`×`height`.
fn jpeg_size(jpeg: &[u8], width: u16, height: u16) -> Vec<u8> {
    let mut out = jpeg.to_vec();
    let sof = out
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline frame header");
    out[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    out[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    out
}

fn entry(tag: u16, kind: u16, count: u32, value: [u8; 4]) -> Vec<u8> {
    let mut e = tag.to_le_bytes().to_vec();
    e.extend(kind.to_le_bytes());
    e.extend(count.to_le_bytes());
    e.extend(value);
    e
}

/// A little-endian TIFF block whose first IFD is at `ifd0` and, when at 8, holds `entries`.
fn tiff_le(ifd0: u32, entries: &[Vec<u8>]) -> Vec<u8> {
    let mut tiff = b"II*\0".to_vec();
    tiff.extend(ifd0.to_le_bytes());
    if !entries.is_empty() {
        tiff.extend((entries.len() as u16).to_le_bytes());
        for e in entries {
            tiff.extend(e);
        }
        tiff.extend(0u32.to_le_bytes());
    }
    tiff
}

/// An EXIF APP1 segment right after SOI, where phones put it.
fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    let payload = [b"Exif\0\0".as_slice(), tiff].concat();
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(((payload.len() + 2) as u16).to_be_bytes());
    out.extend(payload);
    out.extend(&jpeg[2..]);
    out
}

// ------------------------------------------------------------------ slow and oversized bodies

/// What came back on a raw connection.
#[derive(Debug)]
struct RawAnswer {
    status: u16,
    text: String,
    /// From the end of the headers to the first byte of the answer.
    answered: Option<Duration>,
    /// From the end of the headers to the server closing the connection.
    closed: Option<Duration>,
}

/// Sends `head` (request line and headers), then each of `pieces` `gap` apart, while reading
/// the answer until the server closes the connection or `give_up` has passed.
async fn raw(address: &str, head: String, pieces: Vec<Vec<u8>>, gap: Duration) -> RawAnswer {
    let addr = address.trim_start_matches("http://").to_string();
    let give_up = Duration::from_secs(20);
    tokio::task::spawn_blocking(move || {
        use std::io::{ErrorKind, Read, Write};
        let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
        stream.write_all(head.as_bytes()).expect("send the headers");
        let started = Instant::now();
        let mut writer = stream.try_clone().expect("clone the stream");
        std::thread::spawn(move || {
            for piece in pieces {
                std::thread::sleep(gap);
                if writer.write_all(&piece).is_err() {
                    break;
                }
            }
        });
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let (mut got, mut answered, mut closed) = (Vec::new(), None, None);
        let mut buf = [0u8; 8192];
        while started.elapsed() < give_up {
            match stream.read(&mut buf) {
                Ok(0) => {
                    closed = Some(started.elapsed());
                    break;
                }
                Ok(n) => {
                    got.extend_from_slice(&buf[..n]);
                    answered.get_or_insert(started.elapsed());
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => {
                    closed = Some(started.elapsed());
                    break;
                }
            }
        }
        let text = String::from_utf8_lossy(&got).into_owned();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        RawAnswer {
            status,
            text,
            answered,
            closed,
        }
    })
    .await
    .expect("raw connection")
}

fn head(method: &str, path: &str, headers: &[(&str, String)]) -> String {
    let mut h = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n");
    for (name, value) in headers {
        h.push_str(&format!("{name}: {value}\r\n"));
    }
    h + "\r\n"
}

fn one_byte_pieces(body: &[u8]) -> Vec<Vec<u8>> {
    body.iter().map(|b| vec![*b]).collect()
}

fn chunked(pieces: &[&[u8]]) -> Vec<Vec<u8>> {
    pieces
        .iter()
        .map(|p| [format!("{:x}\r\n", p.len()).as_bytes(), p, b"\r\n"].concat())
        .collect()
}

#[tokio::test]
async fn a_body_sent_one_byte_a_second_is_answered_408_at_its_deadline() {
    let app = spawn_demo_app_with(|c| {
        c.body_timeout = Duration::from_secs(2);
        c.upload_timeout = Duration::from_secs(3);
    })
    .await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let observations = app.count("observations");
    let body = lesson(&principal.school_id(), teacher.id(), 1, 40).to_string();
    let bearer = format!("Bearer {}", principal.token);

    // A JSON body with a length, one byte a second: the one worker keeps serving others.
    let slow = tokio::spawn({
        let head = head(
            "POST",
            "/v1/observations",
            &[
                ("Authorization", bearer.clone()),
                ("Content-Type", "application/json".into()),
                ("Content-Length", body.len().to_string()),
                ("Idempotency-Key", "slow-1".into()),
            ],
        );
        let pieces = one_byte_pieces(body.as_bytes());
        let address = app.address.clone();
        async move { raw(&address, head, pieces, Duration::from_secs(1)).await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    for _ in 0..3 {
        let started = Instant::now();
        app.get("/readyz").send().await.expect_status(200);
        app.get("/v1/me")
            .token(&principal.token)
            .send()
            .await
            .expect_status(200);
        assert!(started.elapsed() < Duration::from_millis(1500));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        !slow.is_finished(),
        "the others were served while the slow body was pending"
    );
    let answer = slow.await.unwrap();
    assert_eq!(answer.status, 408, "{answer:?}");
    assert!(
        answer.text.contains("\"code\":\"request_timeout\""),
        "{answer:?}"
    );
    let answered = answer.answered.expect("an answer");
    assert!(
        answered >= Duration::from_millis(1500) && answered < Duration::from_secs(6),
        "{answer:?}"
    );
    let closed = answer.closed.expect("the connection closed");
    assert!(closed < answered + Duration::from_secs(3), "{answer:?}");

    // The same body sent in chunks, one byte a second.
    let chunks: Vec<&[u8]> = body.as_bytes().chunks(1).collect();
    let answer = raw(
        &app.address,
        head(
            "POST",
            "/v1/observations",
            &[
                ("Authorization", bearer.clone()),
                ("Content-Type", "application/json".into()),
                ("Transfer-Encoding", "chunked".into()),
            ],
        ),
        chunked(&chunks),
        Duration::from_secs(1),
    )
    .await;
    assert_eq!(answer.status, 408, "{answer:?}");
    assert!(answer.closed.is_some(), "{answer:?}");

    // A photo has its own, longer deadline.
    let doc = app
        .post("/v1/documents")
        .token(&principal.token)
        .json(new_document(&principal.school_id(), "lesson_plan"))
        .send()
        .await
        .expect_status(201);
    let jpeg = testimages::page_jpeg(1, 300, 200, 80);
    let (photo, content_type) = multipart(&[("file", Some("p.jpg"), jpeg.as_slice())]);
    let answer = raw(
        &app.address,
        head(
            "POST",
            &format!("/v1/documents/{}/pages", doc.str("id")),
            &[
                ("Authorization", bearer.clone()),
                ("Content-Type", content_type),
                ("Content-Length", photo.len().to_string()),
            ],
        ),
        one_byte_pieces(&photo[..20]),
        Duration::from_secs(1),
    )
    .await;
    assert_eq!(answer.status, 408, "{answer:?}");
    let answered = answer.answered.unwrap();
    assert!(answered >= Duration::from_millis(2500), "{answer:?}");

    // A route that reads no body answers at once, and does not wait for a slow one either.
    let answer = raw(
        &app.address,
        head(
            "POST",
            "/v1/documents/x/submit",
            &[("Transfer-Encoding", "chunked".into())],
        ),
        chunked(&[b"a", b"b", b"c", b"d", b"e", b"f", b"g", b"h"]),
        Duration::from_secs(1),
    )
    .await;
    assert_eq!(answer.status, 401, "{answer:?}");
    assert!(
        answer.answered.unwrap() < Duration::from_secs(1),
        "{answer:?}"
    );
    assert!(
        answer.closed.is_some_and(|c| c < Duration::from_secs(4)),
        "{answer:?}"
    );

    // Nothing was stored, and the 408 was not remembered for its idempotency key: the retry
    // is handled afresh.
    assert_eq!(app.count("observations"), observations);
    let retry = app
        .post("/v1/observations")
        .token(&principal.token)
        .header("Idempotency-Key", "slow-1")
        .raw(body.clone(), "application/json")
        .send()
        .await
        .expect_status(201);
    assert_eq!(retry.header("idempotent-replayed"), None);
    assert_eq!(app.count("observations"), observations + 1);
    app.get("/readyz").send().await.expect_status(200);
}

#[tokio::test]
async fn bodies_over_the_route_limit_are_refused_before_they_are_read() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let bearer = format!("Bearer {}", principal.token);
    // Declared far over the limit, and never sent: answered at once.
    let answer = raw(
        &app.address,
        head(
            "POST",
            "/v1/auth/login",
            &[
                ("Content-Type", "application/json".into()),
                ("Content-Length", "10000000000".into()),
            ],
        ),
        Vec::new(),
        Duration::ZERO,
    )
    .await;
    assert_eq!(answer.status, 413, "{answer:?}");
    assert!(answer.text.contains("\"code\":\"payload_too_large\""));
    assert!(answer.answered.unwrap() < Duration::from_secs(1));
    let doc = app
        .post("/v1/documents")
        .token(&principal.token)
        .json(new_document(&principal.school_id(), "lesson_plan"))
        .send()
        .await
        .expect_status(201);
    let answer = raw(
        &app.address,
        head(
            "POST",
            &format!("/v1/documents/{}/pages", doc.str("id")),
            &[
                ("Authorization", bearer.clone()),
                ("Content-Type", "multipart/form-data; boundary=x".into()),
                ("Content-Length", (1u64 << 30).to_string()),
            ],
        ),
        Vec::new(),
        Duration::ZERO,
    )
    .await;
    assert_eq!(answer.status, 413, "{answer:?}");
    assert!(answer.text.contains("\"code\":\"file_too_large\""));
    // Sent in chunks, with no length: cut off once past the limit.
    let big = vec![b'x'; 3000];
    let answer = raw(
        &app.address,
        head(
            "POST",
            "/v1/auth/login",
            &[
                ("Content-Type", "application/json".into()),
                ("Transfer-Encoding", "chunked".into()),
            ],
        ),
        chunked(&[
            b"{\"phone\": \"13600000000\", \"password\": \"",
            &big,
            &big,
            b"\"}",
        ]),
        Duration::from_millis(50),
    )
    .await;
    assert_eq!(answer.status, 413, "{answer:?}");
    assert!(answer.text.contains("\"code\":\"payload_too_large\""));
    assert_eq!(app.count("pages"), 0);
    app.get("/readyz").send().await.expect_status(200);
}

/// JSON as a client that escapes everything but ASCII writes it (`\uXXXX`, surrogate pairs
/// outside the BMP): the longest way to write a valid body.
fn ascii_json(value: &Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len() * 4);
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[tokio::test]
async fn the_largest_valid_bodies_fit_their_limits() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    let school = principal.school_id();
    // Three feedback fields of 5,000 characters outside the BMP: 180 KB when escaped.
    let feedback = "😀".repeat(5000);
    let mut body = lesson(&school, teacher.id(), 2, 40);
    for field in ["strengths", "suggestions", "comments"] {
        body[field] = json!(feedback);
    }
    body["topic"] = json!("😀".repeat(200));
    let text = ascii_json(&body);
    assert!(text.len() > 180_000, "{}", text.len());
    let created = app
        .post("/v1/observations")
        .token(&principal.token)
        .raw(text, "application/json")
        .send()
        .await
        .expect_status(201);
    assert_eq!(created.body["comments"], json!(feedback));
    // A rubric of 30 items with 50-character titles.
    let items: Vec<Value> = (0..30)
        .map(|i| {
            json!({
                "key": format!("item_{i}_{}", "k".repeat(30)),
                "title": "😀".repeat(50),
                "max_score": 100,
                "dimension": "teacher_ability"
            })
        })
        .collect();
    let text = ascii_json(&json!({ "items": items }));
    assert!(text.len() < 64 * 1024, "{}", text.len());
    app.put(&format!("/v1/schools/{school}/rubric"))
        .token(&principal.token)
        .raw(text, "application/json")
        .send()
        .await
        .expect_status(200);
    // A login with a password of 128 characters outside the BMP still fits 4 KiB.
    let text = ascii_json(&json!({ "phone": TEACHER_A2, "password": "😀".repeat(128) }));
    app.post("/v1/auth/login")
        .raw(text, "application/json")
        .send()
        .await
        .expect_problem(401, "invalid_credentials");
}
