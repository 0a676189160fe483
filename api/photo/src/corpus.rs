//! A corpus of handwritten pages and of the same pages photographed again, to measure how well
//! [`crate::likeness`] finds a copied page (`cargo run --release -p tingke-photo --example
//! copies`, BENCHMARKS.md figure 13).
//!
//! A page is drawn from its seed alone: ruled or plain paper, a title, lines of handwriting made
//! of strokes (an alphabet of stroke-built characters, each written a little differently every
//! time, as a hand does), formulas with fraction bars, exponents and brackets, and now and then
//! a table. Different seeds draw different pages; a quarter of them are written on the school's
//! printed form (the same ruled table with the same printed labels at the same place), as real
//! plans are.
//!
//! A [`Retake`] photographs a page again the ways a teacher's phone does: turned a quarter, a
//! half or three quarters (with no EXIF to say so), cropped, at an angle, under uneven light and
//! a hand's shadow, blurred, at a low JPEG quality, small, on a desk, or as one half of a
//! double-page spread; alone or two at once.
//!
//! Deterministic, with `testimages`' own small generator: the corpus must not change with a
//! `rand` upgrade.

use std::f32::consts::PI;

use image::imageops::{self, FilterType};
use image::{DynamicImage, Rgb, RgbImage};

use crate::testimages::{jpeg, Rng};

/// Width and height of a page as drawn: A4 at 150 dots per inch.
pub const PAGE_SIZE: (u32, u32) = (1240, 1754);

const PAPER: [f32; 3] = [247.0, 246.0, 240.0];
const RULE: [f32; 3] = [170.0, 200.0, 225.0];
const PRINT: [f32; 3] = [40.0, 40.0, 40.0];

/// One way of photographing a page again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Change {
    /// Stored a quarter turn clockwise, and no EXIF orientation to say so.
    Turn90,
    Turn180,
    Turn270,
    /// Up to 10% cut from each side.
    Crop,
    /// The phone held at an angle of up to 15°.
    Perspective,
    /// Light falling off across the page and the shadow of a hand.
    Shadow,
    /// Out of focus or moved.
    Blur,
    /// JPEG quality from 40 to 95.
    Quality,
    /// 25% to 100% of the size.
    Scale,
    /// The page lying on a desk, which fills the rest of the photo.
    Background,
    /// The page as one half of a double-page spread.
    Spread,
}

impl Change {
    /// Every change, in the order of the benchmark's table.
    pub const ALL: [Change; 11] = [
        Change::Turn90,
        Change::Turn180,
        Change::Turn270,
        Change::Crop,
        Change::Perspective,
        Change::Shadow,
        Change::Blur,
        Change::Quality,
        Change::Scale,
        Change::Background,
        Change::Spread,
    ];

    /// The kinds of change that are combined in pairs: a quarter turn stands for the three.
    pub fn kinds() -> Vec<Change> {
        Change::ALL
            .into_iter()
            .filter(|c| !matches!(c, Change::Turn180 | Change::Turn270))
            .collect()
    }

    pub fn name(self) -> &'static str {
        match self {
            Change::Turn90 => "turned 90°",
            Change::Turn180 => "turned 180°",
            Change::Turn270 => "turned 270°",
            Change::Crop => "cropped ≤10%/side",
            Change::Perspective => "perspective ≤15°",
            Change::Shadow => "light and shadow",
            Change::Blur => "blur",
            Change::Quality => "JPEG q40–95",
            Change::Scale => "scale 25–100%",
            Change::Background => "on a desk",
            Change::Spread => "in a spread",
        }
    }

    fn is_turn(self) -> bool {
        matches!(self, Change::Turn90 | Change::Turn180 | Change::Turn270)
    }
}

/// `count` pairs of kinds of change to photograph page `seed` under (BENCHMARKS.md figures 13
/// and 14): every page takes other pairs, each pair as often over the corpus, and a quarter
/// turn stands for any of the three.
pub fn pairs(seed: u64, count: usize) -> Vec<Vec<Change>> {
    let kinds = Change::kinds();
    let mut all = Vec::new();
    for (i, a) in kinds.iter().enumerate() {
        for b in &kinds[i + 1..] {
            all.push([*a, *b]);
        }
    }
    let turns = [Change::Turn90, Change::Turn180, Change::Turn270];
    (0..count)
        .map(|k| {
            let pair = all[(seed as usize * count + k) % all.len()];
            let turn = turns[(seed as usize + k) % 3];
            pair.iter()
                .map(|&c| if c == Change::Turn90 { turn } else { c })
                .collect()
        })
        .collect()
}

/// A page photographed again with some changes, drawn from `seed`.
#[derive(Debug, Clone)]
pub struct Retake {
    pub changes: Vec<Change>,
    pub seed: u64,
}

impl Retake {
    pub fn new(changes: &[Change], seed: u64) -> Self {
        Retake {
            changes: changes.to_vec(),
            seed,
        }
    }

    /// The retaken photo of `page`, as JPEG bytes.
    pub fn photograph(&self, page: &RgbImage) -> Vec<u8> {
        let mut rng = Rng(self.seed ^ 0xC0FF_EE00);
        let has = |c: Change| self.changes.contains(&c);
        let mut photo = page.clone();
        if has(Change::Spread) {
            photo = spread(&photo, &mut rng);
        }
        if has(Change::Background) {
            photo = on_desk(&photo, &mut rng);
        }
        if has(Change::Perspective) {
            photo = at_an_angle(&photo, &mut rng, has(Change::Background));
        }
        if has(Change::Shadow) {
            shade(&mut photo, &mut rng);
        }
        if has(Change::Blur) {
            photo = imageops::blur(&photo, rng.between(1.2, 2.6));
        }
        if has(Change::Crop) {
            photo = crop(&photo, &mut rng);
        }
        if has(Change::Scale) {
            let scale = rng.between(0.25, 1.0);
            let (w, h) = (photo.width() as f32 * scale, photo.height() as f32 * scale);
            photo = imageops::resize(&photo, w as u32, h as u32, FilterType::Triangle);
        }
        for &turn in self.changes.iter().filter(|c| c.is_turn()) {
            photo = match turn {
                Change::Turn90 => imageops::rotate90(&photo),
                Change::Turn180 => imageops::rotate180(&photo),
                _ => imageops::rotate270(&photo),
            };
        }
        let quality = if has(Change::Quality) {
            40 + rng.below(56) as u8
        } else {
            88
        };
        jpeg(&DynamicImage::ImageRgb8(photo), quality)
    }
}

/// Issue 24's case of the page of `seed`: photographed flat on a desk and stored sideways with
/// no EXIF to say so (turned 90°), cropped 1% a side, at 60% of its size.
pub fn flat_on_a_desk(seed: u64) -> RgbImage {
    let turned = imageops::rotate90(&page(seed));
    let (w, h) = turned.dimensions();
    let cropped = imageops::crop_imm(&turned, w / 100, h / 100, w - w / 50, h - h / 50);
    imageops::resize(
        &cropped.to_image(),
        w * 6 / 10,
        h * 6 / 10,
        FilterType::Triangle,
    )
}

/// The page of `seed`, as scanned: upright, tightly framed.
pub fn page(seed: u64) -> RgbImage {
    drawn(seed).0
}

/// Whether the page of `seed` is written on the school's printed form.
pub fn on_the_printed_form(seed: u64) -> bool {
    drawn(seed).1
}

fn drawn(seed: u64) -> (RgbImage, bool) {
    let (width, height) = PAGE_SIZE;
    let mut rng = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x7A6E);
    let mut canvas = Canvas::new(width, height);
    let unit = width as f32 / 100.0;
    let line_gap = unit * rng.between(4.2, 5.6);
    let (left, right) = (
        unit * rng.between(7.0, 12.0),
        unit * rng.between(88.0, 94.0),
    );
    if rng.below(2) == 0 {
        canvas.ruled(line_gap, unit * 4.0);
    }
    let form = rng.below(4) == 0;
    let mut y = unit * rng.between(9.0, 13.0);
    if form {
        // The school's printed form: the same table at the same place on every such page.
        y = canvas.printed_form(unit);
    } else {
        let start = left + (right - left) * rng.between(0.1, 0.4);
        let end = start + unit * rng.between(25.0, 45.0);
        canvas.write(&mut rng, start, end, y, unit * 2.4);
        y += line_gap * 2.0;
    }
    let table_at = if form { u32::MAX } else { rng.below(9) };
    let mut line = 0;
    while y < height as f32 - unit * 9.0 {
        let size = unit * rng.between(1.6, 2.1);
        match (line == table_at, rng.below(6)) {
            (true, _) => y = canvas.table(&mut rng, left, right, y, line_gap),
            (_, 0) => y += line_gap * 0.5,
            (_, 1) => {
                let x = left + unit * rng.between(0.0, 20.0);
                canvas.formula(&mut rng, x, y, size);
                y += line_gap;
            }
            _ => {
                let end = right - (right - left) * rng.between(0.0, 0.35);
                let indent = if rng.below(4) == 0 { unit * 4.0 } else { 0.0 };
                canvas.write(&mut rng, left + indent, end, y, size);
            }
        }
        y += line_gap;
        line += 1;
    }
    (canvas.image, form)
}

/// A page with nothing on it but paper (for the hostile corpus): blank.
pub fn blank_page() -> RgbImage {
    Canvas::new(PAGE_SIZE.0, PAGE_SIZE.1).image
}

/// A page of ruled lines and a margin rule, nothing written.
pub fn ruled_page() -> RgbImage {
    let mut canvas = Canvas::new(PAGE_SIZE.0, PAGE_SIZE.1);
    let unit = PAGE_SIZE.0 as f32 / 100.0;
    canvas.ruled(unit * 4.8, unit * 4.0);
    canvas.image
}

/// The school's printed form with nothing written on it.
pub fn form_page() -> RgbImage {
    let mut canvas = Canvas::new(PAGE_SIZE.0, PAGE_SIZE.1);
    canvas.printed_form(PAGE_SIZE.0 as f32 / 100.0);
    canvas.image
}

/// Pure noise of the page's size, each pixel its own.
pub fn noise_page(seed: u64) -> RgbImage {
    let mut rng = Rng(seed);
    RgbImage::from_fn(PAGE_SIZE.0, PAGE_SIZE.1, |_, _| {
        let v = rng.next();
        Rgb([v as u8, (v >> 8) as u8, (v >> 16) as u8])
    })
}

/// Two pages side by side with a gutter's shadow between them; `page` on the left or right.
fn spread(page: &RgbImage, rng: &mut Rng) -> RgbImage {
    let other = self::page(rng.next() | 1 << 63);
    let (w, h) = page.dimensions();
    let mut both = RgbImage::new(w * 2, h);
    let page_left = rng.below(2) == 0;
    let (first, second) = if page_left {
        (page, &other)
    } else {
        (&other, page)
    };
    imageops::replace(&mut both, first, 0, 0);
    imageops::replace(&mut both, second, i64::from(w), 0);
    let gutter = w as f32 * 0.06;
    for (x, _, pixel) in both.enumerate_pixels_mut() {
        let from_fold = (x as f32 - w as f32).abs();
        if from_fold < gutter {
            let dark = 0.55 + 0.45 * from_fold / gutter;
            pixel
                .0
                .iter_mut()
                .for_each(|c| *c = (f32::from(*c) * dark) as u8);
        }
    }
    both
}

/// The page on a desk of wood or cloth that takes 20% to 45% of the photo around it.
fn on_desk(page: &RgbImage, rng: &mut Rng) -> RgbImage {
    let (w, h) = page.dimensions();
    let fill = rng.between(0.55, 0.8);
    let (dw, dh) = ((w as f32 / fill) as u32, (h as f32 / fill) as u32);
    let base = [
        rng.between(60.0, 190.0),
        rng.between(50.0, 150.0),
        rng.between(30.0, 120.0),
    ];
    let (grain, stripes) = (rng.between(0.01, 0.05), rng.between(4.0, 40.0));
    let mut desk = RgbImage::from_fn(dw, dh, |x, y| {
        let wave = (y as f32 / stripes + (x as f32 * grain).sin() * 3.0).sin();
        Rgb(base.map(|c| (c * (0.85 + 0.15 * wave)).clamp(0.0, 255.0) as u8))
    });
    let x = rng.between(0.2, 0.8) * (dw - w) as f32;
    let y = rng.between(0.2, 0.8) * (dh - h) as f32;
    imageops::replace(&mut desk, page, x as i64, y as i64);
    desk
}

/// The photo as a camera tilted by up to 15° about a horizontal or vertical axis sees it: the
/// far edge shorter than the near one. What falls outside the page is the desk (or a gray one).
fn at_an_angle(photo: &RgbImage, rng: &mut Rng, on_desk: bool) -> RgbImage {
    let angle = rng.between(5.0, 15.0) * PI / 180.0;
    let about_vertical = rng.below(2) == 0;
    let sign = if rng.below(2) == 0 { 1.0 } else { -1.0 };
    let (w, h) = (photo.width() as f32, photo.height() as f32);
    let distance = 1.6 * w.max(h);
    // Where a point of the photo lands: turned about the axis through the center, then seen
    // from `distance` straight above the center.
    let project = |x: f32, y: f32| {
        let (u, v) = (x - w / 2.0, y - h / 2.0);
        let (across, along) = if about_vertical { (u, v) } else { (v, u) };
        let depth = across * angle.sin() * sign;
        let across = across * angle.cos();
        let (pu, pv) = if about_vertical {
            (across, along)
        } else {
            (along, across)
        };
        let s = distance / (distance + depth);
        (pu * s + w / 2.0, pv * s + h / 2.0)
    };
    let corners = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
    let seen = corners.map(|(x, y)| project(x, y));
    let to_photo = crate::likeness::Homography::from_points(&seen, &corners)
        .expect("a tilted rectangle is a quadrilateral");
    let ground = if on_desk {
        *photo.get_pixel(0, 0)
    } else {
        Rgb([128, 128, 120])
    };
    RgbImage::from_fn(photo.width(), photo.height(), |x, y| {
        let (sx, sy) = to_photo.apply(x as f32 + 0.5, y as f32 + 0.5);
        sample(photo, sx - 0.5, sy - 0.5).unwrap_or(ground)
    })
}

/// Bilinear sample, or `None` outside the image.
fn sample(image: &RgbImage, x: f32, y: f32) -> Option<Rgb<u8>> {
    let (w, h) = (image.width() as f32, image.height() as f32);
    if x < 0.0 || y < 0.0 || x > w - 1.0 || y > h - 1.0 {
        return None;
    }
    let (x0, y0) = (x.floor() as u32, y.floor() as u32);
    let (x1, y1) = (
        (x0 + 1).min(image.width() - 1),
        (y0 + 1).min(image.height() - 1),
    );
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let p = |x, y| image.get_pixel(x, y).0.map(f32::from);
    let (a, b, c, d) = (p(x0, y0), p(x1, y0), p(x0, y1), p(x1, y1));
    Some(Rgb(std::array::from_fn(|i| {
        let top = a[i] + (b[i] - a[i]) * fx;
        let bottom = c[i] + (d[i] - c[i]) * fx;
        (top + (bottom - top) * fy) as u8
    })))
}

/// Light falling off from one side to the other, and the soft shadow of a hand.
fn shade(photo: &mut RgbImage, rng: &mut Rng) {
    let (w, h) = (photo.width() as f32, photo.height() as f32);
    let angle = rng.between(0.0, 2.0 * PI);
    let (dx, dy) = (angle.cos(), angle.sin());
    let falloff = rng.between(0.25, 0.45);
    let (hx, hy) = (rng.between(0.1, 0.9) * w, rng.between(0.1, 0.9) * h);
    let (rx, ry) = (rng.between(0.15, 0.35) * w, rng.between(0.15, 0.35) * h);
    let depth = rng.between(0.3, 0.55);
    for (x, y, pixel) in photo.enumerate_pixels_mut() {
        let (u, v) = (x as f32 / w - 0.5, y as f32 / h - 0.5);
        let light = 1.0 - falloff * (0.5 + u * dx + v * dy).clamp(0.0, 1.0);
        let reach = ((x as f32 - hx) / rx).powi(2) + ((y as f32 - hy) / ry).powi(2);
        let shadow = 1.0 - depth * (1.0 - ((reach.sqrt() - 0.7) / 0.6).clamp(0.0, 1.0));
        let factor = light * shadow;
        pixel
            .0
            .iter_mut()
            .for_each(|c| *c = (f32::from(*c) * factor) as u8);
    }
}

/// Up to 10% cut from each side, at least 3% from one of them.
fn crop(photo: &RgbImage, rng: &mut Rng) -> RgbImage {
    let mut cuts: [f32; 4] = std::array::from_fn(|_| rng.between(0.0, 0.10));
    cuts[rng.below(4) as usize] = rng.between(0.03, 0.10);
    let (w, h) = (photo.width() as f32, photo.height() as f32);
    let (x, y) = ((cuts[0] * w) as u32, (cuts[1] * h) as u32);
    let width = (w * (1.0 - cuts[0] - cuts[2])) as u32;
    let height = (h * (1.0 - cuts[1] - cuts[3])) as u32;
    imageops::crop_imm(photo, x, y, width, height).to_image()
}

/// Strokes of a pen on paper.
struct Canvas {
    image: RgbImage,
    /// Ink of the pen (or of the printer, for a form's labels).
    ink: [f32; 3],
}

impl Canvas {
    fn new(width: u32, height: u32) -> Self {
        Canvas {
            image: RgbImage::from_pixel(width, height, Rgb(PAPER.map(|c| c as u8))),
            ink: [25.0, 30.0, 90.0],
        }
    }

    /// Printed ruled lines and a margin rule.
    fn ruled(&mut self, gap: f32, margin: f32) {
        let (w, h) = (self.image.width() as f32, self.image.height() as f32);
        let mut y = gap * 2.0;
        while y < h - gap {
            self.line((0.0, y), (w, y), 1.0, RULE);
            y += gap;
        }
        self.line(
            (margin * 2.0, 0.0),
            (margin * 2.0, h),
            1.0,
            [220.0, 150.0, 150.0],
        );
    }

    /// The school's lesson-plan form: a printed title bar and a grid of fields, the same on
    /// every page that has it; returns where the writing starts below it.
    fn printed_form(&mut self, unit: f32) -> f32 {
        let (left, right, top) = (unit * 8.0, unit * 92.0, unit * 6.0);
        let rows = [0.0, 5.0, 10.0, 15.0, 20.0];
        for r in rows {
            self.line((left, top + r * unit), (right, top + r * unit), 2.0, PRINT);
        }
        for c in [0.0, 18.0, 50.0, 66.0, 84.0] {
            let x = left + c * unit;
            self.line((x, top), (x, top + 20.0 * unit), 2.0, PRINT);
        }
        // The printed labels of the fields: the same characters at the same places on every
        // form, printed, not written.
        let hand = self.ink;
        self.ink = PRINT;
        let mut press = Rng(0x0F0F_F0F0);
        for r in rows.iter().take(4) {
            let baseline = top + (r + 3.5) * unit;
            self.write(
                &mut press,
                left + unit,
                left + 16.0 * unit,
                baseline,
                unit * 2.0,
            );
            let x = left + 51.0 * unit;
            self.write(&mut press, x, x + 14.0 * unit, baseline, unit * 2.0);
        }
        self.ink = hand;
        top + 26.0 * unit
    }

    /// A line of handwriting from `start` to about `end`, characters of about `size`.
    fn write(&mut self, rng: &mut Rng, start: f32, end: f32, baseline: f32, size: f32) {
        let mut x = start;
        while x + size < end {
            self.character(rng, x, baseline, size);
            x += size * rng.between(1.05, 1.35);
            if rng.below(9) == 0 {
                // A comma or a full stop, then a wider gap.
                self.pen(
                    rng,
                    &[(x, baseline), (x - size * 0.15, baseline + size * 0.25)],
                    size,
                );
                x += size * 0.8;
            }
        }
    }

    /// One character: two to five strokes from the alphabet, each drawn a little differently.
    fn character(&mut self, rng: &mut Rng, x: f32, baseline: f32, size: f32) {
        let glyph = rng.below(ALPHABET as u32) as u64;
        let mut shape = Rng(glyph.wrapping_mul(0x9E37_79B9) ^ 0xA1FA);
        let strokes = 2 + shape.below(4);
        for _ in 0..strokes {
            let points: Vec<(f32, f32)> = (0..2 + shape.below(3))
                .map(|_| {
                    let (gx, gy) = (shape.between(0.0, 1.0), shape.between(0.0, 1.0));
                    let (jx, jy) = (rng.between(-0.06, 0.06), rng.between(-0.06, 0.06));
                    (x + (gx + jx) * size, baseline - (gy + jy) * size)
                })
                .collect();
            self.pen(rng, &points, size);
        }
    }

    /// A formula: terms, an equals sign, a fraction with a bar, exponents and brackets.
    fn formula(&mut self, rng: &mut Rng, x: f32, baseline: f32, size: f32) {
        let mut x = x;
        for _ in 0..2 + rng.below(3) {
            self.character(rng, x, baseline, size);
            self.character(rng, x + size * 1.1, baseline - size * 0.7, size * 0.55);
            x += size * 2.0;
            let op = rng.below(3) as f32;
            self.pen(
                rng,
                &[
                    (x, baseline - size * 0.5),
                    (x + size * 0.6, baseline - size * 0.5),
                ],
                size,
            );
            if op > 0.0 {
                let mid = x + size * 0.3;
                self.pen(
                    rng,
                    &[(mid, baseline - size * 0.8), (mid, baseline - size * 0.2)],
                    size,
                );
            }
            x += size * 1.2;
        }
        self.pen(
            rng,
            &[
                (x, baseline - size * 0.35),
                (x + size * 0.7, baseline - size * 0.35),
            ],
            size,
        );
        self.pen(
            rng,
            &[
                (x, baseline - size * 0.65),
                (x + size * 0.7, baseline - size * 0.65),
            ],
            size,
        );
        x += size * 1.3;
        // A fraction: a bar with a term above and below, in brackets.
        self.pen(
            rng,
            &[
                (x + size * 0.3, baseline - size * 1.6),
                (x, baseline - size * 0.5),
                (x + size * 0.3, baseline + size * 0.6),
            ],
            size,
        );
        let width = size * (2.0 + rng.below(3) as f32);
        self.pen(
            rng,
            &[
                (x + size * 0.5, baseline - size * 0.5),
                (x + size * 0.5 + width, baseline - size * 0.5),
            ],
            size,
        );
        self.write(
            rng,
            x + size * 0.7,
            x + width,
            baseline - size * 0.8,
            size * 0.7,
        );
        self.write(
            rng,
            x + size * 0.7,
            x + width,
            baseline + size * 0.5,
            size * 0.7,
        );
        let close = x + width + size * 0.7;
        self.pen(
            rng,
            &[
                (close - size * 0.3, baseline - size * 1.6),
                (close, baseline - size * 0.5),
                (close - size * 0.3, baseline + size * 0.6),
            ],
            size,
        );
    }

    /// A hand-ruled table with a few words in its cells; returns the baseline below it.
    fn table(&mut self, rng: &mut Rng, left: f32, right: f32, top: f32, gap: f32) -> f32 {
        let (rows, columns) = (2 + rng.below(3), 2 + rng.below(3));
        let width = (right - left) * rng.between(0.55, 1.0);
        let row_height = gap * 1.5;
        let size = gap * 0.35;
        for row in 0..=rows {
            let y = top + row_height * row as f32;
            self.pen(rng, &[(left, y), (left + width, y)], size);
        }
        for column in 0..=columns {
            let x = left + width * column as f32 / columns as f32;
            self.pen(rng, &[(x, top), (x, top + row_height * rows as f32)], size);
        }
        let cell = width / columns as f32;
        for row in 0..rows {
            for column in 0..columns {
                let x = left + cell * column as f32 + size * 0.5;
                let end = x + cell * rng.between(0.2, 0.8);
                let baseline = top + row_height * (row as f32 + 0.75);
                self.write(rng, x, end, baseline, size * 1.3);
            }
        }
        top + row_height * rows as f32 + gap
    }

    /// A pen stroke through `points`, a little shaky, its width from the character size.
    fn pen(&mut self, rng: &mut Rng, points: &[(f32, f32)], size: f32) {
        let nib = (size * 0.07).max(1.0) * rng.between(0.8, 1.2);
        for pair in points.windows(2) {
            self.line(pair[0], pair[1], nib, self.ink);
        }
    }

    fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, color: [f32; 3]) {
        let length = (to.0 - from.0).hypot(to.1 - from.1);
        let steps = (length / (width * 0.5).max(0.5)).ceil().max(1.0) as u32;
        for i in 0..=steps {
            let t = i as f32 / steps as f32;
            let (x, y) = (from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t);
            self.dot(x, y, width / 2.0, color);
        }
    }

    /// A round dot, its edge smoothed as a pen's ink spreads.
    fn dot(&mut self, cx: f32, cy: f32, radius: f32, color: [f32; 3]) {
        let radius = radius.max(0.5);
        let (w, h) = (self.image.width() as i64, self.image.height() as i64);
        let x0 = ((cx - radius - 1.0).floor() as i64).max(0);
        let x1 = ((cx + radius + 1.0).ceil() as i64).min(w - 1);
        let y0 = ((cy - radius - 1.0).floor() as i64).max(0);
        let y1 = ((cy + radius + 1.0).ceil() as i64).min(h - 1);
        for y in y0..=y1 {
            for x in x0..=x1 {
                let d = (x as f32 - cx).hypot(y as f32 - cy);
                let cover = (radius + 0.5 - d).clamp(0.0, 1.0);
                if cover > 0.0 {
                    let pixel = self.image.get_pixel_mut(x as u32, y as u32);
                    for (c, ink) in pixel.0.iter_mut().zip(color) {
                        let mixed = f32::from(*c) * (1.0 - cover) + ink * cover;
                        *c = (f32::from(*c)).min(mixed) as u8;
                    }
                }
            }
        }
    }
}

/// How many different characters the hand writes.
const ALPHABET: usize = 400;
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_page_and_retake() {
        assert_eq!(page(5), page(5));
        assert_ne!(page(5), page(6));
        let retake = Retake::new(&[Change::Crop, Change::Shadow], 9);
        assert_eq!(retake.photograph(&page(5)), retake.photograph(&page(5)));
    }

    #[test]
    fn turns_and_spreads_change_the_shape_of_the_photo() {
        let decode = |jpeg: Vec<u8>| image::load_from_memory(&jpeg).unwrap();
        let (w, h) = PAGE_SIZE;
        let turned = decode(Retake::new(&[Change::Turn90], 1).photograph(&page(1)));
        assert_eq!((turned.width(), turned.height()), (h, w));
        let spread = decode(Retake::new(&[Change::Spread], 1).photograph(&page(1)));
        assert_eq!((spread.width(), spread.height()), (2 * w, h));
    }
}
