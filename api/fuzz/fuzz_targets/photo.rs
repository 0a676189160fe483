//! The photo pipeline on arbitrary bytes: whatever a phone (or an attacker) uploads, `process`
//! answers a page and a thumbnail within their sizes and without metadata, or an error the API
//! answers 4xx. A panic, a hang, an out-of-memory or an `image_processing_failed` (the API's 500)
//! is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tingke_photo::{process, Limits, PhotoError};

fuzz_target!(|data: &[u8]| {
    // A smaller pixel cap than the server's 40 megapixels keeps each run short; the check
    // before decoding is the same code.
    let limits = Limits {
        max_pixels: 2_000_000,
        ..Limits::default()
    };
    match process(data, &limits) {
        Ok(done) => check_outputs(&done, &limits),
        Err(PhotoError::Processing(e)) => panic!("a valid upload failed to process: {e}"),
        Err(e) => {
            e.code();
        }
    }
});

fn check_outputs(done: &tingke_photo::Processed, limits: &Limits) {
    let page = image::load_from_memory_with_format(&done.page_jpeg, image::ImageFormat::Jpeg)
        .expect("the page is a JPEG");
    let thumb = image::load_from_memory_with_format(&done.thumb_jpeg, image::ImageFormat::Jpeg)
        .expect("the thumbnail is a JPEG");
    assert_eq!((page.width(), page.height()), (done.width, done.height));
    assert!(page.width().max(page.height()) <= limits.page_long_edge);
    assert!(thumb.width().max(thumb.height()) <= limits.thumb_long_edge);
    assert!(page.width() > 0 && page.height() > 0);
    for jpeg in [&done.page_jpeg, &done.thumb_jpeg] {
        // No APP1 (EXIF, XMP) segment: a phone photo's GPS position must not survive.
        assert!(!header_markers(jpeg).contains(&0xE1), "metadata kept");
    }
    // The print kept in the district's index reads back as it was written, and gives keys and
    // a comparison with itself without a panic.
    let bytes = done.print.to_bytes();
    let again = tingke_photo::likeness::Print::from_bytes(&bytes).expect("its own bytes");
    assert_eq!(again.points.len(), done.print.points.len());
    assert_eq!(again.keys(), done.print.keys());
    tingke_photo::likeness::same_page(&again, &done.print);
}

/// The markers of the segments before the image data (start of scan).
fn header_markers(jpeg: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut at = 2;
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF {
        let marker = jpeg[at + 1];
        markers.push(marker);
        if marker == 0xDA {
            break;
        }
        at += 2 + usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
    }
    markers
}
