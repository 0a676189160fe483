//! How the index's key bits (`likeness::KEY_BITS`) were chosen, to choose them again when the
//! descriptors or the corpus change (BENCHMARKS.md, figure 14).
//!
//! ```sh
//! cargo run --release -p tingke-photo --example key_bits
//! ```
//!
//! Pages 1–30 of the corpus's tuning part are photographed again cropped, on a desk, at an angle,
//! smaller, in shadow and blurred; the keypoints that `same_page` places on the original's are the same corners
//! photographed twice. A bit is worth a place in a key when it seldom changes between two
//! photos of one corner (its flips) for how evenly it splits corners (2p(1−p), p how often it
//! is 1): the bits are ranked by flips ÷ 2p(1−p), those 1 less than a quarter or more than
//! three quarters of the time left out, and taken best first, each less alike every bit taken
//! before (|φ| ≤ 0.25 over the originals' keypoints) until 28.

use tingke_photo::corpus::{self, Change, Retake};
use tingke_photo::likeness::{same_page, Point, Print};
use tingke_photo::{process, testimages, Limits};

/// The descriptor's 256 bits, then the wide one's 64.
const BITS: usize = 256 + 64;
const WANTED: usize = 28;

fn bit(p: &Point, i: usize) -> bool {
    let word = if i < 256 { p.bits[i / 64] } else { p.wide };
    (word >> (i % 64)) & 1 == 1
}

fn prints(jpeg: &[u8]) -> (Print, Print) {
    let p = process(jpeg, &Limits::default()).expect("a corpus photo");
    (p.print, p.half_step)
}

fn main() {
    // The changes that move a corner's pixels under the descriptor (a turn is undone by the
    // keypoint's direction; JPEG and a spread change little).
    let changes = [
        Change::Crop,
        Change::Background,
        Change::Perspective,
        Change::Scale,
        Change::Shadow,
        Change::Blur,
    ];
    let mut flips = vec![0usize; BITS];
    let mut corners: Vec<Vec<bool>> = Vec::new();
    let mut pairs = 0usize;
    for seed in 1..=30u64 {
        let page = corpus::page(seed);
        let scanned = testimages::jpeg(&image::DynamicImage::ImageRgb8(page.clone()), 88);
        let (original, _) = prints(&scanned);
        corners.extend(
            original
                .points
                .iter()
                .map(|p| (0..BITS).map(|i| bit(p, i)).collect()),
        );
        for &c in &changes {
            let k = Change::ALL.iter().position(|&x| x == c).expect("a change");
            let photo = Retake::new(&[c], seed * 1000 + k as u64).photograph(&page);
            let (print, half_step) = prints(&photo);
            for retake in [&print, &half_step] {
                let Some(likeness) = same_page(retake, &original) else {
                    continue;
                };
                for &(i, j) in &likeness.inliers {
                    let (a, b) = (&retake.points[i], &original.points[j]);
                    pairs += 1;
                    for (x, f) in flips.iter_mut().enumerate() {
                        *f += usize::from(bit(a, x) != bit(b, x));
                    }
                }
            }
        }
    }
    let n = corners.len() as f64;
    let ones: Vec<f64> = (0..BITS)
        .map(|i| corners.iter().filter(|c| c[i]).count() as f64 / n)
        .collect();
    let flip = |i: usize| flips[i] as f64 / pairs as f64;
    let worth = |i: usize| flip(i) / (2.0 * ones[i] * (1.0 - ones[i]));
    let phi = |a: usize, b: usize| {
        let both = corners.iter().filter(|c| c[a] && c[b]).count() as f64 / n;
        let (pa, pb) = (ones[a], ones[b]);
        (both - pa * pb) / (pa * (1.0 - pa) * pb * (1.0 - pb)).sqrt()
    };
    let mut ranked: Vec<usize> = (0..BITS)
        .filter(|&i| (0.25..=0.75).contains(&ones[i]))
        .collect();
    ranked.sort_by(|&a, &b| worth(a).total_cmp(&worth(b)));
    let mut chosen: Vec<usize> = Vec::new();
    for i in ranked {
        if chosen.len() == WANTED {
            break;
        }
        if chosen.iter().all(|&c| phi(c, i).abs() <= 0.25) {
            println!("bit {i:3}: flips {:.3}, 1 in {:.3}", flip(i), ones[i]);
            chosen.push(i);
        }
    }
    let mean = chosen.iter().map(|&i| flip(i)).sum::<f64>() / chosen.len() as f64;
    println!("{pairs} corners photographed twice; mean flips of the chosen {mean:.3}");
    println!("KEY_BITS = {chosen:?}");
}
