//! How long the console's pages take to draw in a real headless Chromium, against a running
//! server (`bench/console.sh` starts one on the scale-1 district and passes the pages).
//!
//! ```sh
//! TINGKE_URL=http://127.0.0.1:8080 TINGKE_PHONE=… TINGKE_PASSWORD=… \
//!     cargo run --example console_pages -- /console /console/districts/<id>/compliance …
//! ```
//!
//! Each page is opened `TINGKE_ROUNDS` times (default 5) after one warm-up; printed per page: the
//! median and the slowest time from the start of the navigation to the page drawn with its data
//! (`main[data-ready]`, the moment `app.js` records in `data-ready-ms`), in milliseconds.

use fantoccini::{ClientBuilder, Locator};
use serde_json::json;
use std::time::Duration;

fn var(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let base = var("TINGKE_URL", "http://127.0.0.1:8080");
    let rounds: usize = var("TINGKE_ROUNDS", "5").parse()?;
    let driver = var("TINGKE_WEBDRIVER", "http://127.0.0.1:9515");
    let pages: Vec<String> = std::env::args().skip(1).collect();
    let caps = json!({ "goog:chromeOptions": {
        "binary": "/usr/bin/chromium",
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"],
    }});
    let caps = caps.as_object().cloned().unwrap_or_default();
    let client = ClientBuilder::rustls()?
        .capabilities(caps)
        .connect(&driver)
        .await?;
    log_in(&client, &base).await?;
    println!("page\tmedian_ms\tmax_ms\trounds");
    for page in &pages {
        let mut times = Vec::new();
        for round in 0..=rounds {
            let ms = draw(&client, &base, page).await?;
            if round > 0 {
                times.push(ms);
            }
        }
        times.sort_unstable();
        let median = times[times.len() / 2];
        let max = times[times.len() - 1];
        println!("{page}\t{median}\t{max}\t{rounds}");
    }
    client.close().await?;
    Ok(())
}

async fn log_in(client: &fantoccini::Client, base: &str) -> Result<(), Box<dyn std::error::Error>> {
    let phone = var("TINGKE_PHONE", "13800000000");
    let password = var("TINGKE_PASSWORD", "tingke2026");
    client.goto(&format!("{base}/console/login")).await?;
    let wait = client.wait().at_most(Duration::from_secs(30));
    wait.for_element(Locator::Css("#login input[name=phone]"))
        .await?
        .send_keys(&phone)
        .await?;
    client
        .find(Locator::Css("#login input[name=password]"))
        .await?
        .send_keys(&password)
        .await?;
    client
        .find(Locator::Css("#login button[type=submit]"))
        .await?
        .click()
        .await?;
    for _ in 0..300 {
        if client.current_url().await?.path() != "/console/login" {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("the login did not leave the login page".into())
}

/// Opens `page` and answers the milliseconds from the navigation's start to the page drawn.
async fn draw(
    client: &fantoccini::Client,
    base: &str,
    page: &str,
) -> Result<u64, Box<dyn std::error::Error>> {
    client.goto(&format!("{base}{page}")).await?;
    let main = client
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css("main[data-ready='true']"))
        .await?;
    let ms = main.attr("data-ready-ms").await?.unwrap_or_default();
    if client.find(Locator::Css("main .problem")).await.is_ok() {
        return Err(format!("{page} shows a problem").into());
    }
    Ok(ms.parse()?)
}
