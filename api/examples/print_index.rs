//! The district's index of page prints at scale 1 (BENCHMARKS.md figure 14): how long finding
//! the candidates for one upload takes among 200,000 pages, on SQLite and PostgreSQL, and how
//! often the page photographed again is among them.
//!
//! ```sh
//! cargo run --release -p tingke-api --example print_index -- /tmp/print-index.db
//! cargo run --release -p tingke-api --example print_index -- postgres://postgres@127.0.0.1:5432/print_index
//! ```
//! (`--pages N`, default 200000; `--real N` corpus pages, default 60; `--combos N` pairs of
//! changes a page besides the single ones, default 0, as figure 13 takes them. A database
//! already filled by an earlier run is reused: drop it to fill it again.)
//!
//! The index holds the real prints of `real` pages of the corpus's held-out part (pages 301 on,
//! never looked at while the keys were chosen) and, for the rest, pages made from the keys of
//! corpus pages 1..=300: a made-up page takes as many keys as a real page has, each a key drawn
//! from all 300 pages' keys with three of its bits flipped — the statistics of handwriting's
//! corners (a common kind of corner stays common) without ever repeating a real page's keys.
//! The queries are the corpus's retakes of the real pages under every single change; each is
//! timed through `tingke_models::copies::candidates`, the upload's own lookup.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tingke_api::photo::corpus::{self, Change, Retake};
use tingke_api::photo::likeness::Print;
use tingke_api::photo::{process, testimages, Limits};
use tingke_models::db::PoolOptions;
use tingke_models::{copies, Db, DbConn};

const DISTRICT: &str = "bench-district";
/// The first page of the corpus's held-out part (BENCHMARKS.md figure 13): the real pages
/// looked up are never among those the index's keys were chosen on (pages 1–30).
const HELD_OUT: u64 = 301;

struct Args {
    url: String,
    pages: usize,
    real: u64,
    combos: u64,
}

fn args() -> Args {
    let mut a = Args {
        url: "/tmp/print-index.db".into(),
        pages: 200_000,
        real: 60,
        combos: 0,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        match argv[i].as_str() {
            "--pages" => a.pages = argv[i + 1].parse().expect("a number of pages"),
            "--real" => a.real = argv[i + 1].parse().expect("a number of pages"),
            "--combos" => a.combos = argv[i + 1].parse().expect("a number of pairs"),
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

/// The print and the half-step print the upload looks a page up with.
fn prints_of(jpeg: &[u8]) -> (Print, Print) {
    let p = process(jpeg, &Limits::default()).expect("a photo");
    (p.print, p.half_step)
}

/// `make`'s prints, kept in `/tmp/print-index-corpus/` between runs.
fn kept(name: &str, make: impl FnOnce() -> (Print, Print)) -> (Print, Print) {
    let dir = std::path::Path::new("/tmp/print-index-corpus");
    let read = |suffix: &str| {
        std::fs::read(dir.join(format!("{name}.{suffix}")))
            .ok()
            .and_then(|b| Print::from_bytes(&b))
    };
    if let (Some(a), Some(b)) = (read("print"), read("half")) {
        return (a, b);
    }
    let made = make();
    std::fs::create_dir_all(dir).expect("a folder in /tmp");
    std::fs::write(dir.join(format!("{name}.print")), made.0.to_bytes()).expect("written");
    std::fs::write(dir.join(format!("{name}.half")), made.1.to_bytes()).expect("written");
    made
}

/// The real pages' prints and, for each, its retakes under every single change (then pairs).
type Retakes = Vec<(Vec<Change>, (Print, Print))>;

fn corpus_prints(real: u64, combos: u64) -> Vec<(Print, Retakes)> {
    on_two_threads(HELD_OUT..=HELD_OUT + real - 1, |seed| {
        let page = corpus::page(seed);
        let scanned = testimages::jpeg(&image::DynamicImage::ImageRgb8(page.clone()), 88);
        let original = kept(&format!("{seed}"), || prints_of(&scanned)).0;
        let mut retakes: Retakes = Change::ALL
            .iter()
            .enumerate()
            .map(|(k, &c)| {
                let retake = Retake::new(&[c], seed * 1000 + k as u64);
                let name = format!("{seed}-{k}");
                (
                    vec![c],
                    kept(&name, || prints_of(&retake.photograph(&page))),
                )
            })
            .collect();
        for (k, pair) in corpus::pairs(seed, combos as usize).into_iter().enumerate() {
            let retake = Retake::new(&pair, seed * 1000 + 100 + k as u64);
            let name = format!("{seed}-pair-{k}");
            retakes.push((pair, kept(&name, || prints_of(&retake.photograph(&page)))));
        }
        (original, retakes)
    })
}

/// The prints of corpus pages 1..=count as scanned.
fn originals(count: u64) -> Vec<Print> {
    on_two_threads(1..=count, |seed| {
        let page = image::DynamicImage::ImageRgb8(corpus::page(seed));
        kept(&format!("{seed}"), || {
            prints_of(&testimages::jpeg(&page, 88))
        })
        .0
    })
}

/// `work` of `seeds`, on two threads, in order.
fn on_two_threads<T: Send>(
    seeds: std::ops::RangeInclusive<u64>,
    work: impl Fn(u64) -> T + Sync,
) -> Vec<T> {
    let seeds: Vec<u64> = seeds.collect();
    let work = &work;
    std::thread::scope(|s| {
        let workers: Vec<_> = seeds
            .chunks(seeds.len().div_ceil(2))
            .map(|part| s.spawn(move || part.iter().map(|&seed| work(seed)).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a worker"))
            .collect()
    })
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

/// `count` keys drawn from `pool`, each with three of its bits flipped.
fn made_up(pool: &[u32], count: usize, rng: &mut Rng) -> Vec<u32> {
    let mut keys: Vec<u32> = (0..count)
        .map(|_| {
            let mut k = pool[(rng.next() % pool.len() as u64) as usize];
            let mut flipped = 0u32;
            while flipped.count_ones() < 3 {
                flipped |= 1 << (rng.next() % u64::from(copies::KEY_LEN));
            }
            k ^= flipped;
            k
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
fn fill(db: &Db, real: &[Vec<u32>], pool: &[u32], pages: usize) {
    let started = Instant::now();
    let mut rows: Vec<(i64, u32)> = Vec::new();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for n in 0..pages {
        let keys = match real.get(n) {
            Some(keys) => keys.clone(),
            None => made_up(pool, real[n % real.len()].len(), &mut rng),
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
            let values: Vec<String> = part.iter().map(|(m, n)| format!("({m}, {n})")).collect();
            execute(
                &mut conn,
                &format!(
                    "INSERT INTO page_marks (mark, page_no) VALUES {}",
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
    let corpus = corpus_prints(a.real, a.combos);
    if !filled(&db) {
        let real: Vec<Vec<u32>> = corpus.iter().map(|(p, _)| p.keys()).collect();
        eprintln!("the keys of 300 corpus pages...");
        let pool: Vec<u32> = originals(300).iter().flat_map(|p| p.keys()).collect();
        fill(&db, &real, &pool, a.pages);
    }
    // `ROWS=12000,6000` tries other budgets of index rows per lookup.
    let budgets: Vec<i64> = std::env::var("ROWS")
        .ok()
        .map(|v| v.split(',').filter_map(|c| c.parse().ok()).collect())
        .unwrap_or_else(|| vec![copies::ROWS_READ]);
    // One pass first, untimed: the index's pages into memory, as on a server that has run.
    lookups(
        &db,
        &corpus,
        (copies::COMMON_MARK, copies::ROWS_READ),
        &a,
        false,
    );
    for rows in budgets {
        lookups(&db, &corpus, (copies::COMMON_MARK, rows), &a, true);
    }
}

fn lookups(db: &Db, corpus: &[(Print, Retakes)], within: (i32, i64), a: &Args, report: bool) {
    let mut conn = db.read_conn().expect("a connection");
    let mut times = Vec::new();
    let mut found: HashMap<Vec<Change>, (usize, usize)> = HashMap::new();
    for (n, (_, retakes)) in corpus.iter().enumerate() {
        for (change, (print, half_step)) in retakes {
            let mut marks = copies::marks(DISTRICT, &print.keys());
            marks.extend(copies::marks(DISTRICT, &half_step.keys()));
            marks.sort_unstable();
            marks.dedup();
            let started = Instant::now();
            let candidates =
                copies::candidates_within(&mut conn, &marks, within).expect("the lookup");
            times.push(started.elapsed());
            let hit = candidates.iter().any(|&(no, _)| no as usize == n);
            let tally = found.entry(change.clone()).or_default();
            tally.0 += usize::from(hit);
            tally.1 += 1;
        }
    }
    times.sort();
    if !report {
        return;
    }
    println!(
        "\n{} pages, marks held by at most {} pages, at most {} index rows: {} lookups on {}: \
         median {:?}, 95th percentile {:?}, slowest {:?}",
        a.pages,
        within.0,
        within.1,
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
        let (hit, all) = found.get(&vec![change]).copied().unwrap_or_default();
        println!("| {} | {hit}/{all} |", change.name());
    }
    let pairs: Vec<_> = found.iter().filter(|(c, _)| c.len() == 2).collect();
    if !pairs.is_empty() {
        let (hit, all) = pairs
            .iter()
            .fold((0, 0), |(h, n), (_, &(hit, all))| (h + hit, n + all));
        println!("| two changes at once | {hit}/{all} |");
        for (pair, (hit, all)) in pairs.iter().filter(|(_, &(hit, all))| hit < all) {
            let names: Vec<&str> = pair.iter().map(|c| c.name()).collect();
            println!("| … missed: {} | {hit}/{all} |", names.join(" + "));
        }
    }
}
