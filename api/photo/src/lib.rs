//! The photo pipeline: teachers upload phone photos of handwritten lesson plans, and nothing in
//! such a file is trusted. [`process`] sniffs the real format, refuses decompression bombs before
//! decoding, decodes once, stands the page upright from its EXIF orientation, and writes a
//! normalized page and a thumbnail as JPEG with no metadata at all (a phone photo carries GPS).
//! It also returns the SHA-256 of the original and a perceptual hash ([`phash`]) to find the same
//! page uploaded again.
//!
//! HEIC/HEIF photos are decoded with libheif when the crate is built with the feature `heic`
//! (see [`HEIC`]); without it they are recognised and refused with their own code.
//!
//! Everything here is CPU-bound and blocking: callers run it off the reactor with bounded
//! concurrency.

pub mod corpus;
mod heic;
pub mod likeness;
pub mod phash;
mod pipeline;
pub mod testimages;

pub use pipeline::{process, sniff};

/// Whether this build decodes HEIC/HEIF uploads (the cargo feature `heic`, which links libheif).
pub const HEIC: bool = cfg!(feature = "heic");

/// How much work one upload may ask for, and the size of what the pipeline writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted upload, in bytes.
    pub max_bytes: u64,
    /// Largest accepted `width * height` of the original, checked from the header before decoding.
    pub max_pixels: u64,
    /// Long edge of the stored page, in pixels; smaller originals are never upscaled.
    pub page_long_edge: u32,
    /// Long edge of the thumbnail, in pixels.
    pub thumb_long_edge: u32,
    /// JPEG quality of the page and the thumbnail (1–100).
    pub jpeg_quality: u8,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 20 * 1024 * 1024,
            max_pixels: 40_000_000,
            page_long_edge: 2400,
            thumb_long_edge: 320,
            jpeg_quality: 82,
        }
    }
}

/// An accepted upload format, as sniffed from the file's first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    WebP,
    /// HEIF with HEVC pictures: what iPhones and many Android phones take photos in. Decoded
    /// only when [`HEIC`] is true.
    Heic,
}

impl Format {
    /// The MIME type of the original upload.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::WebP => "image/webp",
            Format::Heic => "image/heic",
        }
    }

    /// The image crate's decoder of the format; HEIC has none there (libheif decodes it).
    fn image_format(self) -> Option<image::ImageFormat> {
        match self {
            Format::Jpeg => Some(image::ImageFormat::Jpeg),
            Format::Png => Some(image::ImageFormat::Png),
            Format::WebP => Some(image::ImageFormat::WebP),
            Format::Heic => None,
        }
    }
}

/// What [`process`] makes of one accepted upload.
#[derive(Debug, Clone)]
pub struct Processed {
    /// The upright page, long edge at most [`Limits::page_long_edge`], JPEG without metadata.
    pub page_jpeg: Vec<u8>,
    /// The upright thumbnail, long edge at most [`Limits::thumb_long_edge`], JPEG without metadata.
    pub thumb_jpeg: Vec<u8>,
    /// Width of the page in pixels.
    pub width: u32,
    /// Height of the page in pixels.
    pub height: u32,
    /// SHA-256 of the uploaded bytes, lowercase hex: finds the very same file uploaded again.
    pub original_sha256: String,
    /// Perceptual hash of the page: finds the same picture re-encoded, resized or brightened
    /// (see [`phash::SIMILAR_MAX_DISTANCE`]); a new photo of the same sheet, framed differently,
    /// is usually beyond it.
    pub phash: u64,
    /// The page's keypoints, to find it photographed again however it was framed (see
    /// [`likeness`]).
    pub print: likeness::Print,
    /// The page's print taken again half a pyramid step larger ([`likeness::Print::half_step`]),
    /// to look the page up in the index; not kept.
    pub half_step: likeness::Print,
    /// The sniffed format of the upload.
    pub format: Format,
}

/// Why an upload was refused. The `String` details are for logs; clients get [`PhotoError::code`].
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("the file is empty")]
    Empty,
    #[error("the file has {size} bytes, at most {max} are accepted")]
    TooLarge { size: u64, max: u64 },
    #[error("not a JPEG, PNG, WebP or HEIC image")]
    UnsupportedFormat,
    /// A HEIC/HEIF photo, and this build has no HEIC decoder: the app converts it to JPEG.
    #[error(
        "HEIC photos are not accepted by this server: convert the photo to JPEG and send it again"
    )]
    HeicNotEnabled,
    #[error("the image is too large to decode: {0}")]
    TooManyPixels(String),
    #[error("the image is truncated or corrupt: {0}")]
    Corrupt(String),
    /// Resizing or encoding our own output failed: a bug or exhausted resources, never the
    /// uploader's fault.
    #[error("the image could not be processed: {0}")]
    Processing(String),
}

impl PhotoError {
    /// A stable snake_case code for API responses.
    pub fn code(&self) -> &'static str {
        match self {
            PhotoError::Empty => "empty_file",
            PhotoError::TooLarge { .. } => "file_too_large",
            PhotoError::UnsupportedFormat => "unsupported_format",
            PhotoError::HeicNotEnabled => "heic_not_enabled",
            PhotoError::TooManyPixels(_) => "too_many_pixels",
            PhotoError::Corrupt(_) => "corrupt_image",
            PhotoError::Processing(_) => "image_processing_failed",
        }
    }
}
