//! Load: hundreds of simulated phones run the real flows against the real binary for a while;
//! afterwards no answer was a 5xx, every acknowledged write is counted back from the database,
//! and the server's peak memory stayed bounded.
//!
//! A phone's user pauses between rounds (`TINGKE_LOAD_PAUSE_MS`, 1,000 by default, each pause
//! drawn between half and one and a half of it): a person takes a second at least to tap the
//! next button, a leader minutes to write an observation. 0 makes every phone send its next
//! request the moment an answer arrives, which measures where the server saturates instead.
//!
//! `#[ignore]`d: `.ci/faults.sh` runs a short round on PostgreSQL; a longer one is
//! `TINGKE_LOAD_PHONES=300 TINGKE_LOAD_SECONDS=180 TINGKE_TEST_DATABASE_URL=… \
//!  cargo test --test api load::hundreds_of_phones -- --ignored --nocapture` (results in
//! RELIABILITY.md). `a_real_districts_morning` is issue 23's run of a generated district's
//! schools, every person on their own phone (results in `BENCHMARKS.md`, figure 12).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use reqwest::{Client, RequestBuilder};
use serde_json::{json, Value};
use tingke_api::photo::testimages;

use crate::documents::{multipart, new_document};
use crate::helpers::*;
use crate::observations::lesson;
use crate::process::*;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What every phone saw, merged.
#[derive(Default)]
struct Tally {
    requests: AtomicUsize,
    /// Requests sent again after their answer was lost.
    retries: AtomicUsize,
    server_errors: AtomicUsize,
    /// Answers other than the flow expects, with their bodies, for the failure message.
    unexpected: Mutex<Vec<String>>,
    observations: Mutex<Vec<String>>,
    documents: Mutex<Vec<String>>,
    pages: Mutex<Vec<String>>,
    latencies_ms: Mutex<Vec<u64>>,
    /// The same latencies with the kind of request they were.
    kinds: Mutex<Vec<(&'static str, u64)>>,
}

impl Tally {
    /// No 5xx, no answer the flow did not expect, and every acknowledged observation, document
    /// and page counted back from the database.
    fn assert_nothing_lost(&self, app: &TestApp) {
        let unexpected = self.unexpected.lock().unwrap();
        let server_errors: Vec<&String> =
            unexpected.iter().filter(|u| u.starts_with('5')).collect();
        assert_eq!(
            self.server_errors.load(Ordering::Relaxed),
            0,
            "{server_errors:?}"
        );
        assert!(
            unexpected.is_empty(),
            "{:?}",
            &unexpected[..unexpected.len().min(10)]
        );
        let observations = self.observations.lock().unwrap();
        let documents = self.documents.lock().unwrap();
        let pages = self.pages.lock().unwrap();
        assert!(!observations.is_empty() && !pages.is_empty());
        for (table, ids) in [
            ("observations", &*observations),
            ("documents", &*documents),
            ("pages", &*pages),
        ] {
            assert_eq!(count_back(app, table, ids), ids.len() as i64, "{table}");
        }
    }

    /// Sends `req` as a phone does: a request whose answer never came (a dropped connection,
    /// a 408) is sent again, at most three times; every write carries a client id or an
    /// Idempotency-Key, so a retry cannot make a second record. Answers the body when the
    /// status is `expected`; anything else is counted and answered as `None`.
    async fn send(&self, req: RequestBuilder, expected: &[u16]) -> Option<Value> {
        self.send_as("other", req, expected).await
    }

    /// `send`, with the latency kept under `kind` too.
    async fn send_as(
        &self,
        kind: &'static str,
        req: RequestBuilder,
        expected: &[u16],
    ) -> Option<Value> {
        let started = Instant::now();
        let mut failure = String::new();
        for _ in 0..3 {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let attempt = req.try_clone().expect("a body in memory");
            let res = match attempt.send().await {
                Ok(res) => res,
                Err(e) => {
                    self.retries.fetch_add(1, Ordering::Relaxed);
                    failure = format!("transport: {e}");
                    continue;
                }
            };
            let status = res.status().as_u16();
            let body = body_of(res).await;
            if status == 408 {
                self.retries.fetch_add(1, Ordering::Relaxed);
                failure = "408".to_string();
                continue;
            }
            let ms = started.elapsed().as_millis() as u64;
            self.latencies_ms.lock().unwrap().push(ms);
            self.kinds.lock().unwrap().push((kind, ms));
            if status >= 500 {
                self.server_errors.fetch_add(1, Ordering::Relaxed);
            }
            if expected.contains(&status) {
                return Some(serde_json::from_slice(&body).unwrap_or(Value::Null));
            }
            failure = format!("{status} {}", String::from_utf8_lossy(&body));
            break;
        }
        self.unexpected.lock().unwrap().push(failure);
        None
    }
}

struct Phone<'a> {
    client: &'a Client,
    address: &'a str,
    token: &'a str,
    tally: &'a Tally,
    /// Where the phone's last sync ended.
    cursor: Mutex<Option<String>>,
}

impl Phone<'_> {
    fn request(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.address))
            .bearer_auth(self.token)
    }

    /// Syncs from `cursor` to the end; answers the new cursor.
    async fn sync(&self, mut cursor: Option<String>) -> Option<String> {
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/sync?since={c}"),
                None => "/v1/sync".to_string(),
            };
            let page = self
                .tally
                .send_as("sync", self.request(reqwest::Method::GET, &path), &[200])
                .await?;
            cursor = page["cursor"].as_str().map(str::to_string);
            if page["has_more"] != json!(true) {
                return cursor;
            }
        }
    }

    /// A leader's round: a draft made offline, submitted, progress and sync checked.
    async fn observe(&self, world: &World, n: i64, cursor: &mut Option<String>) {
        let body = lesson(&world.school, &world.teacher_id, 2 + n % 4000, 40);
        self.record_observation("other", &body).await;
        let path = format!("/v1/quotas/progress?term_id={}", world.term_id);
        let progress = self.request(reqwest::Method::GET, &path);
        self.tally.send(progress, &[200]).await;
        *cursor = self.sync(cursor.take()).await;
    }

    /// A teacher's round: a lesson plan with one photographed page, then a sync.
    async fn photograph(&self, school: &str, photo: &[u8], cursor: &mut Option<String>) {
        self.photograph_page("other", school, photo).await;
        *cursor = self.sync(cursor.take()).await;
    }

    /// A lesson observed, recorded as a draft with its client id and submitted with an
    /// `Idempotency-Key`; its latencies kept under `kind`.
    async fn record_observation(&self, kind: &'static str, body: &Value) {
        let post = self.request(reqwest::Method::POST, "/v1/observations");
        let Some(created) = self.tally.send_as(kind, post.json(body), &[201]).await else {
            return;
        };
        let id = created["id"].as_str().unwrap_or_default().to_string();
        self.tally.observations.lock().unwrap().push(id.clone());
        let submit = self
            .request(
                reqwest::Method::POST,
                &format!("/v1/observations/{id}/submit"),
            )
            .header("idempotency-key", uuid::Uuid::new_v4().to_string());
        self.tally.send_as(kind, submit, &[200]).await;
    }

    /// A lesson plan with one photographed page; its latencies kept under `kind`.
    async fn photograph_page(&self, kind: &'static str, school: &str, photo: &[u8]) {
        let post = self.request(reqwest::Method::POST, "/v1/documents");
        let body = new_document(school, "lesson_plan");
        let Some(doc) = self.tally.send_as(kind, post.json(&body), &[201]).await else {
            return;
        };
        let id = doc["id"].as_str().unwrap_or_default().to_string();
        self.tally.documents.lock().unwrap().push(id.clone());
        let (body, content_type) = multipart(&[("file", Some("page.jpg"), photo)]);
        let upload = self
            .request(reqwest::Method::POST, &format!("/v1/documents/{id}/pages"))
            .header("idempotency-key", uuid::Uuid::new_v4().to_string())
            .header("content-type", content_type)
            .body(body);
        if let Some(page) = self.tally.send_as(kind, upload, &[201]).await {
            let page = page["id"].as_str().unwrap_or_default().to_string();
            self.tally.pages.lock().unwrap().push(page);
        }
    }
}

/// The demo school as the phones see it.
struct World {
    school: String,
    teacher_id: String,
    term_id: String,
}

async fn login(client: &Client, address: &str, phone: &str) -> Value {
    let res = client
        .post(format!("{address}/v1/auth/login"))
        .json(&json!({ "phone": phone, "password": DEMO_PASSWORD }))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 200);
    serde_json::from_slice(&body_of(res).await).unwrap()
}

/// An answer's body, a br one decoded as a phone's HTTP library does (kept as it came when it
/// does not decode).
async fn body_of(res: reqwest::Response) -> Vec<u8> {
    use std::io::Read;
    let br = res
        .headers()
        .get("content-encoding")
        .is_some_and(|e| e == "br");
    let bytes = res.bytes().await.unwrap_or_default();
    let mut plain = Vec::new();
    match br
        && brotli::Decompressor::new(&bytes[..], 4096)
            .read_to_end(&mut plain)
            .is_ok()
    {
        true => plain,
        false => bytes.to_vec(),
    }
}

/// The server's peak resident memory so far, in MB.
fn peak_rss_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

/// Rows of `table` among `ids`, straight from the database.
fn count_back(app: &TestApp, table: &str, ids: &[String]) -> i64 {
    ids.chunks(500)
        .map(|chunk| {
            let list: Vec<String> = chunk.iter().map(|id| format!("'{id}'")).collect();
            app.count(&format!("{table} WHERE id IN ({})", list.join(",")))
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "minutes of load: run by .ci/faults.sh (short) or by hand (see the module doc)"]
async fn hundreds_of_phones_lose_nothing_and_get_no_5xx() {
    let phones = setting("TINGKE_LOAD_PHONES", 200) as usize;
    let seconds = setting("TINGKE_LOAD_SECONDS", 30);
    let pause_ms = setting("TINGKE_LOAD_PAUSE_MS", 1000);
    let (config, dir, pg) = test_config();
    let port = free_port();
    let mut cmd = tingke(dir.path(), &config.database_url);
    with_storage(&mut cmd, &config.storage);
    let server = serve_with(cmd, port);
    let address = format!("http://127.0.0.1:{port}");
    wait_ready(&address).await;
    let app = attach(config, dir, pg, address.clone());
    let client = Client::builder()
        .pool_max_idle_per_host(phones)
        // Below the server's keep-alive (5 s): a connection the server is closing is not reused.
        .pool_idle_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    // One login per account; the phones of one account share it (argon2 is not under test).
    let mut leaders = Vec::new();
    for phone in [PRINCIPAL_A, VICE_PRINCIPAL_A, DEAN_A, GRADE_LEADER_A] {
        leaders.push(login(&client, &address, phone).await["access_token"].clone());
    }
    let teacher_login = login(&client, &address, TEACHER_A).await;
    let teacher_token = teacher_login["access_token"].as_str().unwrap().to_string();
    let membership = &teacher_login["user"]["memberships"][0];
    let terms: Value = client
        .get(format!(
            "{address}/v1/districts/{}/terms",
            membership["district_id"].as_str().unwrap()
        ))
        .bearer_auth(&teacher_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let world = World {
        school: membership["school_id"].as_str().unwrap().to_string(),
        teacher_id: teacher_login["user"]["id"].as_str().unwrap().to_string(),
        term_id: terms["items"][0]["id"]
            .as_str()
            .expect("a term")
            .to_string(),
    };
    let photo = testimages::page_jpeg(5, 900, 1200, 85);
    let tally = Tally::default();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let runs = (0..phones).map(|p| {
        let token = if p % 5 == 4 {
            teacher_token.clone()
        } else {
            leaders[p % 4].as_str().unwrap().to_string()
        };
        let (client, address, tally) = (&client, &address, &tally);
        let (world, photo) = (&world, &photo);
        async move {
            let phone = Phone {
                client,
                address,
                token: &token,
                tally,
                cursor: Mutex::new(None),
            };
            let mut cursor = phone.sync(None).await;
            let mut n = p as i64 * 7;
            while Instant::now() < deadline {
                n += 1;
                // Half to one and a half of the pause, spread so the phones do not march in step.
                let spread = (n as u64).wrapping_mul(2_654_435_761) % (pause_ms + 1);
                tokio::time::sleep(Duration::from_millis(pause_ms / 2 + spread)).await;
                if p % 5 == 4 {
                    phone.photograph(&world.school, photo, &mut cursor).await;
                } else {
                    phone.observe(world, n, &mut cursor).await;
                }
            }
        }
    });
    futures_util::future::join_all(runs).await;
    let elapsed = started.elapsed().as_secs_f64();
    let rss = peak_rss_mb(server.0.id());

    let requests = tally.requests.load(Ordering::Relaxed);
    let mut latencies = tally.latencies_ms.lock().unwrap().clone();
    latencies.sort_unstable();
    let p99 = latencies
        .get(latencies.len() * 99 / 100)
        .copied()
        .unwrap_or(0);
    let observations = tally.observations.lock().unwrap().clone();
    let documents = tally.documents.lock().unwrap().clone();
    let pages = tally.pages.lock().unwrap().clone();
    println!(
        "load: {phones} phones pausing ~{pause_ms} ms for {elapsed:.0} s: {requests} requests ({:.0}/s, p99 {p99} ms, \
         {} sent again), {} observations, {} documents, {} pages acknowledged; \
         server peak RSS {rss} MB",
        requests as f64 / elapsed,
        tally.retries.load(Ordering::Relaxed),
        observations.len(),
        documents.len(),
        pages.len()
    );
    tally.assert_nothing_lost(&app);
    assert!(rss < 400, "peak RSS {rss} MB");
}

// ------------------------------------------------------------------- a real school's morning

/// A person of a generated school, logged in on their phone.
struct Person {
    token: String,
    id: String,
    school: String,
    /// Any post beyond teaching: records observations.
    leader: bool,
    /// A principal, vice principal or dean: reads every teacher of the school (a grade-group
    /// leader reads their group's only).
    senior: bool,
}

/// Every person of a generated district's schools logs in (people are numbered from
/// 139 00000000 in school order, as `tingke demo --scale` makes them), a few at a time.
async fn log_everyone_in(client: &Client, address: &str, people: usize) -> Vec<Person> {
    let logins = (0..people).map(|n| async move {
        let answer = login(client, address, &format!("139{n:08}")).await;
        let membership = &answer["user"]["memberships"][0];
        let roles = membership["roles"].as_array().cloned().unwrap_or_default();
        Person {
            token: answer["access_token"].as_str().unwrap().to_string(),
            id: answer["user"]["id"].as_str().unwrap().to_string(),
            school: membership["school_id"].as_str().unwrap().to_string(),
            leader: roles.iter().any(|r| r != "teacher"),
            senior: roles.iter().any(|r| {
                ["principal", "vice_principal", "dean"].contains(&r.as_str().unwrap_or(""))
            }),
        }
    });
    futures_util::stream::iter(logins)
        .buffered(4)
        .collect()
        .await
}

/// The latencies of one kind of request, for the report.
fn p99_by_kind(latencies: &[(&'static str, u64)]) -> String {
    let mut kinds: Vec<&str> = latencies.iter().map(|(k, _)| *k).collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
        .iter()
        .map(|kind| {
            let mut ms: Vec<u64> = latencies
                .iter()
                .filter(|(k, _)| k == kind)
                .map(|(_, ms)| *ms)
                .collect();
            ms.sort_unstable();
            let at = |q: usize| ms.get(ms.len() * q / 100).copied().unwrap_or(0);
            format!("{kind} {} (p50 {} ms, p99 {} ms)", ms.len(), at(50), at(99))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl Phone<'_> {
    /// One tap of a person at 8 a.m.: mostly the next sync and their progress; a leader
    /// sometimes records a lesson observed or looks at the school's latest observations, a
    /// teacher sometimes photographs a page of a plan.
    async fn morning_tap(
        &self,
        (me, colleagues): (&Person, &[&Person]),
        (term, photo): (&str, &[u8]),
        n: u64,
    ) {
        let progress = format!("/v1/quotas/progress?term_id={term}");
        match (me.leader, n % 20) {
            (_, 0..=9) => {
                let mut cursor = None;
                std::mem::swap(&mut cursor, &mut *self.cursor.lock().unwrap());
                let next = self.sync(cursor).await;
                *self.cursor.lock().unwrap() = next;
            }
            (_, 10..=14) => {
                self.tally
                    .send_as(
                        "progress",
                        self.request(reqwest::Method::GET, &progress),
                        &[200],
                    )
                    .await;
            }
            (true, 15..=17) => {
                let teacher = colleagues[n as usize % colleagues.len()];
                let body = lesson(&me.school, &teacher.id, 2 + (n % 3000) as i64, 40);
                self.record_observation("observe", &body).await;
            }
            (true, _) => {
                let teacher = colleagues[n as usize % colleagues.len()];
                let mut paths = vec![format!("/v1/observations?school_id={}&limit=20", me.school)];
                if me.senior {
                    paths.push(format!("{progress}&user_id={}", teacher.id));
                }
                for path in paths {
                    let get = self.request(reqwest::Method::GET, &path);
                    self.tally.send_as("leader reads", get, &[200]).await;
                }
            }
            (false, 15..=18) => {
                let get = self.request(reqwest::Method::GET, "/v1/observations?limit=20");
                self.tally.send_as("teacher reads", get, &[200]).await;
            }
            (false, _) => self.photograph_page("photograph", &me.school, photo).await,
        }
    }
}

/// Issue 23's load run: a generated district's schools (`TINGKE_LOAD_SCALE`, 0.015: three
/// schools of 100 people, each with a principal, two vice principals, two deans, six grade
/// leaders and 89 teachers, and a school year of their work), every person on their own phone
/// with compression on. After a first sync (last night's), each phone taps at a person's pace
/// (`TINGKE_LOAD_PAUSE_MS`, 5,000 by default: a tap every 2.5 to 7.5 s) for
/// `TINGKE_LOAD_SECONDS`: next syncs, progress, observations recorded, plans photographed.
/// Asserts no 5xx and every acknowledged write counted back; prints p99 per kind (a benchmark:
/// the figure is in `BENCHMARKS.md`, not an assertion). Run with the release binary:
/// `TINGKE_TEST_BINARY=target/release/tingke TINGKE_TEST_DATABASE_URL=… cargo test --test api
///  load::a_real_districts_morning -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "minutes of load on a generated district: run by hand (see the doc)"]
async fn a_real_districts_morning() {
    let scale = std::env::var("TINGKE_LOAD_SCALE").unwrap_or_else(|_| "0.015".into());
    let seconds = setting("TINGKE_LOAD_SECONDS", 120);
    let pause_ms = setting("TINGKE_LOAD_PAUSE_MS", 5000);
    let (config, dir, pg) = test_config();
    let generated = tingke(dir.path(), &config.database_url)
        .args(["demo", "--scale", &scale])
        .output()
        .expect("tingke demo --scale");
    let summary = String::from_utf8_lossy(&generated.stdout).to_string();
    assert!(generated.status.success(), "{summary}");
    let field = |name: &str| {
        summary
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .expect(name)
            .to_string()
    };
    let term = field("term_id");
    let people: usize = summary
        .split(" teachers")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the number of teachers in the summary");
    let port = free_port();
    let mut cmd = tingke(dir.path(), &config.database_url);
    with_storage(&mut cmd, &config.storage);
    let server = Server(
        cmd.arg("serve")
            .env("TINGKE_BIND", format!("127.0.0.1:{port}"))
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start tingke"),
    );
    let address = format!("http://127.0.0.1:{port}");
    wait_ready(&address).await;
    let app = attach(config, dir, pg, address.clone());
    let client = Client::builder()
        .pool_max_idle_per_host(people)
        .pool_idle_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(60))
        .default_headers(reqwest::header::HeaderMap::from_iter([(
            reqwest::header::ACCEPT_ENCODING,
            reqwest::header::HeaderValue::from_static("br"),
        )]))
        .build()
        .unwrap();
    let everyone = log_everyone_in(&client, &address, people).await;
    // A cheap camera's page, the same for every phone.
    let photo = testimages::page_jpeg(36, 900, 1200, 85);
    let tally = Tally::default();
    let phones: Vec<Phone> = everyone
        .iter()
        .map(|p| Phone {
            client: &client,
            address: &address,
            token: &p.token,
            tally: &tally,
            cursor: Mutex::new(None),
        })
        .collect();
    // Last night's sync, a few phones at a time: not measured.
    let warm = Instant::now();
    let nights = phones.iter().map(|phone| async move {
        let cursor = phone.sync(None).await;
        *phone.cursor.lock().unwrap() = cursor;
    });
    futures_util::stream::iter(nights)
        .buffer_unordered(8)
        .collect::<Vec<()>>()
        .await;
    println!(
        "{people} people logged in and synced their school year in {:.0} s",
        warm.elapsed().as_secs_f64()
    );
    tally.latencies_ms.lock().unwrap().clear();
    tally.kinds.lock().unwrap().clear();
    let requests_before = tally.requests.load(Ordering::Relaxed);

    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mornings = phones
        .iter()
        .zip(&everyone)
        .enumerate()
        .map(|(i, (phone, me))| {
            let colleagues: Vec<&Person> = everyone
                .iter()
                .filter(|p| p.school == me.school && !p.leader)
                .collect();
            let (term, photo) = (&term, &photo);
            async move {
                let mut n = i as u64 * 7;
                while Instant::now() < deadline {
                    n += 1;
                    let spread = n.wrapping_mul(2_654_435_761) % (pause_ms + 1);
                    tokio::time::sleep(Duration::from_millis(pause_ms / 2 + spread)).await;
                    phone.morning_tap((me, &colleagues), (term, photo), n).await;
                }
            }
        });
    futures_util::future::join_all(mornings).await;
    let elapsed = started.elapsed().as_secs_f64();
    let rss = peak_rss_mb(server.0.id());
    let requests = tally.requests.load(Ordering::Relaxed) - requests_before;
    let mut latencies = tally.latencies_ms.lock().unwrap().clone();
    latencies.sort_unstable();
    let at = |q: usize| {
        latencies
            .get(latencies.len() * q / 100)
            .copied()
            .unwrap_or(0)
    };
    println!(
        "a district's morning: {people} phones tapping every ~{pause_ms} ms for {elapsed:.0} s: \
         {requests} requests ({:.0}/s), p50 {} ms, p99 {} ms, {} 5xx, {} sent again; by kind: {}; \
         server peak RSS {rss} MB",
        requests as f64 / elapsed,
        at(50),
        at(99),
        tally.server_errors.load(Ordering::Relaxed),
        tally.retries.load(Ordering::Relaxed),
        p99_by_kind(&tally.kinds.lock().unwrap()),
    );
    tally.assert_nothing_lost(&app);
}
