//! Synthetic uploads for tests: handwritten-looking pages, a rotated phone photo with EXIF and
//! GPS, a decompression bomb, a truncated JPEG and a text file. Deterministic: the same seed
//! draws the same page, and different seeds draw different pages.
//!
//! Public (not `cfg(test)`) so the API's integration tests upload the same files.

use std::f32::consts::TAU;
use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

const PAPER: Rgb<u8> = Rgb([250, 249, 243]);
const INK: Rgb<u8> = Rgb([25, 30, 80]);
const MARK: Rgb<u8> = Rgb([10, 10, 10]);

/// The `Make` written into the EXIF of [`portrait_photo_with_exif`]; must not survive processing.
pub const EXIF_MAKE: &[u8] = b"TingkePhone";

/// A page of handwriting: a title, paragraphs of wavy "words", and a ruled table. Everything is
/// placed relative to the size, so the same seed at another size is the same page resized.
/// Margins of 7% stay blank, so tests can look at the corners.
pub fn page(seed: u64, width: u32, height: u32) -> RgbImage {
    let mut canvas = Canvas::new(width, height);
    let mut rng = Rng(seed);
    let unit = width.min(height) as f32 / 100.0;
    let (left, right) = (
        width as f32 * rng.between(0.08, 0.14),
        width as f32 * rng.between(0.86, 0.92),
    );
    let gap = unit * rng.between(4.5, 6.5);
    let mut y = height as f32 * rng.between(0.1, 0.14);
    // Title: one line of larger, bolder writing, somewhere on the first line.
    let title_start = left + (right - left) * rng.between(0.0, 0.4);
    let title_end = title_start + (right - title_start) * rng.between(0.3, 0.9);
    canvas.write_line(&mut rng, title_start, title_end, y, unit * 2.0, unit * 0.5);
    y += gap * 2.0;
    let table_row = rng.below(8);
    let mut line = 0;
    while y < height as f32 * 0.9 {
        if line == table_row {
            y = canvas.table(&mut rng, left, right, y, gap);
        } else if rng.below(5) == 0 {
            // Paragraph break: an empty line, the next one indented.
            y += gap;
            let indent = left + unit * rng.between(3.0, 8.0);
            canvas.write_line(&mut rng, indent, right, y, unit, unit * 0.3);
        } else {
            let end = right - (right - left) * rng.between(0.0, 0.5);
            canvas.write_line(&mut rng, left, end, y, unit, unit * 0.3);
        }
        y += gap;
        line += 1;
    }
    canvas.image
}

/// [`page`] as a JPEG of the given quality.
pub fn page_jpeg(seed: u64, width: u32, height: u32, quality: u8) -> Vec<u8> {
    jpeg(&DynamicImage::ImageRgb8(page(seed, width, height)), quality)
}

/// [`page`] as a PNG.
pub fn page_png(seed: u64, width: u32, height: u32) -> Vec<u8> {
    encode(
        &DynamicImage::ImageRgb8(page(seed, width, height)),
        ImageFormat::Png,
    )
}

/// [`page`] as a (lossless) WebP.
pub fn page_webp(seed: u64, width: u32, height: u32) -> Vec<u8> {
    encode(
        &DynamicImage::ImageRgb8(page(seed, width, height)),
        ImageFormat::WebP,
    )
}

/// What a phone writes when held upright: pixels stored landscape (`width` > `height`) with EXIF
/// Orientation 6 ("turn 90° clockwise to view"), plus GPS coordinates and a camera make. Viewed
/// upright it is a `height`×`width` portrait [`page`] with a dark square in its top-left corner.
pub fn portrait_photo_with_exif(seed: u64, width: u32, height: u32) -> Vec<u8> {
    let mut upright = page(seed, height, width);
    let side = (height.min(width) / 20).max(2);
    let margin = height.min(width) / 50;
    for y in margin..margin + side {
        for x in margin..margin + side {
            upright.put_pixel(x, y, MARK);
        }
    }
    // Store the pixels turned back, as the camera sensor saw them.
    let stored = image::imageops::rotate270(&upright);
    let plain = jpeg(&DynamicImage::ImageRgb8(stored), 90);
    with_app1(&plain, &exif_with_gps())
}

/// A phone camera's photo of a handwritten page for benchmarks: [`portrait_photo_with_exif`]
/// (stored landscape with EXIF Orientation 6 and GPS), plus what a camera adds to paper — uneven
/// light falling off towards the edges and sensor grain — at quality 92, so a 12-megapixel photo
/// weighs megabytes like a real one instead of compressing to almost nothing.
pub fn phone_photo_with_exif(seed: u64, width: u32, height: u32) -> Vec<u8> {
    let mut upright = page(seed, height, width);
    let mut rng = Rng(seed ^ 0x5EED);
    let (cx, cy) = (height as f32 / 2.0, width as f32 / 2.0);
    let reach = cx.hypot(cy);
    for (x, y, pixel) in upright.enumerate_pixels_mut() {
        let light = 1.0 - 0.18 * ((x as f32 - cx).hypot(y as f32 - cy) / reach).powi(2);
        let grain = (rng.next() % 13) as f32 - 6.0;
        for channel in pixel.0.iter_mut() {
            *channel = (f32::from(*channel) * light + grain).clamp(0.0, 255.0) as u8;
        }
    }
    let stored = image::imageops::rotate270(&upright);
    let plain = jpeg(&DynamicImage::ImageRgb8(stored), 92);
    with_app1(&plain, &exif_with_gps())
}

/// The GPSLatitude value written by [`portrait_photo_with_exif`] (39°54'26.50"), as stored:
/// tests look for these bytes in the output.
pub fn gps_latitude_bytes() -> Vec<u8> {
    rationals(&[(39, 1), (54, 1), (2650, 100)])
}

/// A PNG signature and a valid IHDR claiming `width`×`height` RGBA pixels, then garbage: a
/// decompression bomb as far as any header-only check can tell.
pub fn png_bomb_header(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    // 8 bits per channel, RGBA, deflate, adaptive filtering, no interlace.
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.extend_from_slice(&png_chunk(b"IHDR", &ihdr));
    let mut rng = Rng(width.into());
    png.extend((0..4096).map(|_| rng.next() as u8));
    png
}

/// A HEIC photo of an upright 600×800 page with a dark square in its top-left corner and no
/// metadata, written by heif-enc (`tests/heic/make.py`).
pub fn heic_page() -> &'static [u8] {
    include_bytes!("../tests/heic/page.heic")
}

/// A HEIC photo as an iPhone held upright writes it: the page of [`heic_page`] stored landscape
/// (800×600) with an `irot` turning it upright, EXIF Orientation 6 saying the same (applying
/// both would turn it twice), GPS ([`gps_latitude_bytes`]) and the make [`EXIF_MAKE`]. Viewed
/// upright it is 600×800 with the dark square top-left.
pub fn heic_rotated_with_exif() -> &'static [u8] {
    include_bytes!("../tests/heic/rotated-exif-gps.heic")
}

/// [`heic_page`] whose image spatial extents (`ispe`) claim `width`×`height`: a decompression
/// bomb as far as the header tells.
pub fn heic_with_size(width: u32, height: u32) -> Vec<u8> {
    let mut heic = heic_page().to_vec();
    let at = heic
        .windows(4)
        .position(|w| w == b"ispe")
        .expect("page.heic has an ispe box");
    // Type, version and flags, then the width and the height.
    heic[at + 8..at + 12].copy_from_slice(&width.to_be_bytes());
    heic[at + 12..at + 16].copy_from_slice(&height.to_be_bytes());
    heic
}

/// An `ftyp` box of a HEIC file, then noise: a fake or broken photo that the first bytes
/// cannot tell from a real one.
pub fn fake_heic() -> Vec<u8> {
    let mut heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic".to_vec();
    let mut rng = Rng(0x4845_4943);
    heic.extend((0..4096).map(|_| rng.next() as u8));
    heic
}

/// The first half of a page JPEG: what a dropped connection leaves.
pub fn truncated_jpeg() -> Vec<u8> {
    let mut whole = page_jpeg(7, 600, 800, 85);
    whole.truncate(whole.len() / 2);
    whole
}

/// A lesson plan typed as plain text, uploaded where a photo was expected.
pub fn text_file() -> Vec<u8> {
    b"Lesson plan, grade 5 mathematics\n1. Fractions warm-up (10 min)\n2. Group work\n".to_vec()
}

/// Encodes at the given JPEG quality.
pub fn jpeg(image: &DynamicImage, quality: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, quality))
        .expect("encoding into memory succeeds");
    bytes
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, format)
        .expect("encoding into memory succeeds");
    bytes.into_inner()
}

/// Draws round-nibbed strokes on paper.
struct Canvas {
    image: RgbImage,
}

impl Canvas {
    fn new(width: u32, height: u32) -> Self {
        Canvas {
            image: RgbImage::from_pixel(width, height, PAPER),
        }
    }

    /// One line of cursive-looking words from `start` to `end` on baseline `y`.
    fn write_line(&mut self, rng: &mut Rng, start: f32, end: f32, y: f32, size: f32, nib: f32) {
        let mut x = start;
        while x < end {
            let word_end = (x + size * rng.between(3.0, 12.0)).min(end);
            self.word(rng, x, word_end, y, size, nib);
            x = word_end + size * rng.between(1.2, 2.5);
        }
    }

    /// A word: loops like letters, each of its own height, some with ascenders.
    fn word(&mut self, rng: &mut Rng, start: f32, end: f32, baseline: f32, size: f32, nib: f32) {
        let step = (nib * 0.7).max(0.5);
        let mut previous = (start, baseline);
        let mut x = start;
        let (mut phase, mut letter_height) = (0.0_f32, size);
        while x < end {
            phase += step / size * 1.6;
            if phase > TAU {
                phase -= TAU;
                letter_height =
                    size * rng.between(0.6, 1.0) * if rng.below(4) == 0 { 2.2 } else { 1.0 };
            }
            let point = (x, baseline - letter_height * (0.5 - 0.5 * phase.cos()));
            self.stroke(previous, point, nib);
            previous = point;
            x += step * 0.6;
        }
    }

    /// A ruled table of a few rows and columns; returns the baseline below it.
    fn table(&mut self, rng: &mut Rng, left: f32, right: f32, top: f32, gap: f32) -> f32 {
        let rows = 2 + rng.below(3);
        let columns = 2 + rng.below(3);
        let width = (right - left) * rng.between(0.5, 1.0);
        let height = gap * 1.5 * rows as f32;
        let nib = gap * 0.05;
        for row in 0..=rows {
            let y = top + height * row as f32 / rows as f32;
            self.stroke((left, y), (left + width, y), nib);
        }
        for column in 0..=columns {
            let x = left + width * column as f32 / columns as f32;
            self.stroke((x, top), (x, top + height), nib);
        }
        top + height + gap
    }

    fn stroke(&mut self, from: (f32, f32), to: (f32, f32), nib: f32) {
        let length = (to.0 - from.0).hypot(to.1 - from.1);
        let steps = (length / (nib * 0.5).max(0.5)).ceil().max(1.0) as u32;
        for i in 0..=steps {
            let t = i as f32 / steps as f32;
            self.dot(
                from.0 + (to.0 - from.0) * t,
                from.1 + (to.1 - from.1) * t,
                nib,
            );
        }
    }

    fn dot(&mut self, cx: f32, cy: f32, radius: f32) {
        let radius = radius.max(0.6);
        let (w, h) = (self.image.width() as i64, self.image.height() as i64);
        let x0 = ((cx - radius).floor() as i64).max(0);
        let x1 = ((cx + radius).ceil() as i64).min(w - 1);
        let y0 = ((cy - radius).floor() as i64).max(0);
        let y1 = ((cy + radius).ceil() as i64).min(h - 1);
        for y in y0..=y1 {
            for x in x0..=x1 {
                let (dx, dy) = (x as f32 - cx, y as f32 - cy);
                if dx * dx + dy * dy <= radius * radius {
                    self.image.put_pixel(x as u32, y as u32, INK);
                }
            }
        }
    }
}

/// A small deterministic generator (SplitMix64): the pages must not change with a `rand` upgrade.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn between(&mut self, low: f32, high: f32) -> f32 {
        let unit = (self.next() >> 40) as f32 / (1u64 << 24) as f32;
        low + (high - low) * unit
    }

    pub(crate) fn below(&mut self, n: u32) -> u32 {
        (self.next() % u64::from(n)) as u32
    }
}

/// A little-endian TIFF block as a phone writes it: IFD0 with Make, Orientation 6 and a pointer
/// to a GPS IFD holding latitude and longitude.
fn exif_with_gps() -> Vec<u8> {
    const HEADER: u32 = 8;
    const IFD0_LEN: u32 = 2 + 3 * 12 + 4;
    const GPS_IFD_LEN: u32 = 2 + 5 * 12 + 4;
    let make_at = HEADER + IFD0_LEN;
    let make = [EXIF_MAKE, b"\0"].concat();
    let gps_at = make_at + make.len() as u32;
    let latitude_at = gps_at + GPS_IFD_LEN;
    let longitude_at = latitude_at + 24;

    let mut tiff = b"II*\0".to_vec();
    tiff.extend_from_slice(&HEADER.to_le_bytes());
    // Entries in ascending tag order: (tag, type, count, value or offset).
    // Types: 1 BYTE, 2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL.
    ifd(
        &mut tiff,
        &[
            (0x010F, 2, make.len() as u32, make_at.to_le_bytes()),
            (0x0112, 3, 1, [6, 0, 0, 0]),
            (0x8825, 4, 1, gps_at.to_le_bytes()),
        ],
    );
    tiff.extend_from_slice(&make);
    ifd(
        &mut tiff,
        &[
            (0x0000, 1, 4, [2, 3, 0, 0]),
            (0x0001, 2, 2, *b"N\0\0\0"),
            (0x0002, 5, 3, latitude_at.to_le_bytes()),
            (0x0003, 2, 2, *b"E\0\0\0"),
            (0x0004, 5, 3, longitude_at.to_le_bytes()),
        ],
    );
    tiff.extend_from_slice(&gps_latitude_bytes());
    tiff.extend_from_slice(&rationals(&[(116, 1), (23, 1), (2910, 100)]));
    tiff
}

fn ifd(tiff: &mut Vec<u8>, entries: &[(u16, u16, u32, [u8; 4])]) {
    tiff.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, kind, count, value) in entries {
        tiff.extend_from_slice(&tag.to_le_bytes());
        tiff.extend_from_slice(&kind.to_le_bytes());
        tiff.extend_from_slice(&count.to_le_bytes());
        tiff.extend_from_slice(value);
    }
    // No next IFD.
    tiff.extend_from_slice(&0u32.to_le_bytes());
}

fn rationals(values: &[(u32, u32)]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|(numerator, denominator)| [numerator.to_le_bytes(), denominator.to_le_bytes()])
        .flatten()
        .collect()
}

/// Inserts an EXIF APP1 segment right after SOI, where phones put it.
fn with_app1(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    let payload = [b"Exif\0\0".as_slice(), tiff].concat();
    let length = u16::try_from(payload.len() + 2).expect("EXIF fits one segment");
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    let crc = crc32(&chunk[4..]);
    chunk.extend_from_slice(&crc.to_be_bytes());
    chunk
}

/// The CRC-32 PNG chunks carry (bitwise: a few dozen bytes need no table).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
