//! The JSON bodies of every route that takes one, sent to the real server (SQLite, demo data)
//! running in this process over loopback HTTP, so coverage reaches the extractors, the
//! validators and the handlers behind them.
//!
//! An input is a route (first byte, an index into `body::ROUTES` without the upload; the password
//! change included, which counts wrong old passwords against the caller's login limit), a caller
//! (second byte, one of the demo logins) and the body (the rest). In a body, `$school`,
//! `$other_school`, `$district`, `$teacher`, `$term`, `$observation`, `$document`, `$mentorship`,
//! `$mentor`, `$apprentice`, `$group`, `$meeting`, `$round`, `$result`, `$notice`,
//! `$inspection`, `$event`, `$open_week`, `$membership` (the vice principal's) and `$uuid` become
//! real ids before sending, so mutations get past "no such school" into the
//! handlers' own rules.
//!
//! A finding is a panic, a 5xx, or an error answer without its stable `code`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;
use tingke_api::body::{BodyKind, ROUTES};
use tingke_api::config::Config;
use tingke_api::startup::{open_database, Application};
use tingke_api::{demo, storage};

/// Demo logins the fuzzer calls as: school A's principal, vice principal, dean, grade leader,
/// three teachers (one a mentor, one an apprentice), school B's principal, the admin.
const CALLERS: &[&str] = &[
    "13800000001",
    "13800000002",
    "13800000003",
    "13800000004",
    "13800000005",
    "13800000006",
    "13800000007",
    "13800000011",
    "13800000000",
];

struct World {
    port: u16,
    tokens: Vec<String>,
    /// `$name` → id, longest names first so `$school` does not eat `$school_…`.
    vars: Vec<(&'static str, String)>,
}

static WORLD: OnceLock<World> = OnceLock::new();
static FRESH: AtomicU64 = AtomicU64::new(1);

fuzz_target!(|data: &[u8]| {
    let world = WORLD.get_or_init(start);
    let routes: Vec<_> = ROUTES
        .iter()
        .filter(|(_, _, kind)| !matches!(kind, BodyKind::Upload | BodyKind::Workbook))
        .collect();
    // Bodies over the smallest route limit are the body-limit tests' business: here the server
    // may answer 413 and close before the body is sent.
    let [route, caller, body @ ..] = data else {
        return;
    };
    if body.len() > tingke_api::body::SMALL {
        return;
    }
    let (method, template, _) = routes[usize::from(*route) % routes.len()];
    let token = &world.tokens[usize::from(*caller) % world.tokens.len()];
    let path = world.path(template);
    let body = world.expand(body);
    if body.len() > tingke_api::body::SMALL {
        return;
    }
    let (status, answer) = world.send(method, &path, Some(token), &body);
    assert!(
        status < 500,
        "{method} {path} answered {status}: {}",
        String::from_utf8_lossy(&answer)
    );
    if status >= 400 {
        let code = serde_json::from_slice::<Value>(&answer)
            .ok()
            .and_then(|v| v["code"].as_str().map(str::to_owned));
        assert!(
            code.is_some(),
            "{method} {path} answered {status} without a code: {}",
            String::from_utf8_lossy(&answer)
        );
    }
});

/// Starts the server on a fresh SQLite database with the demo district, logs every caller in
/// and reads the ids the placeholders stand for.
fn start() -> World {
    let dir = tempfile::tempdir().expect("temp dir").keep();
    let mut config = Config::for_data_dir(&dir, None);
    // A fuzzing session outlives the default token lifetime; the per-address cap on failed
    // logins would soon shut the login route for the rest of the session.
    config.access_ttl = Duration::from_secs(30 * 86_400);
    config.login.max_failures_per_ip = i32::MAX;
    let db = open_database(&config).expect("database");
    demo::seed(&db).expect("demo data");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let store = storage::open(&config.storage).await.expect("store");
            demo::seed_documents(&db, store.as_ref())
                .await
                .expect("demo pages");
            let app = Application::build_with(config, db, store).expect("server");
            tx.send(app.port()).expect("port");
            app.run_until_stopped().await.expect("server ran");
        })
    });
    let mut world = World {
        port: rx.recv().expect("server started"),
        tokens: Vec::new(),
        vars: Vec::new(),
    };
    world.tokens = CALLERS.iter().map(|phone| world.login(phone)).collect();
    world.vars = world.ids();
    world
}

impl World {
    fn login(&self, phone: &str) -> String {
        let body = format!(
            r#"{{"phone":"{phone}","password":"{}"}}"#,
            demo::DEMO_PASSWORD
        );
        let answer = self.json("POST", "/v1/auth/login", None, body.as_bytes());
        answer["access_token"]
            .as_str()
            .expect("demo login")
            .to_owned()
    }

    fn ids(&self) -> Vec<(&'static str, String)> {
        let principal = Some(self.tokens[0].as_str());
        let other = Some(self.tokens[7].as_str());
        let me = self.json("GET", "/v1/me", principal, b"");
        let other_me = self.json("GET", "/v1/me", other, b"");
        let teacher = self.json("GET", "/v1/me", Some(self.tokens[4].as_str()), b"");
        let vice = self.json("GET", "/v1/me", Some(self.tokens[1].as_str()), b"");
        let sync = self.json("GET", "/v1/sync", principal, b"");
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let first = |kind: &str| text(&sync[kind][0]["id"]);
        let pair = &sync["mentorships"][0];
        // `$mentorship` before `$mentor`: each name is replaced in this order.
        vec![
            (
                "$other_school",
                text(&other_me["memberships"][0]["school_id"]),
            ),
            ("$observation", first("observations")),
            ("$group", first("groups")),
            ("$meeting", first("meetings")),
            ("$round", first("check_rounds")),
            ("$result", first("check_results")),
            ("$notice", first("notices")),
            ("$inspection", first("inspections")),
            ("$event", first("events")),
            ("$open_week", first("open_weeks")),
            ("$mentorship", first("mentorships")),
            ("$mentor", text(&pair["mentor_id"])),
            ("$apprentice", text(&pair["apprentice_id"])),
            ("$term", first("terms")),
            ("$district", text(&me["memberships"][0]["district_id"])),
            ("$document", first("documents")),
            ("$teacher", text(&teacher["id"])),
            ("$school", text(&me["memberships"][0]["school_id"])),
            ("$membership", text(&vice["memberships"][0]["id"])),
        ]
    }

    /// The route's path with its `{id}` filled by the id of the kind it names.
    fn path(&self, template: &str) -> String {
        let kind = template.split('/').nth(2).unwrap_or_default();
        let var = match kind {
            "districts" => "$district",
            "schools" => "$school",
            "observations" => "$observation",
            "mentorships" => "$mentorship",
            "groups" => "$group",
            "meetings" => "$meeting",
            "memberships" => "$membership",
            "terms" => "$term",
            "check-rounds" => "$round",
            "check-results" => "$result",
            "notices" => "$notice",
            "inspections" => "$inspection",
            "events" => "$event",
            "open-weeks" => "$open_week",
            // A reset (to a chosen password) ends the teacher's sessions: their later inputs
            // answer 401, which is no finding.
            "users" => "$teacher",
            _ => "$document",
        };
        template.replace("{id}", self.var(var))
    }

    fn var(&self, name: &str) -> &str {
        self.vars
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The body with its placeholders replaced; bytes that are not UTF-8 stay as they are.
    fn expand(&self, body: &[u8]) -> Vec<u8> {
        let Ok(text) = std::str::from_utf8(body) else {
            return body.to_vec();
        };
        let mut text = text.to_owned();
        for (name, value) in &self.vars {
            text = text.replace(name, value);
        }
        while text.contains("$uuid") {
            let n = FRESH.fetch_add(1, Ordering::Relaxed);
            text = text.replacen("$uuid", &format!("019a0000-0000-7000-8000-{n:012x}"), 1);
        }
        text.into_bytes()
    }

    fn json(&self, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> Value {
        let (status, answer) = self.send(method, path, token, body);
        assert!(status < 300, "{method} {path}: {status}");
        serde_json::from_slice(&answer).expect("JSON answer")
    }

    /// One request on a fresh connection; the answer's status and body.
    fn send(&self, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> (u16, Vec<u8>) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: fuzz\r\n{auth}Content-Type: application/json\r\n\
             If-Match: *\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).expect("send head");
        // The server may answer (413) and close before reading a body over the route's limit.
        let _ = stream.write_all(body);
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let text = String::from_utf8_lossy(&answer);
        let status = text
            .get(9..12)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line: {text:?}"));
        let start = text.find("\r\n\r\n").map_or(answer.len(), |i| i + 4);
        (status, answer[start..].to_vec())
    }
}
