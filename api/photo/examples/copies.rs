//! How well the same page is found photographed again, and how rarely different pages are
//! taken for each other (BENCHMARKS.md figure 13).
//!
//! ```sh
//! cargo run --release -p tingke-photo --example copies               # 300 tuning + 100 held-out
//! cargo run --release -p tingke-photo --example copies -- --pages 40 --held-out 0   # quick look
//! ```
//!
//! Every page of the corpus (`tingke_photo::corpus`) is photographed again under each single
//! change and under `--combos` random pairs of changes, each photo goes through the upload
//! pipeline (`process`), and its print is compared with the original's. False matches are
//! counted over every pair of distinct pages: originals with originals, and each retake with
//! every other page's original. Pages `1..=pages` are the tuning part; the next `held-out`
//! pages are never looked at while tuning and are reported on their own.

use std::collections::BTreeMap;
use std::time::Instant;

use tingke_photo::corpus::{self, Change, Retake};
use tingke_photo::likeness::{same_page, Print};
use tingke_photo::{process, testimages, Limits};

struct Args {
    pages: u64,
    held_out: u64,
    combos: usize,
    threads: usize,
}

fn args() -> Args {
    let mut a = Args {
        pages: 300,
        held_out: 100,
        combos: 8,
        threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for pair in argv.chunks(2) {
        let value = pair.get(1).and_then(|v| v.parse().ok()).unwrap_or_else(|| {
            eprintln!("usage: copies [--pages N] [--held-out N] [--combos N] [--threads N]");
            std::process::exit(2)
        });
        match pair[0].as_str() {
            "--pages" => a.pages = value,
            "--held-out" => a.held_out = value,
            "--combos" => a.combos = value as usize,
            "--threads" => a.threads = value as usize,
            _ => {
                eprintln!("unknown option {}", pair[0]);
                std::process::exit(2)
            }
        }
    }
    a
}

/// The print the upload pipeline records for a photo.
fn print_of(jpeg: &[u8]) -> Print {
    process(jpeg, &Limits::default())
        .expect("the corpus is valid photos")
        .print
}

/// One page's original print and its retakes: (changes, print).
struct Sheet {
    original: Print,
    retakes: Vec<(Vec<Change>, Print)>,
}

/// The retakes of page `seed`: every single change, then `combos` pairs of kinds.
fn retakes_of(seed: u64, combos: usize) -> Vec<Vec<Change>> {
    let mut all: Vec<Vec<Change>> = Change::ALL.iter().map(|c| vec![*c]).collect();
    all.extend(corpus::pairs(seed, combos));
    all
}

fn sheet(seed: u64, combos: usize) -> Sheet {
    let page = corpus::page(seed);
    let original = print_of(&testimages::jpeg(
        &image::DynamicImage::ImageRgb8(page.clone()),
        88,
    ));
    let retakes = retakes_of(seed, combos)
        .into_iter()
        .enumerate()
        .map(|(k, changes)| {
            let photo = Retake::new(&changes, seed * 1000 + k as u64).photograph(&page);
            (changes, print_of(&photo))
        })
        .collect();
    Sheet { original, retakes }
}

/// Runs `work` over `items` on `threads` threads, keeping the order.
fn parallel<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let chunk = items.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(|| part.iter().map(&work).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker panicked"))
            .collect()
    })
}

#[derive(Default)]
struct Tally {
    found: usize,
    tried: usize,
}

impl Tally {
    fn add(&mut self, found: bool) {
        self.found += usize::from(found);
        self.tried += 1;
    }

    fn rate(&self) -> f64 {
        self.found as f64 / self.tried.max(1) as f64 * 100.0
    }
}

fn name(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(" + ")
}

fn report(title: &str, sheets: &[Sheet], threads: usize) {
    let mut singles: BTreeMap<Change, Tally> = BTreeMap::new();
    let mut pairs: BTreeMap<String, Tally> = BTreeMap::new();
    let mut all_pairs = Tally::default();
    for sheet in sheets {
        for (changes, print) in &sheet.retakes {
            let found = same_page(print, &sheet.original).is_some();
            if changes.len() == 1 {
                singles.entry(changes[0]).or_default().add(found);
            } else {
                pairs.entry(name(changes)).or_default().add(found);
                all_pairs.add(found);
            }
        }
    }
    println!("\n## {title}: {} pages\n", sheets.len());
    println!("| photographed again | found | recall |");
    println!("|---|---:|---:|");
    for (change, t) in &singles {
        println!(
            "| {} | {}/{} | {:.1}% |",
            change.name(),
            t.found,
            t.tried,
            t.rate()
        );
    }
    let worst = pairs
        .iter()
        .min_by(|a, b| a.1.rate().total_cmp(&b.1.rate()))
        .map(|(n, t)| format!("{n}: {:.1}% ({}/{})", t.rate(), t.found, t.tried))
        .unwrap_or_default();
    println!(
        "| any two changes at once ({} kinds of pair) | {}/{} | {:.1}% |",
        pairs.len(),
        all_pairs.found,
        all_pairs.tried,
        all_pairs.rate()
    );
    println!("\nWorst pair: {worst}");
    let false_matches = false_matches(sheets, threads);
    println!(
        "False matches: {} in {} pairs of distinct pages ({} of originals, {} of a retake and another page)",
        false_matches.0 + false_matches.2,
        false_matches.1 + false_matches.3,
        false_matches.1,
        false_matches.3
    );
}

/// (false among originals, pairs of originals, false retake vs other original, such pairs).
fn false_matches(sheets: &[Sheet], threads: usize) -> (usize, usize, usize, usize) {
    let indices: Vec<usize> = (0..sheets.len()).collect();
    let counts = parallel(&indices, threads, |&i| {
        let mut c = (0, 0, 0, 0);
        for (j, other) in sheets.iter().enumerate() {
            if j == i {
                continue;
            }
            if j > i {
                c.1 += 1;
                if let Some(m) = same_page(&sheets[i].original, &other.original) {
                    eprintln!("false match: originals {i} and {j}: {m:?}");
                    c.0 += 1;
                }
            }
            for (changes, print) in &sheets[i].retakes {
                c.3 += 1;
                if let Some(m) = same_page(print, &other.original) {
                    eprintln!(
                        "false match: page {i} {} and page {j}: {m:?}",
                        name(changes)
                    );
                    c.2 += 1;
                }
            }
        }
        c
    });
    counts.into_iter().fold((0, 0, 0, 0), |a, c| {
        (a.0 + c.0, a.1 + c.1, a.2 + c.2, a.3 + c.3)
    })
}

/// Writes page 1 and each of its single retakes as JPEG files into `dir`, to look at.
fn save_samples(dir: &str) {
    std::fs::create_dir_all(dir).expect("a folder for the samples");
    let page = corpus::page(1);
    let original = testimages::jpeg(&image::DynamicImage::ImageRgb8(page.clone()), 88);
    std::fs::write(format!("{dir}/original.jpg"), original).expect("written");
    for (k, changes) in retakes_of(1, 4).into_iter().enumerate() {
        let photo = Retake::new(&changes, 1000 + k as u64).photograph(&page);
        std::fs::write(format!("{dir}/retake-{k:02}.jpg"), photo).expect("written");
    }
}

/// Pages made to collide: blank paper, ruled lines only, the school's form with nothing written
/// on it, pure noise. Each is compared with
/// every original of the corpus and with the others; none may match anything.
fn hostile(sheets: &[Sheet]) {
    let photo = |page: image::RgbImage| {
        print_of(&testimages::jpeg(&image::DynamicImage::ImageRgb8(page), 88))
    };
    let pages = [
        ("blank page", photo(corpus::blank_page())),
        ("ruled lines only", photo(corpus::ruled_page())),
        ("the printed form, empty", photo(corpus::form_page())),
        ("pure noise", photo(corpus::noise_page(1))),
        ("pure noise again", photo(corpus::noise_page(2))),
    ];
    println!("\n## Pages made to collide\n");
    println!(
        "| page | keypoints | matches among {} pages and each other |",
        sheets.len()
    );
    println!("|---|---:|---:|");
    for (i, (name, print)) in pages.iter().enumerate() {
        let with_corpus = sheets
            .iter()
            .filter(|s| same_page(print, &s.original).is_some())
            .count();
        let with_others = pages
            .iter()
            .enumerate()
            .filter(|(j, (_, other))| *j != i && same_page(print, other).is_some())
            .count();
        println!(
            "| {name} | {} | {} |",
            print.points.len(),
            with_corpus + with_others
        );
    }
}

/// What a print costs: taking it from a 2400 px page (the pipeline's), and comparing two.
fn timings(sheets: &[Sheet]) {
    let pages: Vec<image::DynamicImage> = (1..=10)
        .map(|seed| {
            let page = image::DynamicImage::ImageRgb8(corpus::page(seed));
            page.resize(2400, 2400, image::imageops::FilterType::Triangle)
        })
        .collect();
    let started = Instant::now();
    for page in &pages {
        std::hint::black_box(Print::of(page));
    }
    let per_print = started.elapsed() / pages.len() as u32;
    let (mut different, mut same) = (0u32, 0u32);
    let started = Instant::now();
    for (i, a) in sheets.iter().enumerate().take(40) {
        for b in sheets.iter().skip(i + 1).take(40) {
            std::hint::black_box(same_page(&a.original, &b.original));
            different += 1;
        }
    }
    let per_different = started.elapsed() / different.max(1);
    let started = Instant::now();
    for sheet in sheets.iter().take(40) {
        std::hint::black_box(same_page(&sheet.retakes[0].1, &sheet.original));
        same += 1;
    }
    let per_same = started.elapsed() / same.max(1);
    println!(
        "\nOne thread: a print of a 1697×2400 page {per_print:?}; two different pages compared \
         {per_different:?} ({different} pairs), a page and its retake {per_same:?} ({same})"
    );
}

fn main() {
    if let Ok(dir) = std::env::var("COPIES_SAMPLES") {
        return save_samples(&dir);
    }
    let a = args();
    let started = Instant::now();
    let tuning: Vec<u64> = (1..=a.pages).collect();
    let held_out: Vec<u64> = (a.pages + 1..=a.pages + a.held_out).collect();
    let build = |seeds: &[u64]| parallel(seeds, a.threads, |&s| sheet(s, a.combos));
    let tuning = build(&tuning);
    eprintln!("tuning corpus photographed in {:?}", started.elapsed());
    report("Tuning corpus", &tuning, a.threads);
    if !held_out.is_empty() {
        let held_out = build(&held_out);
        report(
            "Held-out corpus (never used for tuning)",
            &held_out,
            a.threads,
        );
    }
    hostile(&tuning);
    timings(&tuning);
    let prints: Vec<usize> = tuning.iter().map(|s| s.original.points.len()).collect();
    println!(
        "\nKeypoints per page: {}–{}; {:?} in all",
        prints.iter().min().unwrap_or(&0),
        prints.iter().max().unwrap_or(&0),
        started.elapsed()
    );
}
