//! Sniffing, decoding, orienting, resizing and encoding one upload.

use std::io::Cursor;

use fast_image_resize::Resizer;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageReader, RgbImage, RgbaImage};
use sha2::{Digest, Sha256};

use super::{heic, likeness, phash, Format, Limits, PhotoError, Processed};

/// The widest pixel among the accepted formats (16-bit RGBA PNG), to turn the pixel cap into a
/// byte cap for the decoders' own allocations.
const MAX_BYTES_PER_PIXEL: u64 = 8;

const JPEG_SOI: [u8; 3] = [0xFF, 0xD8, 0xFF];
const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
const JPEG_SOS: u8 = 0xDA;
const JPEG_EOI: [u8; 2] = [0xFF, 0xD9];
/// Brands of the `ftyp` box of a HEIF file whose pictures are HEVC, as cameras write them:
/// still images (`heic`, `heix` for 10 bits), sequences (`hevc`, `hevx`: bursts, Live Photos),
/// and the generic structural brands they list besides (`mif1`, `msf1`).
const HEIF_BRANDS: [&[u8; 4]; 10] = [
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1",
];
/// AVIF is HEIF too (brand `mif1`), with AV1 pictures: not what phones' cameras send.
const AVIF_BRANDS: [&[u8; 4]; 2] = [b"avif", b"avis"];

/// The real format of an upload, from its magic bytes only: the file name and the declared
/// content type are the uploader's word, not the file's.
pub fn sniff(bytes: &[u8]) -> Result<Format, PhotoError> {
    if bytes.is_empty() {
        Err(PhotoError::Empty)
    } else if bytes.starts_with(&JPEG_SOI) {
        Ok(Format::Jpeg)
    } else if bytes.starts_with(&PNG_SIGNATURE) {
        Ok(Format::Png)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Ok(Format::WebP)
    } else if is_heic(bytes) {
        Ok(Format::Heic)
    } else {
        Err(PhotoError::UnsupportedFormat)
    }
}

/// Whether the file starts with the `ftyp` box of a HEIF file with HEVC pictures: its size, the
/// type, the major brand, a minor version, then compatible brands up to the box's end.
fn is_heic(bytes: &[u8]) -> bool {
    let Some(size) = bytes.get(..4) else {
        return false;
    };
    let size = u32::from_be_bytes([size[0], size[1], size[2], size[3]]) as usize;
    if bytes.get(4..8) != Some(b"ftyp") || size < 16 {
        return false;
    }
    let major = &bytes[8..12.min(bytes.len())];
    let compatible = bytes.get(16..size.min(bytes.len())).unwrap_or_default();
    let brands: Vec<&[u8]> = std::iter::once(major)
        .chain(compatible.chunks_exact(4))
        .collect();
    let any_of = |wanted: &[&[u8; 4]]| brands.iter().any(|b| wanted.iter().any(|w| *b == *w));
    any_of(&HEIF_BRANDS) && !any_of(&AVIF_BRANDS)
}

/// Turns one upload into an upright page and thumbnail without metadata, plus its hashes.
///
/// Refuses an upload over `limits.max_bytes`, of another format than JPEG, PNG, WebP or HEIC
/// (HEIC only with the feature `heic`), whose
/// header claims more than `limits.max_pixels` (before anything is decoded), or that is truncated
/// or corrupt. Blocking and CPU-bound.
pub fn process(bytes: &[u8], limits: &Limits) -> Result<Processed, PhotoError> {
    let size = bytes.len() as u64;
    if size > limits.max_bytes {
        return Err(PhotoError::TooLarge {
            size,
            max: limits.max_bytes,
        });
    }
    let format = sniff(bytes)?;
    let (original, orientation) = decode(bytes, format, limits)?;
    // Shrink before anything else touches the pixels: flattening and rotating then copy the
    // page, not the (up to 40 megapixel) original.
    let mut page = to_jpeg_colors(shrink(original, limits.page_long_edge)?);
    page.apply_orientation(orientation);
    let page_jpeg = encode_jpeg(&page, limits.jpeg_quality)?;
    let (width, height) = (page.width(), page.height());
    // The second print only looks the page up; on its own thread, beside the first.
    let (print, half_step) = std::thread::scope(|s| {
        let half_step = s.spawn(|| likeness::Print::half_step(&page));
        let print = likeness::Print::of(&page);
        (print, half_step.join().unwrap_or_default())
    });
    // From the page rather than the original: a source a few times smaller, decoded only once.
    let thumb = shrink(page, limits.thumb_long_edge)?;
    Ok(Processed {
        page_jpeg,
        thumb_jpeg: encode_jpeg(&thumb, limits.jpeg_quality)?,
        width,
        height,
        original_sha256: hex::encode(Sha256::digest(bytes)),
        // The thumbnail is the page, small: the hash shrinks to 32×32 anyway.
        phash: phash::phash(&thumb),
        print,
        half_step,
        format,
    })
}

/// Decodes the upload once, after checking its header against the pixel cap.
fn decode(
    bytes: &[u8],
    format: Format,
    limits: &Limits,
) -> Result<(DynamicImage, Orientation), PhotoError> {
    let Some(image_format) = format.image_format() else {
        // libheif stands the picture upright itself, from the file's rotation and mirroring
        // (`irot`, `imir`): a HEIF's EXIF orientation describes the same turn and must not be
        // applied a second time.
        return Ok((heic::decode(bytes, limits)?, Orientation::NoTransforms));
    };
    if let Some((width, height)) = png_dimensions(bytes) {
        check_pixels(width, height, limits)?;
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    reader.limits(decoder_limits(limits));
    // Building the decoder reads the header only: no pixel buffer exists yet.
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let (width, height) = decoder.dimensions();
    check_pixels(width, height, limits)?;
    // `from_decoder` does not charge the pixel buffer to the limits (`ImageReader::decode` does,
    // but cannot tell the orientation): charge it here.
    decoder_limits(limits)
        .reserve(decoder.total_bytes())
        .map_err(decode_error)?;
    // The JPEG decoder fills a truncated scan with gray instead of failing.
    if format == Format::Jpeg && !jpeg_is_complete(bytes) {
        return Err(PhotoError::Corrupt("no end-of-image marker".into()));
    }
    // Broken EXIF is no reason to refuse a page: it then stays as stored.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    Ok((image, orientation))
}

/// The image crate's own guard, behind ours: it also caps what decoders allocate besides the
/// pixels (compressed PNG text and ICC chunks can be bombs too).
fn decoder_limits(limits: &Limits) -> image::Limits {
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_alloc = Some(limits.max_pixels.saturating_mul(MAX_BYTES_PER_PIXEL));
    decoder_limits
}

/// The PNG decoder reads every chunk up to the pixel data before it tells the size, but the size
/// is in the first chunk: checked from there, a bomb is refused before any of its chunks is read.
fn png_dimensions(png: &[u8]) -> Option<(u32, u32)> {
    if !png.starts_with(&PNG_SIGNATURE) || png.get(12..16)? != b"IHDR" {
        return None;
    }
    let be = |at: usize| {
        png.get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    Some((be(16)?, be(20)?))
}

pub(crate) fn check_pixels(width: u32, height: u32, limits: &Limits) -> Result<(), PhotoError> {
    if width == 0 || height == 0 {
        return Err(PhotoError::Corrupt(format!("{width}×{height} pixels")));
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(PhotoError::TooManyPixels(format!(
            "{width}×{height} pixels, at most {} allowed",
            limits.max_pixels
        )));
    }
    Ok(())
}

fn decode_error(error: ImageError) -> PhotoError {
    match error {
        ImageError::Limits(e) => PhotoError::TooManyPixels(e.to_string()),
        // A variant of an accepted format that the decoder cannot read (say, a 12-bit JPEG).
        ImageError::Unsupported(_) => PhotoError::UnsupportedFormat,
        other => PhotoError::Corrupt(other.to_string()),
    }
}

/// Whether an end-of-image marker follows the first scan. Inside entropy-coded data 0xFF is
/// always followed by 0x00 or a restart marker, so an FF D9 there is a real end; one before the
/// scan may belong to the EXIF thumbnail. Data after the end (motion photos) is allowed.
fn jpeg_is_complete(jpeg: &[u8]) -> bool {
    match jpeg_header(jpeg) {
        Some((_, scan)) => jpeg[scan..].windows(2).rev().any(|w| w == JPEG_EOI),
        None => false,
    }
}

/// The markers of the segments before the first scan, and the offset of the scan's data.
pub(crate) fn jpeg_header(jpeg: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut markers = Vec::new();
    let mut pos = JPEG_SOI.len() - 1;
    loop {
        // Decoders skip stray bytes and 0xFF fill between segments; so do we.
        while *jpeg.get(pos)? != 0xFF || *jpeg.get(pos + 1)? == 0xFF {
            pos += 1;
        }
        let marker = jpeg[pos + 1];
        let length = u16::from_be_bytes([*jpeg.get(pos + 2)?, *jpeg.get(pos + 3)?]);
        markers.push(marker);
        pos += 2 + usize::from(length);
        if marker == JPEG_SOS {
            return (pos <= jpeg.len()).then_some((markers, pos));
        }
    }
}

/// The page keeps the original's pixels as far as JPEG can store them: 8 bits, gray stays gray,
/// and transparency is laid on white paper (edited PNGs are often black under it).
fn to_jpeg_colors(image: DynamicImage) -> DynamicImage {
    match image {
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => image,
        DynamicImage::ImageLuma16(_) => DynamicImage::ImageLuma8(image.to_luma8()),
        _ if image.color().has_alpha() => DynamicImage::ImageRgb8(on_white(&image.to_rgba8())),
        _ => DynamicImage::ImageRgb8(image.to_rgb8()),
    }
}

fn on_white(rgba: &RgbaImage) -> RgbImage {
    let mut rgb = Vec::with_capacity(rgba.as_raw().len() / 4 * 3);
    for pixel in rgba.as_raw().chunks_exact(4) {
        let alpha = u16::from(pixel[3]);
        for &channel in &pixel[..3] {
            let blended = (u16::from(channel) * alpha + 255 * (255 - alpha) + 127) / 255;
            rgb.push(blended as u8);
        }
    }
    RgbImage::from_raw(rgba.width(), rgba.height(), rgb).expect("three bytes per pixel")
}

/// Shrinks so the long edge is at most `long_edge`, keeping the aspect ratio; never upscales.
fn shrink(image: DynamicImage, long_edge: u32) -> Result<DynamicImage, PhotoError> {
    let (width, height) = fitted_size(image.width(), image.height(), long_edge);
    if (width, height) == (image.width(), image.height()) {
        return Ok(image);
    }
    let mut resized = DynamicImage::new(width, height, image.color());
    Resizer::new()
        .resize(&image, &mut resized, None)
        .map_err(|e| PhotoError::Processing(e.to_string()))?;
    Ok(resized)
}

fn fitted_size(width: u32, height: u32, long_edge: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= long_edge {
        return (width, height);
    }
    let scale = f64::from(long_edge) / f64::from(longest);
    let side = |length: u32| ((f64::from(length) * scale).round() as u32).max(1);
    (side(width), side(height))
}

/// Encodes an 8-bit gray or RGB image; the encoder writes a JFIF header and no other metadata.
fn encode_jpeg(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let failed = |e: &dyn std::fmt::Display| PhotoError::Processing(e.to_string());
    let color = match image {
        DynamicImage::ImageLuma8(_) => jpeg_encoder::ColorType::Luma,
        _ => jpeg_encoder::ColorType::Rgb,
    };
    let width = u16::try_from(image.width()).map_err(|e| failed(&e))?;
    let height = u16::try_from(image.height()).map_err(|e| failed(&e))?;
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, quality)
        .encode(image.as_bytes(), width, height, color)
        .map_err(|e| failed(&e))?;
    Ok(jpeg)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use image::{GenericImageView, ImageEncoder, Rgba};

    use super::*;
    use crate::testimages;

    fn limits() -> Limits {
        Limits::default()
    }

    fn refusal(bytes: &[u8], limits: &Limits) -> &'static str {
        match process(bytes, limits) {
            Ok(_) => panic!("expected a refusal"),
            Err(e) => e.code(),
        }
    }

    fn decoded(jpeg: &[u8]) -> DynamicImage {
        image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg).expect("our own JPEG")
    }

    /// Mean gray level of a square of `side` pixels at (`x`, `y`).
    fn mean_gray(image: &DynamicImage, x: u32, y: u32, side: u32) -> f64 {
        let view = image.view(x, y, side, side).to_image();
        let sum: u64 = view
            .pixels()
            .map(|p| u64::from(p.0[0]) + u64::from(p.0[1]) + u64::from(p.0[2]))
            .sum();
        sum as f64 / (3 * side * side) as f64
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    /// No APP1 (EXIF or XMP) segment, no EXIF signature anywhere, nothing from the phone's EXIF.
    fn assert_no_metadata(jpeg: &[u8]) {
        let (markers, _) = jpeg_header(jpeg).expect("a well-formed JPEG");
        assert!(
            !markers.contains(&0xE1),
            "APP1 segment in output: {markers:x?}"
        );
        assert!(!contains(jpeg, b"Exif\0\0"));
        assert!(!contains(jpeg, testimages::EXIF_MAKE));
        assert!(!contains(jpeg, &testimages::gps_latitude_bytes()));
    }

    #[test]
    fn sniff_knows_jpeg_png_and_webp_by_their_bytes() {
        assert_eq!(
            sniff(&testimages::page_jpeg(1, 40, 30, 80)).unwrap(),
            Format::Jpeg
        );
        assert_eq!(
            sniff(&testimages::page_png(1, 40, 30)).unwrap(),
            Format::Png
        );
        assert_eq!(
            sniff(&testimages::page_webp(1, 40, 30)).unwrap(),
            Format::WebP
        );
    }

    #[test]
    fn sniff_refuses_everything_else() {
        let others: [&[u8]; 10] = [
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            b"<?xml version=\"1.0\"?><svg/>",
            // AVIF is HEIF with AV1 pictures; an MP4 video; an ftyp box too short for a brand.
            b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf",
            b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2",
            b"\x00\x00\x00\x0cftypheic",
            b"\x00\x00\x00\x18ftyp",
            b"RIFF\x24\x00\x00\x00WAVEfmt ",
            b"\xFF\xD8",
            &testimages::text_file(),
        ];
        for bytes in others {
            assert_eq!(sniff(bytes).unwrap_err().code(), "unsupported_format");
        }
        assert_eq!(sniff(b"").unwrap_err().code(), "empty_file");
    }

    #[test]
    fn sniff_knows_heic_by_the_brands_of_its_ftyp_box() {
        for heic in [
            testimages::heic_page(),
            testimages::heic_rotated_with_exif(),
        ] {
            assert_eq!(sniff(heic).unwrap(), Format::Heic);
        }
        assert_eq!(sniff(&testimages::fake_heic()).unwrap(), Format::Heic);
        // A major brand of the generic kind, HEVC pictures among the compatible brands.
        let mif1 = b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic";
        assert_eq!(sniff(mif1).unwrap(), Format::Heic);
        assert_eq!(Format::Heic.mime(), "image/heic");
    }

    /// Without the feature every HEIC, good or bad, gets the code that tells the app to send
    /// a JPEG instead.
    #[cfg(not(feature = "heic"))]
    #[test]
    fn without_the_feature_heic_is_refused_with_its_own_code() {
        const { assert!(!crate::HEIC) };
        let page = testimages::heic_page();
        let broken = testimages::fake_heic();
        let bomb = testimages::heic_with_size(100_000, 100_000);
        for heic in [page, testimages::heic_rotated_with_exif(), &broken, &bomb] {
            assert_eq!(refusal(heic, &limits()), "heic_not_enabled");
        }
        // The size limit still comes first.
        let small = Limits {
            max_bytes: 1000,
            ..limits()
        };
        assert_eq!(refusal(page, &small), "file_too_large");
    }

    #[test]
    fn refusals_have_stable_codes() {
        assert_eq!(refusal(b"", &limits()), "empty_file");
        assert_eq!(
            refusal(&testimages::text_file(), &limits()),
            "unsupported_format"
        );
        assert_eq!(
            refusal(&testimages::truncated_jpeg(), &limits()),
            "corrupt_image"
        );
        let small = Limits {
            max_bytes: 1000,
            ..limits()
        };
        assert_eq!(
            refusal(&testimages::page_jpeg(1, 300, 400, 90), &small),
            "file_too_large"
        );
        let mut png = testimages::page_png(1, 300, 400);
        png.truncate(png.len() / 2);
        assert_eq!(refusal(&png, &limits()), "corrupt_image");
        let mut webp = testimages::page_webp(1, 300, 400);
        webp.truncate(webp.len() / 2);
        assert_eq!(refusal(&webp, &limits()), "corrupt_image");
    }

    #[test]
    fn bombs_are_refused_from_the_header_in_milliseconds() {
        let started = Instant::now();
        for (width, height) in [(100_000, 100_000), (1_000_000, 1_000_000), (7000, 6000)] {
            let bomb = testimages::png_bomb_header(width, height);
            assert_eq!(
                refusal(&bomb, &limits()),
                "too_many_pixels",
                "{width}×{height}"
            );
        }
        let empty = testimages::png_bomb_header(0, 100);
        assert_eq!(refusal(&empty, &limits()), "corrupt_image");
        assert!(
            started.elapsed() < Duration::from_millis(50),
            "{:?}",
            started.elapsed()
        );
        // Just over the cap, through the JPEG decoder.
        let tight = Limits {
            max_pixels: 300 * 400 - 1,
            ..limits()
        };
        assert_eq!(
            refusal(&testimages::page_jpeg(1, 300, 400, 90), &tight),
            "too_many_pixels"
        );
    }

    #[test]
    fn orientation_6_stands_the_page_upright_without_any_metadata() {
        let photo = testimages::portrait_photo_with_exif(3, 1200, 900);
        assert!(
            contains(&photo, &testimages::gps_latitude_bytes()),
            "the input carries GPS"
        );
        let processed = process(&photo, &limits()).unwrap();
        assert_eq!((processed.width, processed.height), (900, 1200));

        let page = decoded(&processed.page_jpeg);
        assert_eq!(page.dimensions(), (900, 1200));
        // The dark mark sits in the upright page's top-left corner; the other corners are paper.
        let (side, last) = (20, (900 - 20 - 20, 1200 - 20 - 20));
        assert!(mean_gray(&page, 25, 25, side) < 60.0);
        assert!(mean_gray(&page, last.0, 20, side) > 200.0);
        assert!(mean_gray(&page, 20, last.1, side) > 200.0);
        assert!(mean_gray(&page, last.0, last.1, side) > 200.0);

        assert_eq!(decoded(&processed.thumb_jpeg).dimensions(), (240, 320));
        assert_no_metadata(&processed.page_jpeg);
        assert_no_metadata(&processed.thumb_jpeg);
    }

    #[test]
    fn a_12_megapixel_photo_becomes_a_2400_page_and_a_320_thumbnail() {
        let photo = testimages::page_jpeg(12, 4000, 3000, 90);
        let started = Instant::now();
        let processed = process(&photo, &limits()).unwrap();
        eprintln!(
            "12 MP JPEG ({} bytes) processed in {:?}",
            photo.len(),
            started.elapsed()
        );
        assert_eq!((processed.width, processed.height), (2400, 1800));
        assert_eq!(decoded(&processed.page_jpeg).dimensions(), (2400, 1800));
        assert_eq!(decoded(&processed.thumb_jpeg).dimensions(), (320, 240));
        assert_eq!(processed.format, Format::Jpeg);
        assert_eq!(
            processed.original_sha256,
            hex::encode(Sha256::digest(&photo))
        );
        assert_no_metadata(&processed.page_jpeg);
    }

    #[test]
    fn portrait_png_and_webp_fit_their_long_edge() {
        let processed = process(&testimages::page_png(4, 1000, 3000), &limits()).unwrap();
        assert_eq!((processed.width, processed.height), (800, 2400));
        assert_eq!(processed.format, Format::Png);
        assert_eq!(decoded(&processed.thumb_jpeg).dimensions(), (107, 320));

        let processed = process(&testimages::page_webp(5, 900, 1200), &limits()).unwrap();
        assert_eq!((processed.width, processed.height), (900, 1200));
        assert_eq!(processed.format, Format::WebP);
        assert_eq!(decoded(&processed.thumb_jpeg).dimensions(), (240, 320));
    }

    #[test]
    fn small_photos_are_never_upscaled() {
        let processed = process(&testimages::page_jpeg(6, 300, 200, 90), &limits()).unwrap();
        assert_eq!((processed.width, processed.height), (300, 200));
        assert_eq!(decoded(&processed.page_jpeg).dimensions(), (300, 200));
        assert_eq!(decoded(&processed.thumb_jpeg).dimensions(), (300, 200));
    }

    #[test]
    fn transparency_is_laid_on_white_paper() {
        // Transparent black everywhere, as image editors export it, and one opaque dark square.
        let mut rgba = RgbaImage::from_pixel(400, 300, Rgba([0, 0, 0, 0]));
        for y in 10..60 {
            for x in 10..60 {
                rgba.put_pixel(x, y, Rgba([20, 20, 20, 255]));
            }
        }
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(rgba.as_raw(), 400, 300, image::ExtendedColorType::Rgba8)
            .unwrap();
        let page = decoded(&process(&png, &limits()).unwrap().page_jpeg);
        assert!(mean_gray(&page, 20, 20, 30) < 40.0);
        assert!(mean_gray(&page, 200, 150, 50) > 250.0);
    }

    #[test]
    fn gray_photos_stay_gray() {
        let gray = DynamicImage::ImageRgb8(testimages::page(8, 600, 800)).grayscale();
        let processed = process(&testimages::jpeg(&gray, 85), &limits()).unwrap();
        assert_eq!(decoded(&processed.page_jpeg).color(), image::ColorType::L8);
        assert_eq!((processed.width, processed.height), (600, 800));
    }

    /// Viewed upright, the HEIC photos of `testimages` are 600×800 with a dark square top-left.
    #[cfg(feature = "heic")]
    fn assert_upright_page(processed: &Processed) {
        assert_eq!((processed.width, processed.height), (600, 800));
        assert_eq!(processed.format, Format::Heic);
        let page = decoded(&processed.page_jpeg);
        assert_eq!(page.dimensions(), (600, 800));
        let side = 20;
        assert!(
            mean_gray(&page, 15, 15, side) < 60.0,
            "the mark is top-left"
        );
        for (x, y) in [(600 - 35, 15), (15, 800 - 35), (600 - 35, 800 - 35)] {
            assert!(mean_gray(&page, x, y, side) > 200.0, "paper at {x},{y}");
        }
        assert_eq!(decoded(&processed.thumb_jpeg).dimensions(), (240, 320));
        assert_no_metadata(&processed.page_jpeg);
        assert_no_metadata(&processed.thumb_jpeg);
    }

    #[cfg(feature = "heic")]
    #[test]
    fn a_heic_page_becomes_a_jpeg_page_and_thumbnail() {
        const { assert!(crate::HEIC) };
        let heic = testimages::heic_page();
        let processed = process(heic, &limits()).unwrap();
        assert_upright_page(&processed);
        assert_eq!(processed.original_sha256, hex::encode(Sha256::digest(heic)));
    }

    #[cfg(feature = "heic")]
    #[test]
    fn a_rotated_heic_is_turned_once_and_loses_its_exif_and_gps() {
        let heic = testimages::heic_rotated_with_exif();
        assert!(contains(heic, b"irot"), "stored landscape, turned by irot");
        assert!(contains(heic, &testimages::gps_latitude_bytes()), "GPS");
        assert!(contains(heic, testimages::EXIF_MAKE));
        // libheif applies irot; the EXIF orientation (6) says the same turn and is not applied
        // again, else the page would lie on its side.
        assert_upright_page(&process(heic, &limits()).unwrap());
    }

    #[cfg(feature = "heic")]
    #[test]
    fn heic_bombs_are_refused_from_the_header_in_milliseconds() {
        let started = Instant::now();
        // Past libheif's own limit, and within it but over our cap.
        for (width, height) in [(100_000, 100_000), (1 << 31, 1 << 31), (8000, 6000)] {
            let bomb = testimages::heic_with_size(width, height);
            assert_eq!(
                refusal(&bomb, &limits()),
                "too_many_pixels",
                "{width}×{height}"
            );
        }
        assert!(
            started.elapsed() < Duration::from_millis(100),
            "{:?}",
            started.elapsed()
        );
        let tight = Limits {
            max_pixels: 600 * 800 - 1,
            ..limits()
        };
        assert_eq!(refusal(testimages::heic_page(), &tight), "too_many_pixels");
    }

    #[cfg(feature = "heic")]
    #[test]
    fn broken_heic_is_corrupt_like_a_broken_jpeg() {
        assert_eq!(
            refusal(&testimages::fake_heic(), &limits()),
            "corrupt_image"
        );
        let whole = testimages::heic_page();
        for cut in [whole.len() / 2, whole.len() - 100, 400, 40] {
            assert_eq!(
                refusal(&whole[..cut], &limits()),
                "corrupt_image",
                "cut at {cut} of {}",
                whole.len()
            );
        }
        let zero = testimages::heic_with_size(0, 800);
        assert_eq!(refusal(&zero, &limits()), "corrupt_image");
        // A picture smaller than its header says: within the cap either way, so kept or
        // refused as broken, never a processing failure (the API's 500).
        match process(&testimages::heic_with_size(300, 400), &limits()) {
            Ok(done) => assert!(done.width <= 600 && done.height <= 800),
            Err(e) => assert_eq!(e.code(), "corrupt_image", "{e}"),
        }
    }
}
