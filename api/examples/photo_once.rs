//! One photo through Tingke's pipeline, for `bench/photo-vs-vips.sh`:
//!
//! ```sh
//! photo_once --make photo.jpg          # write the 12-megapixel phone JPEG (EXIF orientation 6)
//! photo_once photo.jpg outdir          # write outdir/page.jpg (2400 px) and outdir/thumb.jpg (320 px)
//! ```

use std::path::Path;
use std::process::ExitCode;
use tingke_api::photo::{process, testimages, Limits};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [flag, out] if flag == "--make" => {
            std::fs::write(out, testimages::phone_photo_with_exif(12, 4000, 3000))
                .map_err(|e| e.to_string())
        }
        [input, outdir] => run(Path::new(input), Path::new(outdir)),
        _ => Err("usage: photo_once --make OUT.jpg | photo_once IN.jpg OUTDIR".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(input: &Path, outdir: &Path) -> Result<(), String> {
    let bytes = std::fs::read(input).map_err(|e| e.to_string())?;
    let processed = process(&bytes, &Limits::default()).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(outdir).map_err(|e| e.to_string())?;
    std::fs::write(outdir.join("page.jpg"), processed.page_jpeg).map_err(|e| e.to_string())?;
    std::fs::write(outdir.join("thumb.jpg"), processed.thumb_jpeg).map_err(|e| e.to_string())?;
    Ok(())
}
