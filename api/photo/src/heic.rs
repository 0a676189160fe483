//! HEIC/HEIF photos, decoded by libheif when the crate is built with the feature `heic`.
//!
//! libheif reads the file's boxes, decodes the HEVC tiles of the primary picture (an iPhone's is
//! a grid of 512×512 tiles) and applies its rotation, mirroring and crop (`irot`, `imir`, `clap`):
//! what comes out is upright, and goes through the same shrinking and JPEG encoding as a JPEG.
//! Nothing of the file's metadata (EXIF with GPS, XMP) is read.

/// Without libheif a HEIF upload is refused with its own code: the app converts and retries.
#[cfg(not(feature = "heic"))]
pub(crate) fn decode(
    _bytes: &[u8],
    _limits: &crate::Limits,
) -> Result<image::DynamicImage, crate::PhotoError> {
    Err(crate::PhotoError::HeicNotEnabled)
}

#[cfg(feature = "heic")]
pub(crate) use with_libheif::decode;

#[cfg(feature = "heic")]
mod with_libheif {
    use std::sync::OnceLock;

    use image::{DynamicImage, ImageBuffer, Rgb, RgbImage, Rgba, RgbaImage};
    use libheif_rs::{
        ColorSpace, HeifContext, HeifError, HeifErrorCode, HeifErrorSubCode, LibHeif, Plane,
        RgbChroma,
    };

    use crate::pipeline::check_pixels;
    use crate::{Limits, PhotoError};

    /// libheif's plugins and tables, initialised once for the process and never torn down:
    /// `heif_deinit` while another thread decodes would pull them from under it.
    fn libheif() -> &'static LibHeif {
        static LIBHEIF: OnceLock<LibHeif> = OnceLock::new();
        LIBHEIF.get_or_init(LibHeif::new)
    }

    /// Decodes the primary picture, upright, after checking its size against the pixel cap.
    pub(crate) fn decode(bytes: &[u8], limits: &Limits) -> Result<DynamicImage, PhotoError> {
        let libheif = libheif();
        let mut context = HeifContext::read_from_bytes(bytes).map_err(heif_error)?;
        // One thread per photo, like the other decoders: the server bounds how many photos are
        // processed at once (`TINGKE_PHOTO_WORKERS`), and libheif would start its own threads
        // for the tiles of a grid picture (an iPhone's) beyond that bound.
        context.set_max_decoding_threads(1);
        let handle = context.primary_image_handle().map_err(heif_error)?;
        // The size from the picture's properties (`ispe`, after rotation): nothing is decoded yet.
        check_pixels(handle.width(), handle.height(), limits)?;
        // Decoding options are not passed: libheif-rs 0.20 frees them before libheif reads them.
        // The defaults apply the file's transforms. A 10-bit picture is asked for as 16-bit RGB
        // (libheif converts 8 bits only when told to, through those options).
        let high = handle.luma_bits_per_pixel() > 8;
        let alpha = handle.has_alpha_channel();
        let chroma = match (high, alpha) {
            (false, false) => RgbChroma::Rgb,
            (false, true) => RgbChroma::Rgba,
            (true, false) => RgbChroma::HdrRgbLe,
            (true, true) => RgbChroma::HdrRgbaLe,
        };
        let image = libheif
            .decode(&handle, ColorSpace::Rgb(chroma), None)
            .map_err(heif_error)?;
        let planes = image.planes();
        let plane = planes
            .interleaved
            .ok_or_else(|| PhotoError::Corrupt("libheif returned no RGB plane".into()))?;
        // The decoded size can differ from the header's only in a broken file; checked again
        // before our own copy of the pixels is made.
        check_pixels(plane.width, plane.height, limits)?;
        to_image(&plane, high, alpha).ok_or_else(plane_too_small)
    }

    /// Our copy of libheif's interleaved RGB(A) plane, 8 or 16 bits a sample.
    fn to_image(plane: &Plane<&[u8]>, high: bool, alpha: bool) -> Option<DynamicImage> {
        let bytes_per_sample = if high { 2 } else { 1 };
        let channels = if alpha { 4 } else { 3 };
        let row = plane.width as usize * channels * bytes_per_sample;
        let packed = packed_rows(plane.data, plane.stride, row, plane.height as usize)?;
        let (width, height) = (plane.width, plane.height);
        match (high, alpha) {
            (false, false) => RgbImage::from_raw(width, height, packed).map(DynamicImage::from),
            (false, true) => RgbaImage::from_raw(width, height, packed).map(DynamicImage::from),
            (true, false) => {
                let samples = widen(&packed, plane.bits_per_pixel);
                ImageBuffer::<Rgb<u16>, _>::from_raw(width, height, samples).map(DynamicImage::from)
            }
            (true, true) => {
                let samples = widen(&packed, plane.bits_per_pixel);
                ImageBuffer::<Rgba<u16>, _>::from_raw(width, height, samples)
                    .map(DynamicImage::from)
            }
        }
    }

    fn plane_too_small() -> PhotoError {
        PhotoError::Corrupt("libheif's plane is smaller than its size".into())
    }

    /// The rows of a plane without the padding libheif puts at the end of each; `None` when the
    /// plane is smaller than its size says.
    fn packed_rows(data: &[u8], stride: usize, row: usize, height: usize) -> Option<Vec<u8>> {
        if stride < row {
            return None;
        }
        let mut packed = Vec::with_capacity(row * height);
        for y in 0..height {
            packed.extend_from_slice(data.get(y * stride..y * stride + row)?);
        }
        Some(packed)
    }

    /// Little-endian samples of `bits` bits (10 or 12), scaled to the full 16-bit range.
    fn widen(row: &[u8], bits: u8) -> Vec<u16> {
        let max = (1u32 << bits.clamp(9, 16)) - 1;
        row.chunks_exact(2)
            .map(|pair| {
                let value = u32::from(u16::from_le_bytes([pair[0], pair[1]])).min(max);
                ((value * 65_535 + max / 2) / max) as u16
            })
            .collect()
    }

    /// libheif's refusals: a size over its own security limits is a bomb, a coding it cannot
    /// decode is an unsupported variant, anything else (including a file that is not HEIF after
    /// all, past its first bytes) is broken.
    fn heif_error(error: HeifError) -> PhotoError {
        match (error.code, error.sub_code) {
            (_, HeifErrorSubCode::SecurityLimitExceeded)
            | (HeifErrorCode::MemoryAllocationError, _) => {
                PhotoError::TooManyPixels(error.to_string())
            }
            (HeifErrorCode::UnsupportedFeature, _) => PhotoError::UnsupportedFormat,
            _ => PhotoError::Corrupt(error.to_string()),
        }
    }
}
