//! A DCT perceptual hash: pages that look alike get hashes a few bits apart.
//!
//! The image is shrunk to 32×32 gray, transformed with a 2D DCT, and the 8×8 lowest frequencies
//! are compared with their median: the coarse layout of the page, not its pixels. The DC term
//! (mean brightness) is left out, so bit 0 is always 0 and a brighter photo hashes the same.
//! Written here rather than taken from `image_hasher`, which would bring three more crates for
//! these forty lines.

use std::f64::consts::PI;

use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::DynamicImage;

/// The largest [`hamming`] distance at which two hashes count as the same page. Measured on the
/// synthetic pages of [`super::testimages`]: the same page re-encoded (quality 40 to 95), resized
/// (50–90%), brightened, darkened or with more contrast stays within 2; among 60 different pages
/// (1770 pairs) the closest two are 8 apart, and only 11 pairs are within 10. Hashes have 31 bits
/// set (above the median of 63), so distances are even: 4 sits between the two.
pub const SIMILAR_MAX_DISTANCE: u32 = 4;

/// Side of the gray square the DCT runs on.
const SIDE: usize = 32;
/// Side of the block of lowest frequencies that makes the hash.
const LOW: usize = 8;

/// The 64-bit perceptual hash of an image (0 for an image without pixels).
pub fn phash(image: &DynamicImage) -> u64 {
    if image.width() == 0 || image.height() == 0 {
        return 0;
    }
    bits_above_median(&low_frequencies(&gray_square(image)))
}

/// How many bits two hashes differ in.
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// The image as `SIDE`×`SIDE` gray pixels, each the average of the area it covers.
fn gray_square(image: &DynamicImage) -> Vec<f64> {
    let gray = DynamicImage::ImageLuma8(image.to_luma8());
    let mut square = Image::new(SIDE as u32, SIDE as u32, PixelType::U8);
    let area_average = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Box));
    Resizer::new()
        .resize(&gray, &mut square, &area_average)
        .expect("gray to gray of a fixed size is supported");
    square.buffer().iter().map(|&p| f64::from(p)).collect()
}

/// The orthonormal DCT-II basis: frequency `k` at sample `n`.
fn basis(k: usize, n: usize) -> f64 {
    let side = SIDE as f64;
    let scale = if k == 0 {
        (1.0 / side).sqrt()
    } else {
        (2.0 / side).sqrt()
    };
    scale * ((2 * n + 1) as f64 * k as f64 * PI / (2.0 * side)).cos()
}

/// The `LOW`×`LOW` lowest coefficients of the 2D DCT, row-major (vertical frequency first).
fn low_frequencies(pixels: &[f64]) -> Vec<f64> {
    // Separable: along each row first, then down each column of those results.
    let rows: Vec<[f64; LOW]> = pixels
        .chunks_exact(SIDE)
        .map(|row| {
            std::array::from_fn(|u| row.iter().enumerate().map(|(x, p)| p * basis(u, x)).sum())
        })
        .collect();
    let mut coefficients = Vec::with_capacity(LOW * LOW);
    for v in 0..LOW {
        for u in 0..LOW {
            let sum = rows
                .iter()
                .enumerate()
                .map(|(y, row)| row[u] * basis(v, y))
                .sum();
            coefficients.push(sum);
        }
    }
    coefficients
}

/// Bit `i` is set when coefficient `i` is above the median of all but the DC term.
fn bits_above_median(coefficients: &[f64]) -> u64 {
    let mut ac = coefficients[1..].to_vec();
    ac.sort_by(f64::total_cmp);
    let median = ac[ac.len() / 2];
    coefficients
        .iter()
        .enumerate()
        .skip(1)
        .filter(|&(_, &c)| c > median)
        .fold(0, |hash, (i, _)| hash | 1 << i)
}

#[cfg(test)]
mod tests {
    use image::imageops::FilterType as ImageFilter;

    use super::*;
    use crate::{process, testimages, Limits};

    /// The hash `process` records for an upload.
    fn recorded(upload: &[u8]) -> u64 {
        process(upload, &Limits::default()).unwrap().phash
    }

    fn original(seed: u64) -> DynamicImage {
        DynamicImage::ImageRgb8(testimages::page(seed, 600, 800))
    }

    /// The same page as a phone or an app might upload it again.
    fn variants(page: &DynamicImage) -> Vec<(&'static str, Vec<u8>)> {
        vec![
            ("quality 40", testimages::jpeg(page, 40)),
            ("quality 95", testimages::jpeg(page, 95)),
            (
                "resized to 90%",
                testimages::jpeg(&page.resize_exact(540, 720, ImageFilter::Triangle), 85),
            ),
            (
                "resized to 50%",
                testimages::jpeg(&page.resize_exact(300, 400, ImageFilter::Triangle), 85),
            ),
            ("brighter", testimages::jpeg(&page.brighten(30), 85)),
            ("darker", testimages::jpeg(&page.brighten(-30), 85)),
            (
                "more contrast",
                testimages::jpeg(&page.adjust_contrast(20.0), 85),
            ),
        ]
    }

    #[test]
    fn hamming_counts_differing_bits() {
        assert_eq!(hamming(0, 0), 0);
        assert_eq!(hamming(0b1011, 0b0001), 2);
        assert_eq!(hamming(0, u64::MAX), 64);
    }

    #[test]
    fn the_dc_bit_is_never_set() {
        for seed in 1..=4 {
            assert_eq!(phash(&original(seed)) & 1, 0);
        }
    }

    #[test]
    fn the_same_page_uploaded_again_stays_within_the_distance() {
        let mut worst = 0;
        for seed in 1..=4 {
            let page = original(seed);
            let first = recorded(&testimages::jpeg(&page, 82));
            for (name, upload) in variants(&page) {
                let distance = hamming(first, recorded(&upload));
                eprintln!("seed {seed}, {name}: {distance}");
                worst = worst.max(distance);
            }
        }
        eprintln!("largest distance of the same page: {worst}");
        assert!(worst <= SIMILAR_MAX_DISTANCE, "{worst}");
    }

    #[test]
    fn different_pages_are_beyond_the_distance() {
        let hashes: Vec<u64> = (1..=16)
            .map(|seed| recorded(&testimages::jpeg(&original(seed), 82)))
            .collect();
        let mut closest = u32::MAX;
        for (i, a) in hashes.iter().enumerate() {
            for b in &hashes[i + 1..] {
                closest = closest.min(hamming(*a, *b));
            }
        }
        eprintln!("smallest distance between different pages: {closest}");
        assert!(closest > SIMILAR_MAX_DISTANCE, "{closest}");
    }
}
