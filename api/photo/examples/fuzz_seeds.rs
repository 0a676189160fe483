//! Writes the starting corpus of the photo fuzz target: small pages in each accepted format, a
//! phone photo with EXIF orientation and GPS, a decompression-bomb header and a truncated JPEG,
//! and HEIC: a page, a fake one and a bomb.
//!
//! `cargo run -p tingke-photo --example fuzz_seeds -- api/fuzz/corpus/photo`

use tingke_photo::testimages;

fn main() -> std::io::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!("usage: fuzz_seeds <folder>");
        std::process::exit(2)
    }));
    std::fs::create_dir_all(&dir)?;
    let seeds = [
        ("page.jpg", testimages::page_jpeg(1, 48, 64, 80)),
        ("page.png", testimages::page_png(2, 48, 64)),
        ("page.webp", testimages::page_webp(3, 48, 64)),
        (
            "portrait-exif.jpg",
            testimages::portrait_photo_with_exif(4, 64, 48),
        ),
        ("bomb.png", testimages::png_bomb_header(100_000, 100_000)),
        ("truncated.jpg", testimages::truncated_jpeg()),
        // HEIC: decoded only in a build with the feature `heic`, refused by its brand otherwise.
        ("page.heic", testimages::heic_page().to_vec()),
        ("fake.heic", testimages::fake_heic()),
        ("bomb.heic", testimages::heic_with_size(100_000, 100_000)),
    ];
    for (name, bytes) in seeds {
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}
