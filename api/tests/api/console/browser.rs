//! A real headless Chromium, driven through chromedriver (WebDriver) with fantoccini, for the
//! console's journeys. Without Chromium on the machine (or with `TINGKE_SKIP_BROWSER=1`) the
//! journeys are skipped and say so; with `TINGKE_REQUIRE_BROWSER=1` (CI) a missing browser fails
//! the run instead.
//!
//! Each step can keep a screenshot in `target/console-screenshots/<journey>/` (or
//! `$TINGKE_SCREENSHOTS/<journey>/`), so a person can look at what the journey saw.

use crate::helpers::TestApp;
use fantoccini::{elements::Element, Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, SemaphorePermit};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// How long a step may take to show what it waits for (a cold debug server on a busy machine).
const PATIENCE: Duration = Duration::from_secs(30);

/// At most two browsers at once: each is a few processes and a few hundred megabytes, and the
/// machine has two cores.
static BROWSERS: Semaphore = Semaphore::const_new(2);

pub struct Browser {
    pub client: Client,
    driver: Child,
    base: String,
    shots: PathBuf,
    step: u32,
    _permit: SemaphorePermit<'static>,
}

fn missing(journey: &str, reason: &str) -> Option<Browser> {
    if std::env::var("TINGKE_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
        panic!("TINGKE_REQUIRE_BROWSER=1 but {reason}");
    }
    // Straight to the terminal: the test harness hides what a passing test prints, and a
    // skipped journey must be seen.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED console browser journey {journey}: {reason} (install Debian's chromium and \
         chromium-driver to run it; CI always does)"
    );
    None
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn screenshot_dir(journey: &str) -> PathBuf {
    let root = std::env::var_os("TINGKE_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
            target.join("console-screenshots")
        });
    let dir = root.join(journey);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

impl Browser {
    /// A browser on `app`'s console for the journey `journey`, or `None` (skipped) without one.
    pub async fn start(app: &TestApp, journey: &str) -> Option<Browser> {
        if std::env::var("TINGKE_SKIP_BROWSER").is_ok_and(|v| v == "1") {
            return missing(journey, "TINGKE_SKIP_BROWSER=1");
        }
        if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists()
        {
            return missing(journey, "no /usr/bin/chromium or /usr/bin/chromedriver");
        }
        // Two crypto providers are linked in (ring and aws-lc): name one for fantoccini's client.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let permit = BROWSERS.acquire().await.expect("semaphore");
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let caps = json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,900", "--lang=zh-CN", "--no-first-run"],
            }
        });
        let caps = caps.as_object().cloned().expect("object");
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            match ClientBuilder::rustls()
                .expect("rustls")
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if started.elapsed() > PATIENCE => panic!("chromedriver: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Some(Browser {
            client,
            driver,
            base: app.address.clone(),
            shots: screenshot_dir(journey),
            step: 0,
            _permit: permit,
        })
    }

    /// Opens `path` (`/console/…`) and waits until its page is drawn.
    pub async fn open(&mut self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
        self.ready().await;
    }

    /// Waits until the page has drawn itself (`main[data-ready]`, set by `app.js`).
    pub async fn ready(&mut self) {
        self.find("main[data-ready='true']").await;
    }

    /// The path of the page shown now.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        url.path().to_string()
    }

    /// The first element matching `css`, waiting for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// Types `text` into the field `css` (emptied first).
    pub async fn type_in(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("click");
    }

    /// The text of `css`, once it contains `wanted` (or a failure naming what it had).
    pub async fn wait_text(&self, css: &str, wanted: &str) -> String {
        let started = Instant::now();
        loop {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(el) => el.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(wanted) {
                return text;
            }
            if started.elapsed() > PATIENCE {
                panic!("{css} never said {wanted:?}; it says {text:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page shown is `path` and drawn.
    pub async fn wait_path(&mut self, path: &str) {
        let started = Instant::now();
        while self.path().await != path {
            if started.elapsed() > PATIENCE {
                panic!("never reached {path}; at {}", self.path().await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.ready().await;
    }

    /// Logs in through the login page and waits for the page it leads to.
    pub async fn log_in(&mut self, phone: &str, password: &str) {
        self.open("/console/login").await;
        self.type_in("#login input[name=phone]", phone).await;
        self.type_in("#login input[name=password]", password).await;
        self.click("#login button[type=submit]").await;
        let started = Instant::now();
        while self.path().await == "/console/login" {
            if started.elapsed() > PATIENCE {
                let said = self.wait_text("main", "").await;
                panic!("login of {phone} stayed on the login page: {said}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.ready().await;
    }

    /// Runs `script` in the page (`arguments[0…]` are `args`) and answers its value.
    pub async fn run(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}"))
    }

    /// Keeps a screenshot of the page as it is now, numbered in the journey's order.
    pub async fn shot(&mut self, name: &str) {
        self.step += 1;
        let png = self.client.screenshot().await.expect("screenshot");
        let path = self.shots.join(format!("{:02}-{name}.png", self.step));
        std::fs::write(&path, png).expect("write screenshot");
    }

    /// What went wrong in the page so far: script errors and anything the Content-Security-Policy
    /// refused (`app.js` keeps them in `window.tingkeErrors`).
    pub async fn errors(&self) -> Vec<String> {
        let found = self.run("return window.tingkeErrors || [];", vec![]).await;
        found
            .as_array()
            .map(|a| a.iter().map(|e| e.to_string()).collect())
            .unwrap_or_default()
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
