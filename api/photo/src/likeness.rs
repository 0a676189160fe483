//! Finding the same handwritten page however it was photographed again: turned, cropped, at an
//! angle, under a shadow, blurred, small, on a desk or as half of a spread.
//!
//! A page's [`Print`] is a few hundred keypoints: corners of the pen's strokes found on the
//! page's ink (the photo divided by its own paper, so light and shadow fall away), at eight
//! scales, each with the direction of the ink around it and a 256-bit binary descriptor of
//! that neighbourhood turned to that direction (ORB: Rublee et al., 2011). Two prints are the
//! same page when enough of their keypoints match one to one *and* agree on one perspective
//! transformation of the page ([`same_page`]): handwriting is unique in where its corners lie,
//! while ruled lines, a printed form, blank paper or noise give corners that are all alike or
//! that no single transformation places.
//!
//! To find candidates among a district's pages without comparing with each, a print also
//! yields [`Print::keys`]: for each keypoint a short word of its descriptor and of a wider one
//! around it, kept in the database's index; a page that shares enough words is compared.

use std::f32::consts::PI;

use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, GrayImage};

/// Long edge of the image keypoints are found on, in pixels.
const WORK_EDGE: u32 = 800;
/// [`WORK_EDGE`] × 2^⅛ ([`Print::half_step`]).
const HALF_STEP_EDGE: u32 = 872;
/// Pyramid levels, each smaller by [`STEP`]: a page photographed at any size from about 40% to
/// 250% of another's still meets it on some level.
const LEVELS: usize = 8;
const STEP: f32 = 1.189_207_1; // 2^(1/4)
/// A keypoint from which ink runs straight this far, in pixels of its level, sits on a ruled,
/// printed or hand-drawn line: every form and every ruled page has such corners, in the same
/// places, so they tell nothing about what was written.
const LONG_LINE: i32 = 26;
/// Keypoints kept from a page at most.
const MAX_POINTS: usize = 500;
/// FAST's brightness difference on the ink image (0 paper, 255 the darkest ink).
const FAST_THRESHOLD: i16 = 18;
/// Keypoints closer than this to an edge of their level have no full neighbourhood.
const BORDER: i32 = 18;
/// Radius of the neighbourhood whose ink gives the keypoint's direction.
const ORIENT_RADIUS: i32 = 12;
/// Descriptor bits that may differ between two views of the same corner.
const MATCH_MAX_BITS: u32 = 70;
/// The best match must be this much closer than the second best (Lowe's ratio test).
const RATIO: f32 = 0.8;
/// Matched keypoints that one transformation must place for two pages to be the same.
pub const MIN_INLIERS: usize = 16;
/// The least share of a page the placed keypoints must cover (see `covered`).
const MIN_COVER: f32 = 0.5;
/// How far, in pixels of the working image, a placed keypoint may land from its match.
const INLIER_DISTANCE: f32 = 10.0;
const RANSAC_ROUNDS: usize = 400;

/// One keypoint: where it is (on the working image, whatever level found it) and what its
/// neighbourhood looks like.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f32,
    /// The direction of the ink around it, in radians.
    pub angle: f32,
    /// The pyramid level that found it (0: the working image).
    pub level: u8,
    pub bits: [u64; 4],
    /// 64 comparisons over a neighbourhood three times wider: the strokes around the corner,
    /// which tell corners of the same shape apart (the index's keys, see [`Print::keys`]).
    pub wide: u64,
}

/// The keypoints of one page, strongest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Print {
    pub points: Vec<Point>,
    /// Size of the working image the points are on.
    pub width: u32,
    pub height: u32,
}

impl Print {
    /// The print of an upright or turned page photo, of any size.
    pub fn of(image: &DynamicImage) -> Print {
        Print::of_at(image, WORK_EDGE)
    }

    /// The print of the page with its working image 2^⅛ larger, half of a pyramid step: a page
    /// photographed again at a size that falls between two of the stored print's levels (a
    /// crop, a desk around it) gives keypoints, and index keys, much like the stored ones on
    /// one of the two prints. Only to look a page up ([`Print::keys`]); comparisons use
    /// [`Print::of`].
    pub fn half_step(image: &DynamicImage) -> Print {
        Print::of_at(image, HALF_STEP_EDGE)
    }

    /// The print with the working image's long edge at `edge` pixels.
    fn of_at(image: &DynamicImage, edge: u32) -> Print {
        if image.width() < 16 || image.height() < 16 {
            return Print::default();
        }
        let ink = ink(&working_gray(image, edge));
        let (width, height) = ink.dimensions();
        let mut points = Vec::new();
        let mut level = ink;
        let mut scale = 1.0_f32;
        // Each level's share of the points follows its area: a level smaller by STEP has
        // STEP² fewer pixels.
        let shares: Vec<f32> = (0..LEVELS).map(|d| STEP.powi(-(d as i32))).collect();
        let total: f32 = shares.iter().sum();
        for (depth, share) in shares.iter().enumerate() {
            let budget = (MAX_POINTS as f32 * share / total).round() as usize;
            let smooth = box_blur(&box_blur(&level));
            let smoother = box_blur(&box_blur(&box_blur(&smooth)));
            // Lines are left out before the budget is spent: a desk's grain or a ruled page
            // must not take the places of the handwriting's corners.
            let corners: Vec<(i32, i32, u32)> = fast_corners(&smooth)
                .into_iter()
                .filter(|&(x, y, _)| !on_a_long_line(&smooth, x, y))
                .collect();
            for (x, y) in strongest(&smooth, &corners, budget) {
                let angle = direction(&smooth, x, y);
                points.push(Point {
                    x: x as f32 * scale,
                    y: y as f32 * scale,
                    angle,
                    level: depth as u8,
                    bits: describe(&smooth, x, y, angle),
                    wide: describe_wide(&smoother, x, y, angle),
                });
            }
            let (w, h) = (
                (level.width() as f32 / STEP) as u32,
                (level.height() as f32 / STEP) as u32,
            );
            if w < 64 || h < 64 {
                break;
            }
            level = resize(&level, w, h);
            scale *= STEP;
        }
        Print {
            points,
            width,
            height,
        }
    }
}

impl Print {
    /// The print as kept in the database: a version byte, the working size, then each point
    /// as x and y in sixteenths of a pixel, its direction in 65536ths of a turn, its level,
    /// its 256 bits and its 64 wide ones (47 bytes a point, about 24 KB a page).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(9 + self.points.len() * POINT_BYTES);
        out.push(PRINT_VERSION);
        out.extend_from_slice(&(self.width as u16).to_le_bytes());
        out.extend_from_slice(&(self.height as u16).to_le_bytes());
        for p in &self.points {
            out.extend_from_slice(&((p.x * 16.0).round() as u16).to_le_bytes());
            out.extend_from_slice(&((p.y * 16.0).round() as u16).to_le_bytes());
            let turn = p.angle.rem_euclid(2.0 * PI) / (2.0 * PI);
            out.extend_from_slice(&((turn * 65536.0) as u32 as u16).to_le_bytes());
            out.push(p.level);
            for word in p.bits.iter().chain([&p.wide]) {
                out.extend_from_slice(&word.to_le_bytes());
            }
        }
        out
    }

    /// A print read back from [`Print::to_bytes`]; `None` for bytes it did not write.
    pub fn from_bytes(bytes: &[u8]) -> Option<Print> {
        let (&version, rest) = bytes.split_first()?;
        if version != PRINT_VERSION || rest.len() < 4 || (rest.len() - 4) % POINT_BYTES != 0 {
            return None;
        }
        let u16_at = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        let u64_at =
            |b: &[u8], i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        let points = rest[4..]
            .chunks_exact(POINT_BYTES)
            .map(|c| Point {
                x: f32::from(u16_at(c, 0)) / 16.0,
                y: f32::from(u16_at(c, 2)) / 16.0,
                angle: f32::from(u16_at(c, 4)) / 65536.0 * 2.0 * PI,
                level: c[6],
                bits: std::array::from_fn(|k| u64_at(c, 7 + 8 * k)),
                wide: u64_at(c, 39),
            })
            .collect();
        Some(Print {
            points,
            width: u32::from(u16_at(rest, 0)),
            height: u32::from(u16_at(rest, 2)),
        })
    }
}

impl Print {
    /// The page's index keys, each once: for every keypoint, the [`KEY_BITS`] of its
    /// descriptors, a [`KEY_LEN`]-bit number. The same corner photographed again often gives
    /// the same key; a page that shares several with another is worth comparing
    /// ([`same_page`]).
    pub fn keys(&self) -> Vec<u32> {
        let mut keys: Vec<u32> = self
            .points
            .iter()
            .map(|p| {
                KEY_BITS
                    .iter()
                    .enumerate()
                    .fold(0u32, |k, (n, &i)| k | u32::from(p.bit(usize::from(i))) << n)
            })
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

impl Point {
    /// Bit `i` of the keypoint's descriptors: 0–255 the descriptor, 256–319 the wide one.
    fn bit(&self, i: usize) -> bool {
        let word = if i < 256 {
            self.bits[i / 64]
        } else {
            self.wide
        };
        (word >> (i % 64)) & 1 == 1
    }
}

/// The descriptor bits of the index keys (0–255 the descriptor, 256–319 the wide one), chosen
/// on pages 1–30 of the corpus's tuning part photographed again (`examples/key_bits.rs`):
/// the fewest changes from one photo of a corner to the next for how evenly they split corners
/// (flips ÷ 2p(1−p), p how often the bit is 1, kept within 0.25–0.75), each less alike every
/// bit chosen before (|φ| ≤ 0.25), the best first.
const KEY_BITS: [u16; 28] = [
    203, 245, 237, 57, 26, 125, 79, 9, 13, 23, 162, 180, 264, 142, 25, 116, 228, 42, 139, 62, 22,
    282, 261, 133, 286, 102, 265, 231,
];
/// The length of a key in bits.
pub const KEY_LEN: u32 = KEY_BITS.len() as u32;
/// The version of [`Print::keys`]: a new one whenever the keys change (version 1 was 24 bits,
/// 12 of the descriptor and 12 wide ones); the migration that brings it drops the older marks
/// and `tingke rebuild-prints` marks the kept prints again.
pub const KEYS_VERSION: i32 = 2;

const PRINT_VERSION: u8 = 1;
const POINT_BYTES: usize = 2 + 2 + 2 + 1 + 32 + 8;

/// How two prints are the same page: the keypoints one transformation places.
#[derive(Debug, Clone, PartialEq)]
pub struct Likeness {
    /// Pairs of keypoints (index in the first print, index in the second) the transformation
    /// places.
    pub inliers: Vec<(usize, usize)>,
    /// Pairs that passed the ratio test, placed or not.
    pub matches: usize,
}

/// Whether `a` and `b` are prints of the same page, and how strongly.
pub fn same_page(a: &Print, b: &Print) -> Option<Likeness> {
    let pairs = matches(a, b);
    if pairs.len() < MIN_INLIERS {
        return None;
    }
    let (h, inliers) = ransac(a, b, &pairs)?;
    let back = h.inverse()?;
    // Each side's keypoints where the other page lies over it, and how much of that area the
    // placed pairs cover: all of it for a copy, in a spread only the page's half.
    let spread_out = covered(a, b, &back, inliers.iter().map(|&(i, _)| i)) >= MIN_COVER
        && covered(b, a, &h, inliers.iter().map(|&(_, j)| j)) >= MIN_COVER;
    (inliers.len() >= MIN_INLIERS && spread_out).then_some(Likeness {
        inliers,
        matches: pairs.len(),
    })
}

/// The share of the part of `print` that `other` lies over (through `onto_print`) where some of
/// `chosen` lie, in cells of a 4×4 grid that hold any keypoint. A copied page matches all over;
/// a page on a printed form matches an empty form, or another page on it, only where the
/// form's labels are.
fn covered(
    print: &Print,
    other: &Print,
    onto_print: &Homography,
    chosen: impl Iterator<Item = usize>,
) -> f32 {
    const GRID: usize = 4;
    let Some(frame) = Frame::of(other) else {
        return 0.0;
    };
    let quad = frame.corners().map(|(x, y)| onto_print.apply(x, y));
    let under: Vec<bool> = print
        .points
        .iter()
        .map(|p| inside(&quad, p.x, p.y))
        .collect();
    let Some(area) = Frame::of_points(
        print
            .points
            .iter()
            .zip(&under)
            .filter(|(_, &u)| u)
            .map(|(p, _)| p),
    ) else {
        return 0.0;
    };
    let mut any = [false; GRID * GRID];
    let mut hit = [false; GRID * GRID];
    for (p, _) in print.points.iter().zip(&under).filter(|(_, &u)| u) {
        any[area.cell(p, GRID)] = true;
    }
    for i in chosen {
        hit[area.cell(&print.points[i], GRID)] = true;
    }
    let cells = any.iter().filter(|&&c| c).count().max(1);
    hit.iter().filter(|&&c| c).count() as f32 / cells as f32
}

/// The rectangle around some keypoints.
struct Frame {
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
}

impl Frame {
    /// The whole photo the print was taken from.
    fn of(print: &Print) -> Option<Frame> {
        (print.width > 0 && print.height > 0).then_some(Frame {
            x0: 0.0,
            y0: 0.0,
            x1: print.width as f32,
            y1: print.height as f32,
        })
    }

    fn of_points<'a>(points: impl Iterator<Item = &'a Point>) -> Option<Frame> {
        points.fold(None, |frame: Option<Frame>, p| {
            let f = frame.unwrap_or(Frame {
                x0: p.x,
                y0: p.y,
                x1: p.x,
                y1: p.y,
            });
            Some(Frame {
                x0: f.x0.min(p.x),
                y0: f.y0.min(p.y),
                x1: f.x1.max(p.x),
                y1: f.y1.max(p.y),
            })
        })
    }

    fn corners(&self) -> [(f32, f32); 4] {
        [
            (self.x0, self.y0),
            (self.x1, self.y0),
            (self.x1, self.y1),
            (self.x0, self.y1),
        ]
    }

    fn cell(&self, p: &Point, grid: usize) -> usize {
        let gx = ((p.x - self.x0) / (self.x1 - self.x0 + 1.0) * grid as f32) as usize;
        let gy = ((p.y - self.y0) / (self.y1 - self.y0 + 1.0) * grid as f32) as usize;
        gy.min(grid - 1) * grid + gx.min(grid - 1)
    }
}

/// Whether (x, y) is inside the convex quadrilateral `quad` (either winding).
fn inside(quad: &[(f32, f32); 4], x: f32, y: f32) -> bool {
    let sides: [f32; 4] = std::array::from_fn(|k| {
        let (a, b) = (quad[k], quad[(k + 1) % 4]);
        (b.0 - a.0) * (y - a.1) - (b.1 - a.1) * (x - a.0)
    });
    sides.iter().all(|&s| s >= 0.0) || sides.iter().all(|&s| s <= 0.0)
}

fn hamming(a: &[u64; 4], b: &[u64; 4]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

/// One-to-one matches whose best is clearly better than the second best.
fn matches(a: &Print, b: &Print) -> Vec<(usize, usize)> {
    let mut best_for_b = vec![(u32::MAX, usize::MAX); b.points.len()];
    let mut chosen = Vec::new();
    for (i, p) in a.points.iter().enumerate() {
        let (mut best, mut second, mut at) = (u32::MAX, u32::MAX, 0);
        for (j, q) in b.points.iter().enumerate() {
            let d = hamming(&p.bits, &q.bits);
            if d < best {
                (second, best, at) = (best, d, j);
            } else if d < second {
                second = d;
            }
        }
        if best <= MATCH_MAX_BITS && (best as f32) < RATIO * second as f32 {
            chosen.push((i, at));
            if best < best_for_b[at].0 {
                best_for_b[at] = (best, i);
            }
        }
    }
    chosen.retain(|&(i, j)| best_for_b[j].1 == i);
    chosen
}

/// The pairs one perspective transformation places within [`INLIER_DISTANCE`], the most over
/// random draws of four pairs (RANSAC).
fn ransac(
    a: &Print,
    b: &Print,
    pairs: &[(usize, usize)],
) -> Option<(Homography, Vec<(usize, usize)>)> {
    let at = |(i, j): (usize, usize)| {
        let (p, q) = (a.points[i], b.points[j]);
        ((p.x, p.y), (q.x, q.y))
    };
    let placed = |h: &Homography, pair: (usize, usize)| {
        let (p, q) = at(pair);
        let (x, y) = h.apply(p.0, p.1);
        (x - q.0).hypot(y - q.1) <= INLIER_DISTANCE
    };
    let mut rng = 0x5EED_u64 ^ pairs.len() as u64;
    let (mut best, mut best_count) = (None, 0);
    for _ in 0..RANSAC_ROUNDS {
        let pick: [usize; 4] = std::array::from_fn(|_| {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (rng >> 33) as usize % pairs.len()
        });
        if (1..4).any(|k| pick[..k].contains(&pick[k])) {
            continue;
        }
        let from = pick.map(|k| at(pairs[k]).0);
        let to = pick.map(|k| at(pairs[k]).1);
        let Some(h) = Homography::from_points(&from, &to).filter(Homography::is_plausible) else {
            continue;
        };
        let count = pairs.iter().filter(|&&pair| placed(&h, pair)).count();
        if count > best_count {
            (best, best_count) = (Some(h), count);
        }
    }
    let h = best?;
    let inliers = pairs
        .iter()
        .copied()
        .filter(|&pair| placed(&h, pair))
        .collect();
    Some((h, inliers))
}

/// A plane-to-plane perspective transformation.
#[derive(Debug, Clone, Copy)]
pub struct Homography([f32; 9]);

impl Homography {
    /// The transformation taking each of `from` to the same place of `to`, or `None` when three
    /// of the points are on one line.
    pub fn from_points(from: &[(f32, f32); 4], to: &[(f32, f32); 4]) -> Option<Homography> {
        // h33 = 1; two equations per pair in the other eight unknowns.
        let mut m = [[0f64; 9]; 8];
        for (k, (&(x, y), &(u, v))) in from.iter().zip(to).enumerate() {
            let (x, y, u, v) = (f64::from(x), f64::from(y), f64::from(u), f64::from(v));
            m[2 * k] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            m[2 * k + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        let h = solve(m)?;
        Some(Homography(std::array::from_fn(|i| {
            if i == 8 {
                1.0
            } else {
                h[i] as f32
            }
        })))
    }

    /// The transformation back, or `None` when this one squeezes the plane to a line.
    pub fn inverse(&self) -> Option<Homography> {
        let [a, b, c, d, e, f, g, h, i] = self.0.map(f64::from);
        let cofactors = [
            e * i - f * h,
            c * h - b * i,
            b * f - c * e,
            f * g - d * i,
            a * i - c * g,
            c * d - a * f,
            d * h - e * g,
            b * g - a * h,
            a * e - b * d,
        ];
        let det = a * cofactors[0] + b * cofactors[3] + c * cofactors[6];
        if det.abs() < 1e-12 {
            return None;
        }
        let scale = cofactors[8];
        (scale.abs() > 1e-12).then(|| Homography(cofactors.map(|v| (v / scale) as f32)))
    }

    pub fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        let h = &self.0;
        let w = h[6] * x + h[7] * y + h[8];
        (
            (h[0] * x + h[1] * y + h[2]) / w,
            (h[3] * x + h[4] * y + h[5]) / w,
        )
    }

    /// A photo of a page again turns, scales and tilts it, never mirrors it, squeezes it to a
    /// line or magnifies it past what the pyramid covers.
    fn is_plausible(&self) -> bool {
        let h = &self.0;
        let det = h[0] * h[4] - h[1] * h[3];
        let perspective = h[6].abs() + h[7].abs();
        (0.08..12.0).contains(&det) && perspective < 0.004
    }
}

/// Gaussian elimination with partial pivoting of an 8×8 system (last column: right side).
fn solve(mut m: [[f64; 9]; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let pivot = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-9 {
            return None;
        }
        m.swap(col, pivot);
        let pivot_row = m[col];
        for (_, row) in m.iter_mut().enumerate().filter(|(r, _)| *r != col) {
            let factor = row[col] / pivot_row[col];
            for (value, above) in row.iter_mut().zip(pivot_row).skip(col) {
                *value -= factor * above;
            }
        }
    }
    Some(std::array::from_fn(|i| m[i][8] / m[i][i]))
}

/// The photo as gray pixels with its long edge [`WORK_EDGE`] long.
fn working_gray(image: &DynamicImage, edge: u32) -> GrayImage {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let scale = edge as f32 / w.max(h);
    let (width, height) = (
        ((w * scale).round() as u32).max(1),
        ((h * scale).round() as u32).max(1),
    );
    // Shrunk in colour first (fast_image_resize's SIMD), made gray small.
    let source = match image {
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => {
            std::borrow::Cow::Borrowed(image)
        }
        other => std::borrow::Cow::Owned(DynamicImage::ImageRgb8(other.to_rgb8())),
    };
    let mut small = DynamicImage::new(width, height, source.color());
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    Resizer::new()
        .resize(source.as_ref(), &mut small, &options)
        .expect("gray or RGB to the same is supported");
    small.into_luma8()
}

fn resize(gray: &GrayImage, width: u32, height: u32) -> GrayImage {
    let source = DynamicImage::ImageLuma8(gray.clone());
    let mut target = Image::new(width, height, PixelType::U8);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    Resizer::new()
        .resize(&source, &mut target, &options)
        .expect("gray to gray is supported");
    GrayImage::from_raw(width, height, target.into_vec()).expect("one byte per pixel")
}

/// How much darker than its paper each pixel is, 0 (paper) to 255: the paper's brightness is
/// the brightest of each block around it, so uneven light and shadow divide out.
fn ink(gray: &GrayImage) -> GrayImage {
    const BLOCK: u32 = 24;
    let (w, h) = gray.dimensions();
    let (bw, bh) = (w.div_ceil(BLOCK), h.div_ceil(BLOCK));
    let mut paper = vec![1u8; (bw * bh) as usize];
    for (x, y, p) in gray.enumerate_pixels() {
        let cell = &mut paper[((y / BLOCK) * bw + x / BLOCK) as usize];
        *cell = (*cell).max(p.0[0]);
    }
    // A block wholly covered in ink takes its neighbours' paper.
    let spread: Vec<f32> = (0..bh as i32)
        .flat_map(|by| (0..bw as i32).map(move |bx| (bx, by)))
        .map(|(bx, by)| {
            let mut brightest = 1u8;
            for (dx, dy) in [(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)] {
                let (nx, ny) = (bx + dx, by + dy);
                if nx >= 0 && ny >= 0 && nx < bw as i32 && ny < bh as i32 {
                    brightest = brightest.max(paper[(ny as u32 * bw + nx as u32) as usize]);
                }
            }
            f32::from(brightest)
        })
        .collect();
    // Bilinear between block centres, one row of paper at a time.
    let centre = |v: u32, blocks: u32| {
        let f = ((v as f32 + 0.5) / BLOCK as f32 - 0.5).clamp(0.0, (blocks - 1) as f32);
        let lower = f as u32;
        (
            lower as usize,
            (lower + 1).min(blocks - 1) as usize,
            f - lower as f32,
        )
    };
    let columns: Vec<(usize, usize, f32)> = (0..w).map(|x| centre(x, bw)).collect();
    let mut out = vec![0u8; (w * h) as usize];
    let mut row_paper = vec![0f32; bw as usize];
    for y in 0..h {
        let (y0, y1, ty) = centre(y, bh);
        for (bx, cell) in row_paper.iter_mut().enumerate() {
            let (a, b) = (spread[y0 * bw as usize + bx], spread[y1 * bw as usize + bx]);
            *cell = a + (b - a) * ty;
        }
        let row = &gray.as_raw()[(y * w) as usize..((y + 1) * w) as usize];
        let target = &mut out[(y * w) as usize..((y + 1) * w) as usize];
        for ((value, pixel), &(x0, x1, tx)) in target.iter_mut().zip(row).zip(&columns) {
            let paper = row_paper[x0] + (row_paper[x1] - row_paper[x0]) * tx;
            let darker = 1.0 - f32::from(*pixel) / paper.max(1.0);
            *value = (darker * 340.0).clamp(0.0, 255.0) as u8;
        }
    }
    GrayImage::from_raw(w, h, out).expect("one byte per pixel")
}

/// A 3×3 box blur (twice is close to a Gaussian): corners and descriptors of smoothed ink
/// do not flicker with JPEG's noise.
fn box_blur(image: &GrayImage) -> GrayImage {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let src = image.as_raw();
    // Across each row (edges repeated), then down each column.
    let mut across = vec![0u16; w * h];
    for y in 0..h {
        let row = &src[y * w..(y + 1) * w];
        for x in 0..w {
            let (l, r) = (x.saturating_sub(1), (x + 1).min(w - 1));
            across[y * w + x] = u16::from(row[l]) + u16::from(row[x]) + u16::from(row[r]);
        }
    }
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        let (up, down) = (y.saturating_sub(1), (y + 1).min(h - 1));
        for x in 0..w {
            let sum = across[up * w + x] + across[y * w + x] + across[down * w + x];
            out[y * w + x] = (sum / 9) as u8;
        }
    }
    GrayImage::from_raw(w as u32, h as u32, out).expect("one byte per pixel")
}

/// The 16 pixels of the circle FAST looks at, radius 3.
const CIRCLE: [(i32, i32); 16] = [
    (0, -3),
    (1, -3),
    (2, -2),
    (3, -1),
    (3, 0),
    (3, 1),
    (2, 2),
    (1, 3),
    (0, 3),
    (-1, 3),
    (-2, 2),
    (-3, 1),
    (-3, 0),
    (-3, -1),
    (-2, -3),
    (-1, -3),
];

/// FAST-9 corners with their scores: nine contiguous pixels of the circle all brighter or all
/// darker than the centre by the threshold; the score sums how much.
fn fast_corners(image: &GrayImage) -> Vec<(i32, i32, u32)> {
    let (w, h) = (image.width() as i32, image.height() as i32);
    let raw = image.as_raw();
    let offsets = CIRCLE.map(|(dx, dy)| (dy * w + dx) as isize);
    let mut corners = Vec::new();
    for y in BORDER..h - BORDER {
        for x in BORDER..w - BORDER {
            let at = (y * w + x) as isize;
            let centre = i16::from(raw[at as usize]);
            let px = |k: usize| i16::from(raw[(at + offsets[k]) as usize]) - centre;
            // Nine contiguous pixels of sixteen cover at least two of the four at the compass
            // points: most pixels are refused after reading those four.
            let compass = [px(0), px(4), px(8), px(12)];
            let brighter = compass.iter().filter(|&&d| d > FAST_THRESHOLD).count();
            let darker = compass.iter().filter(|&&d| d < -FAST_THRESHOLD).count();
            if brighter < 2 && darker < 2 {
                continue;
            }
            let ring: [i16; 16] = std::array::from_fn(px);
            if let Some(score) = fast_score(&ring) {
                corners.push((x, y, score));
            }
        }
    }
    suppress_non_maxima(corners, w, h)
}

fn fast_score(ring: &[i16; 16]) -> Option<u32> {
    for sign in [1i16, -1] {
        let mut run = 0;
        for k in 0..25 {
            if ring[k % 16] * sign > FAST_THRESHOLD {
                run += 1;
                if run >= 9 {
                    let score = ring
                        .iter()
                        .map(|d| ((d * sign) - FAST_THRESHOLD).max(0) as u32)
                        .sum();
                    return Some(score);
                }
            } else {
                run = 0;
            }
        }
    }
    None
}

/// Corners that are the strongest within their 5×5 neighbourhood.
fn suppress_non_maxima(corners: Vec<(i32, i32, u32)>, w: i32, h: i32) -> Vec<(i32, i32, u32)> {
    let mut score = vec![0u32; (w * h) as usize];
    for &(x, y, s) in &corners {
        score[(y * w + x) as usize] = s;
    }
    corners
        .into_iter()
        .filter(|&(x, y, s)| {
            (-2..=2).all(|dy: i32| {
                (-2..=2).all(|dx: i32| {
                    let other = score[((y + dy) * w + x + dx) as usize];
                    other < s || (other == s && (dy, dx) <= (0, 0))
                })
            })
        })
        .collect()
}

/// At most `budget` corners, the strongest of each cell of an 8×8 grid first, so the
/// keypoints cover the page instead of crowding in its densest paragraph.
fn strongest(image: &GrayImage, corners: &[(i32, i32, u32)], budget: usize) -> Vec<(i32, i32)> {
    const GRID: i32 = 8;
    let (w, h) = (image.width() as i32, image.height() as i32);
    let cell = |&(x, y, _): &(i32, i32, u32)| (y * GRID / h) * GRID + x * GRID / w;
    let mut sorted = corners.to_vec();
    sorted.sort_by_key(|&(x, y, s)| (std::cmp::Reverse(s), y, x));
    let per_cell = budget.div_ceil((GRID * GRID) as usize);
    let mut taken = vec![0usize; (GRID * GRID) as usize];
    let mut chosen = Vec::with_capacity(budget);
    let mut rest = Vec::new();
    for c in sorted {
        let k = cell(&c) as usize;
        if taken[k] < per_cell {
            taken[k] += 1;
            chosen.push(c);
        } else {
            rest.push(c);
        }
    }
    // Cells with few corners leave room for the strongest of the others.
    chosen.extend(rest);
    chosen.truncate(budget);
    chosen.into_iter().map(|(x, y, _)| (x, y)).collect()
}

/// Whether a straight run of ink of [`LONG_LINE`] pixels starts at the keypoint, in any of 32
/// directions.
fn on_a_long_line(image: &GrayImage, x: i32, y: i32) -> bool {
    let (w, h) = (image.width() as i32, image.height() as i32);
    let ink_at = |px: i32, py: i32| {
        let inside = px >= 0 && py >= 0 && px < w && py < h;
        if inside {
            image.get_pixel(px as u32, py as u32).0[0]
        } else {
            0
        }
    };
    // Ink as dark as half the darkest next to the keypoint: on small levels a thin line is
    // faint.
    let darkest = (-2..=2)
        .flat_map(|dy| (-2..=2).map(move |dx| (dx, dy)))
        .map(|(dx, dy)| ink_at(x + dx, y + dy))
        .max()
        .unwrap_or(0);
    let ink = (darkest / 2).max(8);
    directions().iter().any(|&(cos, sin)| {
        let inked = (2..=LONG_LINE)
            .filter(|&t| {
                let px = x + (t as f32 * cos).round() as i32;
                let py = y + (t as f32 * sin).round() as i32;
                ink_at(px, py) >= ink
            })
            .count();
        inked as i32 >= LONG_LINE - 2
    })
}

/// 32 directions around the circle, as (cos, sin).
fn directions() -> &'static [(f32, f32); 32] {
    static DIRECTIONS: std::sync::OnceLock<[(f32, f32); 32]> = std::sync::OnceLock::new();
    DIRECTIONS.get_or_init(|| {
        std::array::from_fn(|k| {
            let (sin, cos) = (k as f32 * PI / 16.0).sin_cos();
            (cos, sin)
        })
    })
}

/// The direction from the keypoint to the centroid of the ink around it.
fn direction(image: &GrayImage, x: i32, y: i32) -> f32 {
    let (mut mx, mut my) = (0f32, 0f32);
    for dy in -ORIENT_RADIUS..=ORIENT_RADIUS {
        for dx in -ORIENT_RADIUS..=ORIENT_RADIUS {
            if dx * dx + dy * dy <= ORIENT_RADIUS * ORIENT_RADIUS {
                let v = f32::from(image.get_pixel((x + dx) as u32, (y + dy) as u32).0[0]);
                mx += dx as f32 * v;
                my += dy as f32 * v;
            }
        }
    }
    my.atan2(mx)
}

/// 64 comparisons of the pattern's first pairs spread [`WIDE`] times as far, on a smoother
/// image.
fn describe_wide(image: &GrayImage, x: i32, y: i32, angle: f32) -> u64 {
    let (sin, cos) = angle.sin_cos();
    let (w, h) = (image.width() as i32, image.height() as i32);
    let at = |(dx, dy): (f32, f32)| {
        let (dx, dy) = (dx * WIDE, dy * WIDE);
        let rx = (dx * cos - dy * sin).round() as i32;
        let ry = (dx * sin + dy * cos).round() as i32;
        let (px, py) = ((x + rx).clamp(0, w - 1), (y + ry).clamp(0, h - 1));
        image.get_pixel(px as u32, py as u32).0[0]
    };
    pattern()
        .iter()
        .take(64)
        .enumerate()
        .fold(0, |bits, (i, (p, q))| {
            bits | u64::from(at(*p) < at(*q)) << i
        })
}

const WIDE: f32 = 3.0;

/// 256 comparisons of two pixels each around the keypoint, the pattern turned by `angle`.
fn describe(image: &GrayImage, x: i32, y: i32, angle: f32) -> [u64; 4] {
    let (sin, cos) = angle.sin_cos();
    let (w, h) = (image.width() as i32, image.height() as i32);
    let at = |(dx, dy): (f32, f32)| {
        let rx = (dx * cos - dy * sin).round() as i32;
        let ry = (dx * sin + dy * cos).round() as i32;
        let (px, py) = ((x + rx).clamp(0, w - 1), (y + ry).clamp(0, h - 1));
        image.get_pixel(px as u32, py as u32).0[0]
    };
    let mut bits = [0u64; 4];
    for (i, (p, q)) in pattern().iter().enumerate() {
        if at(*p) < at(*q) {
            bits[i / 64] |= 1 << (i % 64);
        }
    }
    bits
}

type Pair = ((f32, f32), (f32, f32));

/// The 256 point pairs of the descriptor: fixed, drawn once from a Gaussian around the
/// keypoint (BRIEF's best pattern), within its neighbourhood.
fn pattern() -> &'static [Pair; 256] {
    static PATTERN: std::sync::OnceLock<[Pair; 256]> = std::sync::OnceLock::new();
    PATTERN.get_or_init(|| {
        let mut state = 0x0B5E_55ED_u64;
        let mut gauss = move || {
            // Box–Muller from a linear congruential generator: fixed forever.
            let mut uniform = || {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 11) as f32 / (1u64 << 53) as f32).max(1e-7)
            };
            let (a, b) = (uniform(), uniform());
            let v = (-2.0 * a.ln()).sqrt() * (2.0 * PI * b).cos() * 6.5;
            v.clamp(-(BORDER as f32 - 3.0), BORDER as f32 - 3.0)
        };
        std::array::from_fn(|_| ((gauss(), gauss()), (gauss(), gauss())))
    })
}

#[cfg(test)]
mod tests {
    use image::imageops::{self, FilterType as ImageFilter};

    use super::*;
    use crate::corpus::{self, Change, Retake};
    use crate::{process, testimages, Limits};

    /// The print the upload pipeline records for a JPEG.
    fn recorded(jpeg: &[u8]) -> Print {
        process(jpeg, &Limits::default()).unwrap().print
    }

    fn scanned(page: image::RgbImage) -> Print {
        recorded(&testimages::jpeg(&DynamicImage::ImageRgb8(page), 88))
    }

    #[test]
    fn a_page_photographed_flat_on_a_desk_is_found() {
        // The case: stored sideways with no EXIF to say so, 1% cropped, rescaled.
        let original = scanned(corpus::page(7));
        let again = scanned(corpus::flat_on_a_desk(7));
        let found = same_page(&again, &original).expect("the same page");
        assert!(
            found.inliers.len() >= 3 * MIN_INLIERS,
            "{}",
            found.inliers.len()
        );
    }

    #[test]
    fn every_way_of_photographing_again_finds_the_page() {
        for seed in [3, 11] {
            let page = corpus::page(seed);
            let original = scanned(page.clone());
            for (k, change) in Change::ALL.iter().enumerate() {
                let photo = Retake::new(&[*change], seed * 100 + k as u64).photograph(&page);
                assert!(
                    same_page(&recorded(&photo), &original).is_some(),
                    "page {seed}, {}",
                    change.name()
                );
            }
            let both = Retake::new(&[Change::Perspective, Change::Spread], seed).photograph(&page);
            assert!(
                same_page(&recorded(&both), &original).is_some(),
                "page {seed}, two changes"
            );
        }
    }

    #[test]
    fn different_pages_do_not_match_even_on_the_same_printed_form() {
        // Some pages are written on the school's printed form (the same ruled table at the
        // same place): the form alone is not the same page.
        let on_form: Vec<u64> = (1..=30)
            .filter(|&s| corpus::on_the_printed_form(s))
            .collect();
        assert!(on_form.len() >= 3, "{on_form:?}");
        let seeds = [&on_form[..3], &[1, 2, 3]].concat();
        let prints: Vec<Print> = seeds.iter().map(|&s| scanned(corpus::page(s))).collect();
        for (i, a) in prints.iter().enumerate() {
            for (j, b) in prints.iter().enumerate().skip(i + 1) {
                assert!(
                    same_page(a, b).is_none(),
                    "pages {} and {}",
                    seeds[i],
                    seeds[j]
                );
            }
        }
    }

    #[test]
    fn blank_ruled_empty_form_and_noise_pages_match_nothing() {
        let on_form = (1..=30).filter(|&s| corpus::on_the_printed_form(s));
        let seeds: Vec<u64> = (1..=3).chain(on_form.take(3)).collect();
        let pages: Vec<Print> = seeds.iter().map(|&s| scanned(corpus::page(s))).collect();
        let made_up = [
            scanned(corpus::blank_page()),
            scanned(corpus::ruled_page()),
            scanned(corpus::form_page()),
            scanned(corpus::noise_page(1)),
            scanned(corpus::noise_page(2)),
        ];
        for (i, bad) in made_up.iter().enumerate() {
            for page in &pages {
                assert!(same_page(bad, page).is_none(), "made-up page {i}");
                assert!(same_page(page, bad).is_none(), "made-up page {i}");
            }
            for (j, other) in made_up.iter().enumerate() {
                assert!(i == j || same_page(bad, other).is_none(), "{i} and {j}");
            }
        }
    }

    #[test]
    fn a_print_reads_back_from_its_bytes_and_nothing_else_does() {
        let print = scanned(corpus::page(5));
        let again = Print::from_bytes(&print.to_bytes()).expect("its own bytes");
        assert_eq!((again.width, again.height), (print.width, print.height));
        assert_eq!(again.points.len(), print.points.len());
        for (a, b) in again.points.iter().zip(&print.points) {
            assert!((a.x - b.x).abs() <= 1.0 / 32.0 && (a.y - b.y).abs() <= 1.0 / 32.0);
            let turn = (a.angle - b.angle).rem_euclid(2.0 * PI);
            assert!(turn.min(2.0 * PI - turn) < 1e-3, "{} {}", a.angle, b.angle);
            assert_eq!((a.level, a.bits, a.wide), (b.level, b.bits, b.wide));
        }
        assert_eq!(again.keys(), print.keys());
        assert!(same_page(&again, &print).is_some());
        let bytes = print.to_bytes();
        for bad in [&[][..], &[9, 0, 0, 0, 0][..], &bytes[..bytes.len() - 1]] {
            assert!(Print::from_bytes(bad).is_none());
        }
    }

    #[test]
    fn a_page_and_its_photo_flat_on_a_desk_share_index_keys() {
        let original = scanned(corpus::page(7)).keys();
        let again = scanned(corpus::flat_on_a_desk(7)).keys();
        let shared = again
            .iter()
            .filter(|k| original.binary_search(k).is_ok())
            .count();
        assert!(shared >= 8, "{shared} keys shared");
        let other = scanned(corpus::page(8)).keys();
        let by_chance = other
            .iter()
            .filter(|k| original.binary_search(k).is_ok())
            .count();
        assert!(
            by_chance < shared / 2,
            "{by_chance} shared with another page"
        );
    }

    #[test]
    fn a_homography_takes_four_points_where_they_go() {
        let from = [(0.0, 0.0), (100.0, 0.0), (100.0, 50.0), (0.0, 50.0)];
        let to = [(10.0, 5.0), (90.0, 12.0), (95.0, 60.0), (4.0, 55.0)];
        let h = Homography::from_points(&from, &to).unwrap();
        for (p, q) in from.iter().zip(&to) {
            let (x, y) = h.apply(p.0, p.1);
            assert!((x - q.0).abs() < 1e-3 && (y - q.1).abs() < 1e-3, "{p:?}");
        }
        let on_a_line = [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0)];
        assert!(Homography::from_points(&on_a_line, &to).is_none());
    }

    #[test]
    fn tiny_and_thin_images_have_a_print_and_match_nothing() {
        let tiny = DynamicImage::ImageRgb8(image::RgbImage::new(8, 8));
        assert!(Print::of(&tiny).points.is_empty());
        assert!(same_page(&Print::of(&tiny), &Print::of(&tiny)).is_none());
        // Strips a hostile upload may be: no panic, nothing found.
        let page = DynamicImage::ImageRgb8(corpus::page(2));
        let original = Print::of(&page);
        for (w, h) in [(1, 4000), (4000, 1), (17, 17), (40, 3000), (3000, 40)] {
            let strip = DynamicImage::ImageRgb8(imageops::resize(
                &corpus::page(2),
                w,
                h,
                ImageFilter::Triangle,
            ));
            let print = Print::of(&strip);
            assert!(same_page(&print, &original).is_none(), "{w}×{h}");
        }
        let gray = DynamicImage::ImageLuma8(page.to_luma8());
        assert!(
            same_page(&Print::of(&gray), &original).is_some(),
            "gray pages too"
        );
    }
}
