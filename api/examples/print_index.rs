//! The district's index of page prints at scale 1 (BENCHMARKS.md figure 14): how long finding
//! the candidates for one upload takes among 200,000 pages, on SQLite and PostgreSQL, and how
//! often the page photographed again is among them.
//!
//! ```sh
//! cargo run --release -p tingke-api --example print_index -- /tmp/print-index.db
//! cargo run --release -p tingke-api --example print_index -- postgres://postgres@127.0.0.1:5432/print_index
//! ```
//! (`--pages N`, default 200000; `--real N` corpus pages, default 60. A database already filled
//! by an earlier run is reused: drop it to fill it again.)
//!
//! The index holds the real prints of corpus pages 1..=real and, for the rest, pages made from
//! them: each key of a real page with each of its 24 bits flipped with probability 0.1 — a
//! different page with the key statistics of handwriting (the commonest corners stay common;
//! a flip of a tenth of the bits gives keys no real page has). The queries are the corpus's
//! retakes of the real pages under every single change; each is timed through
//! `tingke_models::copies::candidates`, the upload's own lookup.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tingke_api::photo::corpus::{self, Change, Retake};
use tingke_api::photo::likeness::Print;
use tingke_api::photo::{process, testimages, Limits};
use tingke_models::db::PoolOptions;
use tingke_models::{copies, Db, DbConn};

const DISTRICT: &str = "bench-district";

struct Args {
    url: String,
    pages: usize,
    real: u64,
}

fn args() -> Args {
    let mut a = Args {
        url: "/tmp/print-index.db".into(),
        pages: 200_000,
        real: 60,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        match argv[i].as_str() {
            "--pages" => a.pages = argv[i + 1].parse().expect("a number of pages"),
            "--real" => a.real = argv[i + 1].parse().expect("a number of pages"),
            url => {
                a.url = url.to_string();
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    a
}

fn print_of(jpeg: &[u8]) -> Print {
    process(jpeg, &Limits::default()).expect("a photo").print
}

/// The real pages' prints and, for each, its retakes under every single change.
fn corpus_prints(real: u64) -> Vec<(Print, Vec<(Change, Print)>)> {
    let seeds: Vec<u64> = (1..=real).collect();
    std::thread::scope(|s| {
        let workers: Vec<_> = seeds
            .chunks(seeds.len().div_ceil(2))
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|&seed| {
                            let page = corpus::page(seed);
                            let original = print_of(&testimages::jpeg(
                                &image::DynamicImage::ImageRgb8(page.clone()),
                                88,
                            ));
                            let retakes = Change::ALL
                                .iter()
                                .enumerate()
                                .map(|(k, &c)| {
                                    let photo =
                                        Retake::new(&[c], seed * 1000 + k as u64).photograph(&page);
                                    (c, print_of(&photo))
                                })
                                .collect();
                            (original, retakes)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a worker"))
            .collect()
    })
}

/// A page id as long as the server's (UUID text).
fn page_id(n: usize) -> String {
    format!("{n:08x}-0000-7000-8000-{n:012x}")
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Keys of a page like `real`: each bit flipped with probability 0.1.
fn made_up(real: &[u32], rng: &mut Rng) -> Vec<u32> {
    let mut keys: Vec<u32> = real
        .iter()
        .map(|&k| {
            let flips = (0..24).fold(0u32, |f, bit| {
                f | u32::from(rng.next().is_multiple_of(10)) << bit
            });
            k ^ flips
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

fn execute(conn: &mut DbConn, sql: &str) {
    use diesel::RunQueryDsl;
    diesel::sql_query(sql)
        .execute(conn)
        .expect("the statement runs");
}

/// Fills the index with `pages` pages (the first `real.len()` the real ones), in the order of
/// the marks so that both backends append to their B-trees.
fn fill(db: &Db, real: &[Vec<u32>], pages: usize) {
    let started = Instant::now();
    let mut rows: Vec<(i64, u32)> = Vec::new();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for n in 0..pages {
        let keys = match real.get(n) {
            Some(keys) => keys.clone(),
            None => made_up(&real[n % real.len()], &mut rng),
        };
        rows.extend(
            copies::marks(DISTRICT, &keys)
                .into_iter()
                .map(|m| (m, n as u32)),
        );
    }
    rows.sort_unstable();
    eprintln!("{} marks made in {:?}", rows.len(), started.elapsed());
    let mut conn = db.write_conn().expect("a connection");
    let mut counts: Vec<(i64, i32)> = Vec::new();
    for chunk in rows.chunks(200_000) {
        execute(&mut conn, "BEGIN");
        for part in chunk.chunks(1000) {
            let values: Vec<String> = part
                .iter()
                .map(|(m, n)| format!("({m}, '{}')", page_id(*n as usize)))
                .collect();
            execute(
                &mut conn,
                &format!(
                    "INSERT INTO page_marks (mark, page_id) VALUES {}",
                    values.join(",")
                ),
            );
        }
        execute(&mut conn, "COMMIT");
        for (m, _) in chunk {
            match counts.last_mut() {
                Some((last, n)) if last == m => *n += 1,
                _ => counts.push((*m, 1)),
            }
        }
    }
    execute(&mut conn, "BEGIN");
    for part in counts.chunks(1000) {
        let values: Vec<String> = part.iter().map(|(m, n)| format!("({m}, {n})")).collect();
        execute(
            &mut conn,
            &format!(
                "INSERT INTO mark_counts (mark, pages) VALUES {}",
                values.join(",")
            ),
        );
    }
    execute(&mut conn, "COMMIT");
    if db.backend() == tingke_models::db::Backend::Postgres {
        execute(&mut conn, "VACUUM ANALYZE page_marks");
        execute(&mut conn, "VACUUM ANALYZE mark_counts");
    } else {
        execute(&mut conn, "ANALYZE");
    }
    eprintln!("index filled in {:?}", started.elapsed());
}

fn filled(db: &Db) -> bool {
    use diesel::prelude::*;
    let mut conn = db.read_conn().expect("a connection");
    tingke_models::schema::mark_counts::table
        .count()
        .get_result::<i64>(&mut **conn)
        .expect("a count")
        > 0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let a = args();
    let db = Db::connect(&a.url, &PoolOptions::default()).expect("the database");
    db.migrate().expect("migrations");
    eprintln!("prints of {} corpus pages and their retakes...", a.real);
    let corpus = corpus_prints(a.real);
    if !filled(&db) {
        let real: Vec<Vec<u32>> = corpus.iter().map(|(p, _)| p.keys()).collect();
        fill(&db, &real, a.pages);
    }
    let mut conn = db.read_conn().expect("a connection");
    let mut times = Vec::new();
    let mut found: HashMap<Change, (usize, usize)> = HashMap::new();
    for (n, (_, retakes)) in corpus.iter().enumerate() {
        for (change, print) in retakes {
            let marks = copies::marks(DISTRICT, &print.keys());
            let started = Instant::now();
            let candidates = copies::candidates(&mut conn, &marks).expect("the lookup");
            times.push(started.elapsed());
            let hit = candidates.iter().any(|(id, _)| *id == page_id(n));
            let tally = found.entry(*change).or_default();
            tally.0 += usize::from(hit);
            tally.1 += 1;
        }
    }
    times.sort();
    println!(
        "\n{} pages, {} lookups on {}: median {:?}, 95th percentile {:?}, slowest {:?}",
        a.pages,
        times.len(),
        if a.url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        times.last().copied().unwrap_or_default()
    );
    println!("\n| photographed again | the page among the candidates |\n|---|---:|");
    for change in Change::ALL {
        let (hit, all) = found.get(&change).copied().unwrap_or_default();
        println!("| {} | {hit}/{all} |", change.name());
    }
}
