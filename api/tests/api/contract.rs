//! The phone app's contract: the flows of `mobile-contract/flows/*.json` (format in
//! `mobile-contract/README.md`) replayed step by step, each against a fresh demo server, and the
//! README's table of error codes kept equal to `tingke_api::i18n::CODES`.

use crate::documents::multipart;
use crate::helpers::*;
use chrono::{DateTime, SubsecRound, Utc};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tingke_api::photo::testimages;

fn contract_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mobile-contract")
}

// ------------------------------------------------------------------------------ the format

/// One flow file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Flow {
    name: String,
    description: String,
    #[serde(default)]
    server: Server,
    steps: Vec<Step>,
}

/// Settings the flow's server starts with.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Server {
    access_token_ttl_seconds: Option<u64>,
    refresh_grace_seconds: Option<u64>,
}

/// Either a login (`login`, `phone`, optional `password`) or a request with its expectation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    note: Option<String>,
    wait_seconds: Option<f64>,
    login: Option<String>,
    phone: Option<String>,
    password: Option<String>,
    request: Option<Request>,
    expect: Option<Expect>,
    #[serde(default)]
    save: BTreeMap<String, String>,
    /// The answer holds a secret given once (a one-time password): it is never replayed, so a
    /// phone that lost it cannot have it again, and the lossy replay does not send it twice.
    #[serde(default)]
    once: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    method: String,
    path: String,
    #[serde(rename = "as")]
    as_user: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    body: Option<Value>,
    upload: Option<Upload>,
}

/// A generated photo, sent as the part `file` of a `multipart/form-data` body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Upload {
    photo: Photo,
    seed: u64,
    width: u32,
    height: u32,
    format: Option<Format>,
    index: Option<u32>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Photo {
    Page,
    PortraitWithExif,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Format {
    Jpeg,
    Png,
    Webp,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    status: u16,
    code: Option<String>,
    body: Option<Value>,
}

/// The variables a login step defines, as `<name>.<field>`.
const LOGIN_FIELDS: [&str; 5] = [
    "access_token",
    "refresh_token",
    "id",
    "school_id",
    "district_id",
];

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

// ------------------------------------------------------------------------------ placeholders

#[derive(Debug, Clone, PartialEq)]
enum Placeholder {
    /// A saved variable, plus an integer offset.
    Var(String, i64),
    /// A UUIDv7 made the first time the name is used in the flow.
    Uuid(String),
    /// A day in China Standard Time, days from the flow's start.
    Date(i64),
    /// An RFC 3339 UTC time, seconds from the flow's start.
    Time(i64),
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Hole(Placeholder),
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// `+7d`, `-90m`: a signed number and a unit among `units` (each with its length in seconds).
fn offset(s: &str, units: &[(char, i64)]) -> Option<i64> {
    let sign = match s.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let unit = s.chars().last()?;
    let (_, len) = units.iter().find(|(u, _)| *u == unit)?;
    let digits = &s[1..s.len() - 1];
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(sign * digits.parse::<i64>().ok()? * len)
}

fn placeholder(inner: &str) -> Result<Placeholder, String> {
    let bad = || format!("unknown placeholder {{{{{inner}}}}}");
    if let Some(name) = inner.strip_prefix("uuid:") {
        return is_name(name)
            .then(|| Placeholder::Uuid(name.into()))
            .ok_or_else(bad);
    }
    if let Some(rel) = inner.strip_prefix("date:") {
        if rel == "today" {
            return Ok(Placeholder::Date(0));
        }
        return offset(rel, &[('d', 1)])
            .map(Placeholder::Date)
            .ok_or_else(bad);
    }
    if let Some(rel) = inner.strip_prefix("time:") {
        if rel == "now" {
            return Ok(Placeholder::Time(0));
        }
        return offset(rel, &[('s', 1), ('m', 60), ('h', 3600), ('d', 86_400)])
            .map(Placeholder::Time)
            .ok_or_else(bad);
    }
    let (name, add) = match inner.find(['+', '-']) {
        Some(at) => {
            let n = &inner[at + 1..];
            if n.is_empty() || !n.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            let n: i64 = n.parse().map_err(|_| bad())?;
            (
                &inner[..at],
                if inner[at..].starts_with('-') { -n } else { n },
            )
        }
        None => (inner, 0),
    };
    if !is_name(name) {
        return Err(bad());
    }
    Ok(Placeholder::Var(name.into(), add))
}

/// Splits a string into text and placeholders.
fn pieces(s: &str) -> Result<Vec<Piece>, String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            out.push(Piece::Text(rest[..start].into()));
        }
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("unclosed {{{{ in {s:?}"))?;
        out.push(Piece::Hole(placeholder(&after[..end])?));
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest.into()));
    }
    Ok(out)
}

/// Every placeholder in a JSON value's strings.
fn placeholders_in(value: &Value, out: &mut Vec<Result<Placeholder, String>>) {
    match value {
        Value::String(s) => match pieces(s) {
            Ok(ps) => out.extend(ps.into_iter().filter_map(|p| match p {
                Piece::Hole(h) => Some(Ok(h)),
                Piece::Text(_) => None,
            })),
            Err(e) => out.push(Err(e)),
        },
        Value::Array(items) => items.iter().for_each(|v| placeholders_in(v, out)),
        Value::Object(map) => map.values().for_each(|v| placeholders_in(v, out)),
        _ => {}
    }
}

/// A flow's state: saved variables, the UUIDs made so far, and the moment it started.
struct Vars {
    saved: HashMap<String, Value>,
    uuids: HashMap<String, String>,
    start: DateTime<Utc>,
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Vars {
    fn new(start: DateTime<Utc>) -> Vars {
        Vars {
            saved: HashMap::new(),
            uuids: HashMap::new(),
            start: start.trunc_subsecs(0),
        }
    }

    fn value(&mut self, p: &Placeholder) -> Result<Value, String> {
        Ok(match p {
            Placeholder::Var(name, add) => {
                let v = self
                    .saved
                    .get(name)
                    .ok_or_else(|| format!("{{{{{name}}}}} is not set"))?;
                if *add == 0 {
                    v.clone()
                } else {
                    let n = v
                        .as_i64()
                        .ok_or_else(|| format!("{{{{{name}}}}} is {v}, not an integer"))?;
                    json!(n + add)
                }
            }
            Placeholder::Uuid(name) => json!(self
                .uuids
                .entry(name.clone())
                .or_insert_with(|| uuid::Uuid::now_v7().to_string())
                .clone()),
            Placeholder::Date(days) => {
                let china = self.start + chrono::Duration::hours(8);
                let day = china.date_naive() + chrono::Duration::days(*days);
                json!(day.format("%Y-%m-%d").to_string())
            }
            Placeholder::Time(secs) => {
                let at = self.start + chrono::Duration::seconds(*secs);
                json!(at.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            }
        })
    }

    /// A string with its placeholders written out.
    fn text(&mut self, s: &str) -> Result<String, String> {
        let mut out = String::new();
        for piece in pieces(s)? {
            match piece {
                Piece::Text(t) => out.push_str(&t),
                Piece::Hole(p) => out.push_str(&text_of(&self.value(&p)?)),
            }
        }
        Ok(out)
    }

    /// A JSON value with its placeholders filled in; a string that is one placeholder and
    /// nothing else takes the value's own type (a saved number stays a number).
    fn json(&mut self, v: &Value) -> Result<Value, String> {
        Ok(match v {
            Value::String(s) => match pieces(s)?.as_slice() {
                [Piece::Hole(p)] => self.value(p)?,
                _ => Value::String(self.text(s)?),
            },
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| self.json(i))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), self.json(v)?)))
                    .collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }
}

// ------------------------------------------------------------------------------ pointers, matching

/// A JSON pointer, where a segment `[key=value]` picks the first element of an array whose
/// `key` is `value`.
fn resolve<'a>(v: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(v);
    }
    let mut cur = v;
    for raw in pointer.strip_prefix('/')?.split('/') {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        cur = match cur {
            Value::Object(map) => map.get(&seg)?,
            Value::Array(items) => match seg.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                Some(sel) => {
                    let (key, want) = sel.split_once('=')?;
                    items
                        .iter()
                        .find(|i| i.get(key).is_some_and(|x| text_of(x) == want))?
                }
                None => items.get(seg.parse::<usize>().ok()?)?,
            },
            _ => return None,
        };
    }
    Some(cur)
}

/// Whether `actual` has `expected` in it: objects at the expected keys, arrays holding a
/// match for each expected element (in any order; `[]` only matches `[]`), anything else equal.
/// A key the answer leaves out matches an expected `null` or `[]`, as the app reads it: sync
/// answers are lean (they leave out nulls and empty lists).
fn matches(expected: &Value, actual: &Value, at: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(want), Value::Object(got)) => {
            for (k, w) in want {
                let here = format!("{at}/{k}");
                match got.get(k) {
                    Some(g) => matches(w, g, &here)?,
                    None if w.is_null() || w == &Value::Array(vec![]) => {}
                    None => return Err(format!("{here}: missing")),
                }
            }
            Ok(())
        }
        (Value::Array(want), Value::Array(got)) => {
            if want.is_empty() && !got.is_empty() {
                return Err(format!("{at}: expected [], got {} elements", got.len()));
            }
            for w in want {
                if !got.iter().any(|g| matches(w, g, at).is_ok()) {
                    return Err(format!("{at}: no element matches {w}"));
                }
            }
            Ok(())
        }
        (Value::Number(w), Value::Number(g)) if w.as_f64() == g.as_f64() => Ok(()),
        _ if expected == actual => Ok(()),
        _ => Err(format!(
            "{}: expected {expected}, got {actual}",
            if at.is_empty() { "/" } else { at }
        )),
    }
}

// ------------------------------------------------------------------------------ checking a file

/// Parses and checks a flow file; the flow, or every problem found.
fn load(path: &Path) -> Result<Flow, Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| vec![format!("unreadable: {e}")])?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    parse(&text, stem)
}

fn parse(text: &str, stem: &str) -> Result<Flow, Vec<String>> {
    let flow: Flow = serde_json::from_str(text).map_err(|e| vec![e.to_string()])?;
    let problems = check(&flow, stem);
    if problems.is_empty() {
        Ok(flow)
    } else {
        Err(problems)
    }
}

fn check(flow: &Flow, stem: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if flow.name != stem {
        problems.push(format!(
            "name {:?} is not the file's name {stem:?}",
            flow.name
        ));
    }
    if flow.description.trim().is_empty() {
        problems.push("the description is empty".into());
    }
    if flow.steps.is_empty() {
        problems.push("no steps".into());
    }
    if flow.server.access_token_ttl_seconds == Some(0) {
        problems.push("server.access_token_ttl_seconds must be at least 1".into());
    }
    let mut defined: HashSet<String> = HashSet::new();
    for (i, step) in flow.steps.iter().enumerate() {
        let mut say = |p: String| problems.push(format!("step {}: {p}", i + 1));
        let mut used: Vec<Result<Placeholder, String>> = Vec::new();
        let strings = |s: &str, used: &mut Vec<_>| placeholders_in(&json!(s), used);
        if let Some(w) = step.wait_seconds {
            if !(w > 0.0 && w <= 30.0) {
                say(format!("wait_seconds {w} is not within (0, 30]"));
            }
        }
        match (&step.login, &step.request) {
            (Some(name), None) => {
                if !is_name(name) || name.contains('.') {
                    say(format!("login name {name:?}: letters, digits and _ only"));
                }
                match &step.phone {
                    Some(p) => strings(p, &mut used),
                    None => say("a login needs a phone".into()),
                }
                if let Some(p) = &step.password {
                    strings(p, &mut used);
                }
                if step.expect.is_some() {
                    say("a login expects 200 and takes no expect".into());
                }
            }
            (None, Some(req)) => {
                if step.phone.is_some() || step.password.is_some() {
                    say("phone and password belong to a login step".into());
                }
                let Some(expect) = &step.expect else {
                    say("a request needs an expect".into());
                    continue;
                };
                check_request(req, expect, &mut say);
                strings(&req.path, &mut used);
                for v in req.headers.values() {
                    strings(v, &mut used);
                }
                if let Some(b) = &req.body {
                    placeholders_in(b, &mut used);
                }
                if let Some(b) = &expect.body {
                    placeholders_in(b, &mut used);
                }
                if let Some(who) = &req.as_user {
                    used.push(Ok(Placeholder::Var(format!("{who}.access_token"), 0)));
                }
            }
            _ => say("a step has either login or request".into()),
        }
        for pointer in step.save.values() {
            if let Some(header) = pointer.strip_prefix("header:") {
                if header.is_empty() {
                    say("save: header: needs a header name".into());
                }
            } else if !pointer.is_empty() && !pointer.starts_with('/') {
                say(format!(
                    "save: {pointer:?} is neither a JSON pointer nor header:NAME"
                ));
            } else {
                strings(pointer, &mut used);
            }
        }
        for p in used {
            match p {
                Ok(Placeholder::Var(name, _)) if !defined.contains(&name) => {
                    say(format!("{{{{{name}}}}} is used before it is set"))
                }
                Err(e) => say(e),
                Ok(_) => {}
            }
        }
        if let Some(name) = &step.login {
            defined.extend(LOGIN_FIELDS.iter().map(|f| format!("{name}.{f}")));
        }
        for name in step.save.keys() {
            if !is_name(name) {
                say(format!("save: {name:?} is not a variable name"));
            }
            defined.insert(name.clone());
        }
    }
    problems
}

fn check_request(req: &Request, expect: &Expect, say: &mut impl FnMut(String)) {
    if !METHODS.contains(&req.method.as_str()) {
        say(format!("method {:?} is not one of {METHODS:?}", req.method));
        return;
    }
    if !req.path.starts_with("/") {
        say(format!("path {:?} does not start with /", req.path));
        return;
    }
    if req.body.is_some() && req.upload.is_some() {
        say("a request has a body or an upload, not both".into());
    }
    if let Some(up) = &req.upload {
        if req.method != "POST" {
            say("an upload is a POST".into());
        }
        let sizes = 16..=4000;
        if !sizes.contains(&up.width) || !sizes.contains(&up.height) {
            say(format!("upload: width and height within {sizes:?}"));
        }
        if up.photo == Photo::PortraitWithExif {
            if up.width <= up.height {
                say("upload: portrait_with_exif is stored landscape: width > height".into());
            }
            if up.format.is_some_and(|f| f != Format::Jpeg) {
                say("upload: portrait_with_exif is a JPEG".into());
            }
        }
        if up.index == Some(0) {
            say("upload: index counts from 1".into());
        }
    }
    if let Some(who) = &req.as_user {
        if !is_name(who) || who.contains('.') {
            say(format!("as {who:?}: letters, digits and _ only"));
        }
    }
    // The route and the expected status must be in the spec (placeholders stand for one
    // segment each).
    let concrete = match pieces(&req.path) {
        Ok(ps) => ps
            .into_iter()
            .map(|p| match p {
                Piece::Text(t) => t,
                Piece::Hole(_) => "x".into(),
            })
            .collect::<String>(),
        Err(e) => return say(e),
    };
    let route = concrete.split('?').next().unwrap_or("");
    let Some(template) = SPEC.template_for(route) else {
        return say(format!("{} is not a path of openapi.yaml", req.path));
    };
    let op = &SPEC.doc["paths"][&template][req.method.to_lowercase()];
    if op.is_null() {
        return say(format!("{} {template} is not in openapi.yaml", req.method));
    }
    if op["responses"].get(expect.status.to_string()).is_none() {
        say(format!(
            "openapi.yaml lists no {} for {} {template}",
            expect.status, req.method
        ));
    }
    if expect.code.is_some() && expect.status < 400 {
        say("a code is expected of problems only (4xx, 5xx)".into());
    }
    let content = &op["requestBody"]["content"];
    let sent = match (&req.body, &req.upload) {
        (Some(_), _) => Some("application/json"),
        (None, Some(_)) => Some("multipart/form-data"),
        (None, None) => None,
    };
    if let Some(media) = sent.filter(|m| content.get(m).is_none()) {
        say(format!(
            "{} {template} takes no {media} body in openapi.yaml",
            req.method
        ));
    }
}

fn flow_files() -> Vec<PathBuf> {
    let dir = contract_dir().join("flows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

// ------------------------------------------------------------------------------ replaying

fn photo(up: &Upload) -> Vec<u8> {
    let (seed, w, h) = (up.seed, up.width, up.height);
    match (up.photo, up.format.unwrap_or(Format::Jpeg)) {
        (Photo::PortraitWithExif, _) => testimages::portrait_photo_with_exif(seed, w, h),
        (Photo::Page, Format::Jpeg) => testimages::page_jpeg(seed, w, h, 85),
        (Photo::Page, Format::Png) => testimages::page_png(seed, w, h),
        (Photo::Page, Format::Webp) => testimages::page_webp(seed, w, h),
    }
}

/// A login step as the request it stands for, and what it saves.
fn login_request(step: &Step, name: &str) -> (Request, Expect, BTreeMap<String, String>) {
    let request = Request {
        method: "POST".into(),
        path: "/v1/auth/login".into(),
        as_user: None,
        headers: BTreeMap::new(),
        body: Some(json!({
            "phone": step.phone.clone().unwrap_or_default(),
            "password": step.password.clone().unwrap_or_else(|| DEMO_PASSWORD.into()),
        })),
        upload: None,
    };
    let expect = Expect {
        status: 200,
        code: None,
        body: None,
    };
    let mut save = step.save.clone();
    for (field, pointer) in [
        ("access_token", "/access_token"),
        ("refresh_token", "/refresh_token"),
        ("id", "/user/id"),
    ] {
        save.insert(format!("{name}.{field}"), pointer.into());
    }
    (request, expect, save)
}

async fn run_step(
    app: &TestApp,
    vars: &mut Vars,
    request: &Request,
    expect: &Expect,
    save: &BTreeMap<String, String>,
) -> Result<Response, String> {
    let (path, res) = send(app, vars, request).await?;
    check_answer(vars, request, expect, save, &path, res)
}

/// Sends one step's request; answers the path it went to and the answer.
async fn send(
    app: &TestApp,
    vars: &mut Vars,
    request: &Request,
) -> Result<(String, Response), String> {
    let path = vars.text(&request.path)?;
    let method = Method::from_bytes(request.method.as_bytes()).map_err(|e| e.to_string())?;
    let mut call = app.call(method, &path);
    if let Some(who) = &request.as_user {
        let token = vars
            .saved
            .get(&format!("{who}.access_token"))
            .map(text_of)
            .ok_or_else(|| format!("nobody is logged in as {who:?}"))?;
        call = call.token(&token);
    }
    for (name, value) in &request.headers {
        call = call.header(name, &vars.text(value)?);
    }
    if let Some(body) = &request.body {
        call = call.json(vars.json(body)?);
    }
    if let Some(up) = &request.upload {
        let bytes = photo(up);
        let index = up.index.map(|i| i.to_string());
        let mut parts: Vec<(&str, Option<&str>, &[u8])> = vec![("file", Some("page.jpg"), &bytes)];
        if let Some(i) = &index {
            parts.push(("index", None, i.as_bytes()));
        }
        let (body, content_type) = multipart(&parts);
        call = call.raw(body, &content_type);
    }
    Ok((path, call.send().await))
}

/// Checks one answer against its step's expectation and saves what the step saves.
fn check_answer(
    vars: &mut Vars,
    request: &Request,
    expect: &Expect,
    save: &BTreeMap<String, String>,
    path: &str,
    res: Response,
) -> Result<Response, String> {
    let what = format!("{} {path} answered {}", request.method, res.status);
    let fail = |why: String| format!("{what}: {why}\nbody: {}", res.text);
    if res.status != expect.status {
        return Err(fail(format!("expected status {}", expect.status)));
    }
    if let Some(code) = &expect.code {
        if res.code() != code {
            return Err(fail(format!("expected code {code:?}")));
        }
        let ct = res.header("content-type").unwrap_or("");
        if !ct.starts_with("application/problem+json") {
            return Err(fail(format!(
                "a problem is application/problem+json, not {ct:?}"
            )));
        }
    }
    if let Some(want) = &expect.body {
        let want = vars.json(want)?;
        matches(&want, &res.body, "").map_err(|e| fail(format!("body differs at {e}")))?;
    }
    for (name, from) in save {
        let value = match from.strip_prefix("header:") {
            Some(header) => res
                .header(header)
                .map(|h| json!(h))
                .ok_or_else(|| fail(format!("no {header} header to save as {name}")))?,
            None => {
                let pointer = vars.text(from)?;
                resolve(&res.body, &pointer)
                    .cloned()
                    .ok_or_else(|| fail(format!("nothing at {pointer} to save as {name}")))?
            }
        };
        vars.saved.insert(name.clone(), value);
    }
    Ok(res)
}

/// Replays a flow against `app`; `at` says which step is running (for panics inside).
/// Whether a step changes something on the server: the phone would retry it after losing the
/// answer.
fn is_write(request: &Request) -> bool {
    request.method != "GET"
}

/// How a retried step may answer: as the first time, except that a create sent again with its
/// client id answers 200 with the record instead of 201 (see the README's retry rules).
fn retried(expect: &Expect, request: &Request) -> Expect {
    let mut expect = expect.clone();
    let has_client_id = request.body.as_ref().is_some_and(|b| b.get("id").is_some());
    if expect.status == 201 && has_client_id && request.headers.is_empty() {
        expect.status = 200;
    }
    expect
}

/// Replays a flow; with `lossy`, every write is sent once more before its checked attempt, as
/// by a phone whose first answer was lost on the way.
async fn replay(app: &TestApp, flow: &Flow, at: &Mutex<String>, lossy: bool) -> Result<(), String> {
    let mut vars = Vars::new(Utc::now());
    let count = flow.steps.len();
    for (i, step) in flow.steps.iter().enumerate() {
        let label = format!(
            "step {} of {count}{}",
            i + 1,
            step.note
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        );
        *at.lock().expect("step label") = label.clone();
        if let Some(w) = step.wait_seconds {
            tokio::time::sleep(Duration::from_secs_f64(w)).await;
        }
        let outcome = match (&step.login, &step.request, &step.expect) {
            (Some(name), _, _) => {
                let (request, expect, save) = login_request(step, name);
                run_step(app, &mut vars, &request, &expect, &save)
                    .await
                    .map(|res| {
                        // The district and school of the first memberships that name one.
                        let memberships = res.body["user"]["memberships"].as_array();
                        for field in ["district_id", "school_id"] {
                            let first = memberships
                                .and_then(|ms| ms.iter().find_map(|m| m[field].as_str()));
                            if let Some(id) = first {
                                vars.saved.insert(format!("{name}.{field}"), json!(id));
                            }
                        }
                    })
            }
            (None, Some(request), Some(expect)) if lossy && is_write(request) && !step.once => {
                let lost = send(app, &mut vars, request).await;
                let expect = retried(expect, request);
                match lost {
                    Ok(_) => run_step(app, &mut vars, request, &expect, &step.save)
                        .await
                        .map(|_| ()),
                    Err(e) => Err(e),
                }
            }
            (None, Some(request), Some(expect)) => {
                run_step(app, &mut vars, request, expect, &step.save)
                    .await
                    .map(|_| ())
            }
            _ => Err("neither a login nor a request with an expect".into()),
        };
        outcome.map_err(|e| format!("{label}: {e}"))?;
    }
    Ok(())
}

/// Starts a fresh demo server with the flow's settings and replays the flow on it.
/// The tables holding what the flows create, counted after a flow to compare runs.
const RECORDS: [&str; 8] = [
    "observations",
    "observation_corrections",
    "documents",
    "pages",
    "reviews",
    "mentorships",
    "mentorship_activities",
    "mentorship_evaluations",
];

/// Replays a flow against a fresh demo server; answers the number of records in each of
/// `RECORDS` afterwards.
async fn run_flow(flow: Flow, lossy: bool) -> Result<BTreeMap<&'static str, i64>, String> {
    let name = flow.name.clone();
    let at = Arc::new(Mutex::new(String::from("starting the server")));
    let task_at = at.clone();
    let task = tokio::spawn(async move {
        let (ttl, grace) = (
            flow.server.access_token_ttl_seconds,
            flow.server.refresh_grace_seconds,
        );
        let app = spawn_demo_app_with(|config| {
            if let Some(secs) = ttl {
                config.access_ttl = Duration::from_secs(secs);
            }
            if let Some(secs) = grace {
                config.refresh_grace = Duration::from_secs(secs);
            }
        })
        .await;
        replay(&app, &flow, &task_at, lossy).await?;
        Ok::<_, String>(RECORDS.into_iter().map(|t| (t, app.count(t))).collect())
    });
    match task.await {
        Ok(Ok(counts)) => Ok(counts),
        Ok(Err(e)) => Err(format!("flow {name}, {e}")),
        Err(e) => {
            let at = at.lock().map(|s| s.clone()).unwrap_or_default();
            let why = match e.try_into_panic() {
                Ok(payload) => payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "a panic".into()),
                Err(e) => e.to_string(),
            };
            Err(format!("flow {name}, {at}: {why}"))
        }
    }
}

// ------------------------------------------------------------------------------ the tests

#[test]
fn every_flow_file_is_well_formed() {
    let files = flow_files();
    assert!(!files.is_empty(), "no flows in mobile-contract/flows");
    let mut problems = Vec::new();
    for file in &files {
        if let Err(ps) = load(file) {
            let name = file.file_name().unwrap_or_default().to_string_lossy();
            problems.extend(ps.into_iter().map(|p| format!("{name}: {p}")));
        }
    }
    assert!(
        problems.is_empty(),
        "malformed flows:\n{}",
        problems.join("\n")
    );
}

/// Replays every flow, each on a fresh demo server, one after the other. `TINGKE_FLOW=name`
/// replays only that flow.
#[tokio::test]
async fn every_flow_replays_against_a_fresh_demo_server() {
    let only = std::env::var("TINGKE_FLOW").ok().filter(|s| !s.is_empty());
    let mut failures = Vec::new();
    let mut ran = 0;
    for file in flow_files() {
        let flow = match load(&file) {
            Ok(flow) => flow,
            Err(ps) => {
                failures.push(format!("{}: malformed: {}", file.display(), ps.join("; ")));
                continue;
            }
        };
        if only.as_ref().is_some_and(|o| *o != flow.name) {
            continue;
        }
        ran += 1;
        if let Err(e) = run_flow(flow, false).await {
            failures.push(e);
        }
    }
    assert!(ran > 0, "no flow replayed");
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// A phone that loses the answer at any step and retries ends with exactly the records it
/// meant to create: every write of every flow sent twice gives the answers and the records of
/// a clean run.
#[tokio::test]
async fn every_flow_survives_a_lost_answer_at_every_step() {
    let mut failures = Vec::new();
    for file in flow_files() {
        let (Ok(clean), Ok(lossy)) = (load(&file), load(&file)) else {
            continue; // the well-formedness test reports it
        };
        let name = clean.name.clone();
        match (run_flow(clean, false).await, run_flow(lossy, true).await) {
            (Ok(want), Ok(got)) if want == got => {}
            (Ok(want), Ok(got)) => failures.push(format!(
                "flow {name}: records after a clean run {want:?}, after retries {got:?}"
            )),
            (Err(e), _) | (_, Err(e)) => failures.push(format!("with lost answers: {e}")),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn the_flow_checker_refuses_malformed_flows() {
    let flow =
        |steps: Value| json!({ "name": "f", "description": "d", "steps": steps }).to_string();
    let login = json!({ "login": "t", "phone": "13800000005" });
    let get_me = |extra: Value| {
        let mut step = json!({
            "request": { "method": "GET", "path": "/v1/me", "as": "t" },
            "expect": { "status": 200 }
        });
        for (k, v) in extra.as_object().unwrap() {
            step[k] = v.clone();
        }
        step
    };
    assert!(parse(&flow(json!([login.clone(), get_me(json!({}))])), "f").is_ok());
    let cases = [
        (
            flow(json!([login.clone(), get_me(json!({ "expct": {} }))])),
            "unknown field",
        ),
        (
            flow(json!([login.clone(), get_me(json!({ "expect": {} }))])),
            "status",
        ),
        (
            flow(json!([get_me(json!({}))])),
            "{{t.access_token}} is used before",
        ),
        (
            flow(
                json!([login.clone(), { "request": { "method": "GET", "path": "/v1/nope" }, "expect": { "status": 200 } }]),
            ),
            "not a path of openapi.yaml",
        ),
        (
            flow(
                json!([login.clone(), { "request": { "method": "PUT", "path": "/v1/me" }, "expect": { "status": 200 } }]),
            ),
            "PUT /v1/me is not in openapi.yaml",
        ),
        (
            flow(json!([
                login.clone(),
                get_me(json!({ "expect": { "status": 418 } }))
            ])),
            "lists no 418",
        ),
        (
            flow(
                json!([login.clone(), { "request": { "method": "GET", "path": "/v1/observations/{{obs}}", "as": "t" }, "expect": { "status": 200 } }]),
            ),
            "{{obs}} is used before",
        ),
        (
            flow(
                json!([login.clone(), { "request": { "method": "GET", "path": "/v1/observations/{{uuid:}}" }, "expect": { "status": 200 } }]),
            ),
            "unknown placeholder",
        ),
        (
            flow(json!([
                login.clone(),
                get_me(json!({ "save": { "x": "id" } }))
            ])),
            "neither a JSON pointer",
        ),
        (
            flow(
                json!([login.clone(), { "request": { "method": "POST", "path": "/v1/documents/{{t.id}}/pages", "upload": { "photo": "portrait_with_exif", "seed": 1, "width": 900, "height": 1200 } }, "expect": { "status": 201 } }]),
            ),
            "width > height",
        ),
        (
            flow(
                json!([login.clone(), { "request": { "method": "POST", "path": "/v1/observations", "upload": { "photo": "page", "seed": 1, "width": 900, "height": 1200 } }, "expect": { "status": 201 } }]),
            ),
            "takes no multipart/form-data body",
        ),
        (flow(json!([{ "login": "t" }])), "needs a phone"),
        (flow(json!([])), "no steps"),
        (
            json!({ "name": "other", "description": "d", "steps": [login.clone()] }).to_string(),
            "not the file's name",
        ),
    ];
    for (text, expected) in cases {
        let problems = parse(&text, "f").err().unwrap_or_default().join("\n");
        assert!(
            problems.contains(expected),
            "{text}\nshould be refused with {expected:?}, got: {problems:?}"
        );
    }
}

#[test]
fn placeholders_pointers_and_matching_work_as_the_readme_says() {
    let start = DateTime::parse_from_rfc3339("2026-03-01T20:30:15.750Z")
        .unwrap()
        .with_timezone(&Utc);
    let mut vars = Vars::new(start);
    vars.saved.insert("done".into(), json!(4));
    vars.saved.insert("id".into(), json!("abc"));
    let filled = vars
        .json(&json!({
            "a": "{{uuid:x}}", "b": "{{uuid:x}}", "c": "{{uuid:y}}",
            "n": "{{done+1}}", "m": "{{done-4}}", "s": "n={{done}} id={{id}}",
            "today": "{{date:today}}", "week": "{{date:+7d}}",
            "t": "{{time:-2h}}", "u": "{{time:+90m}}", "now": "{{time:now}}"
        }))
        .unwrap();
    assert_eq!(filled["a"], filled["b"], "a uuid is made once per name");
    assert_ne!(filled["a"], filled["c"]);
    assert_eq!(
        uuid::Uuid::parse_str(filled["a"].as_str().unwrap())
            .unwrap()
            .get_version_num(),
        7
    );
    assert_eq!(filled["n"], json!(5));
    assert_eq!(filled["m"], json!(0));
    assert_eq!(filled["s"], "n=4 id=abc");
    assert_eq!(
        filled["today"], "2026-03-02",
        "days are China Standard Time"
    );
    assert_eq!(filled["week"], "2026-03-09");
    assert_eq!(filled["t"], "2026-03-01T18:30:15Z");
    assert_eq!(filled["u"], "2026-03-01T22:00:15Z");
    assert_eq!(filled["now"], "2026-03-01T20:30:15Z");
    assert!(vars.text("{{nope}}").is_err());
    assert!(vars.text("{{id+1}}").is_err(), "offsets need an integer");

    let body = json!({
        "items": [
            { "activity": "observations", "done": 3, "tags": ["a", "b"] },
            { "activity": "guidance", "done": 1 }
        ],
        "a/b": { "c~d": true },
        "empty": []
    });
    assert_eq!(
        resolve(&body, "/items/[activity=guidance]/done"),
        Some(&json!(1))
    );
    assert_eq!(resolve(&body, "/items/0/done"), Some(&json!(3)));
    assert_eq!(resolve(&body, "/a~1b/c~0d"), Some(&json!(true)));
    assert_eq!(resolve(&body, ""), Some(&body));
    assert_eq!(resolve(&body, "/items/[activity=nope]/done"), None);

    let ok = |want: Value| matches(&want, &body, "");
    assert!(ok(json!({ "items": [{ "activity": "guidance" }] })).is_ok());
    assert!(ok(json!({ "items": [{ "done": 1 }, { "done": 3.0 }] })).is_ok());
    assert!(ok(json!({ "items": [{ "tags": ["b"] }] })).is_ok());
    assert!(ok(json!({ "empty": [] })).is_ok());
    assert!(ok(json!({ "items": [] })).is_err(), "[] matches [] only");
    assert!(ok(json!({ "items": [{ "done": 2 }] })).is_err());
    // What a lean sync answer leaves out reads as null or an empty list, and as nothing else.
    assert!(ok(json!({ "missing": null, "gone": [] })).is_ok());
    assert!(ok(json!({ "missing": 0 })).is_err());
    assert!(ok(json!({ "missing": [1] })).is_err());
    assert_eq!(
        ok(json!({ "a/b": { "c~d": false } })).unwrap_err(),
        "/a/b/c~d: expected false, got true"
    );
}

// ------------------------------------------------------------------------------ the code table

const TABLE_BEGIN: &str = "<!-- BEGIN CODES: generated from CODES in api/src/i18n.rs, checked by api/tests/api/contract.rs -->";
const TABLE_END: &str = "<!-- END CODES -->";

/// The README's table of error codes, as `i18n::CODES` has them.
fn code_table() -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut table = String::from("| code | 中文 | English |\n|---|---|---|\n");
    for (code, zh, en) in tingke_api::i18n::CODES {
        table.push_str(&format!("| `{code}` | {} | {} |\n", cell(zh), cell(en)));
    }
    table
}

/// With `TINGKE_UPDATE_CONTRACT=1` the README's table is rewritten from the catalogue instead.
#[test]
fn the_readme_table_of_error_codes_is_the_code_catalogue() {
    let path = contract_dir().join("README.md");
    let readme = std::fs::read_to_string(&path).expect("mobile-contract/README.md");
    let (before, rest) = readme
        .split_once(TABLE_BEGIN)
        .unwrap_or_else(|| panic!("README.md has no line {TABLE_BEGIN}"));
    let (table, after) = rest
        .split_once(TABLE_END)
        .unwrap_or_else(|| panic!("README.md has no line {TABLE_END}"));
    let expected = code_table();
    if table.trim() == expected.trim() {
        return;
    }
    if std::env::var("TINGKE_UPDATE_CONTRACT").is_ok_and(|v| v == "1") {
        let updated = format!("{before}{TABLE_BEGIN}\n{expected}{TABLE_END}{after}");
        std::fs::write(&path, updated).expect("write README.md");
        return;
    }
    let have: Vec<&str> = table.trim().lines().collect();
    let want: Vec<&str> = expected.trim().lines().collect();
    let rows = |of: &[&str], not_in: &[&str]| {
        let rows: Vec<String> = of
            .iter()
            .filter(|l| !not_in.contains(l))
            .map(|l| format!("  {l}"))
            .collect();
        match rows.is_empty() {
            true => "  (none)".to_string(),
            false => rows.join("\n"),
        }
    };
    panic!(
        "mobile-contract/README.md's table of error codes differs from i18n::CODES; regenerate \
         it with TINGKE_UPDATE_CONTRACT=1 cargo test --workspace --test api contract\n\
         rows to add or change:\n{}\nrows to remove:\n{}",
        rows(&want, &have),
        rows(&have, &want),
    );
}
