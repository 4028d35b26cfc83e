//! Turning an uploaded file into a stored picture: the type is judged by the file's first
//! bytes (never its name or declared type), the image is decoded under explicit limits
//! (so a decompression bomb is refused from its header, before anything is allocated for
//! its pixels), scaled down to the slot's size, and encoded again, which leaves behind
//! every piece of metadata the file carried (EXIF and its GPS position, ICC profiles,
//! comments). An animated GIF keeps its first frame.
//!
//! This is CPU-bound work: it runs on the media worker pool, never on the async workers.

use std::io::Cursor;

use accountd_core::media::{MediaSlot, MAX_PIXELS};
use accountd_core::DomainError;
use image::codecs::gif::GifEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest as _, Sha256};

/// The longest side an image may declare; together with [`MAX_PIXELS`] it bounds what a
/// header can ask for.
const MAX_SIDE: u32 = 20_000;

/// The most memory one decode may allocate: a 40-megapixel image with an alpha channel,
/// and some room for the decoder's own buffers.
const MAX_DECODE_ALLOC: u64 = MAX_PIXELS * 4 + (16 << 20);

const JPEG_QUALITY: u8 = 85;

/// The formats accepted, each stored in its own kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PictureFormat {
    Jpeg,
    Png,
    WebP,
    Gif,
}

impl PictureFormat {
    pub const ALL: [Self; 4] = [Self::Jpeg, Self::Png, Self::WebP, Self::Gif];

    /// The format whose signature the file starts with.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::WebP)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(Self::Gif)
        } else {
            None
        }
    }

    pub const fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::WebP => "webp",
            Self::Gif => "gif",
        }
    }

    pub fn from_extension(extension: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|format| format.extension() == extension)
    }

    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::WebP => "image/webp",
            Self::Gif => "image/gif",
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            Self::Jpeg => ImageFormat::Jpeg,
            Self::Png => ImageFormat::Png,
            Self::WebP => ImageFormat::WebP,
            Self::Gif => ImageFormat::Gif,
        }
    }
}

/// A picture ready to store.
#[derive(Debug, Clone)]
pub struct Picture {
    pub bytes: Vec<u8>,
    pub format: PictureFormat,
    /// SHA-256 of `bytes`, hex.
    pub digest: String,
    pub width: u32,
    pub height: u32,
}

/// Judges, decodes, scales and re-encodes an upload for `slot`.
pub fn process(bytes: &[u8], slot: MediaSlot) -> Result<Picture, DomainError> {
    let format = PictureFormat::sniff(bytes).ok_or(DomainError::MediaUnsupportedType)?;
    let image = decode(bytes, format)?;
    let (max_width, max_height) = slot.max_size();
    let image = if image.width() > max_width || image.height() > max_height {
        image.thumbnail(max_width, max_height)
    } else {
        image
    };
    let encoded = encode(&image, format)?;
    let digest = hex(&Sha256::digest(&encoded));
    Ok(Picture { bytes: encoded, format, digest, width: image.width(), height: image.height() })
}

/// Decodes under limits; the header's dimensions are checked before any pixel is read.
fn decode(bytes: &[u8], format: PictureFormat) -> Result<DynamicImage, DomainError> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    reader.limits(limits);
    let invalid = |_| DomainError::MediaInvalidImage;
    let mut decoder = reader.into_decoder().map_err(invalid)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(DomainError::MediaInvalidImage);
    }
    let orientation = decoder.orientation().map_err(invalid)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(invalid)?;
    // The orientation lives in the EXIF data that re-encoding drops: apply it to the pixels.
    image.apply_orientation(orientation);
    Ok(image)
}

fn encode(image: &DynamicImage, format: PictureFormat) -> Result<Vec<u8>, DomainError> {
    let mut out = Vec::new();
    let has_alpha = image.color().has_alpha();
    let written = match format {
        PictureFormat::Jpeg => DynamicImage::ImageRgb8(image.to_rgb8())
            .write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)),
        PictureFormat::Png => {
            let encoder = PngEncoder::new_with_quality(&mut out, CompressionType::Fast, PngFilter::Adaptive);
            eight_bit(image, has_alpha).write_with_encoder(encoder)
        }
        PictureFormat::WebP => eight_bit(image, has_alpha).write_with_encoder(WebPEncoder::new_lossless(&mut out)),
        PictureFormat::Gif => {
            // Quantising to 256 colours: speed 10 of 1..=30 is within a hair of the best
            // quality at a fraction of its time.
            let mut encoder = GifEncoder::new_with_speed(&mut out, 10);
            encoder.encode_frame(image::Frame::new(image.to_rgba8()))
        }
    };
    // Our own encoders failing on pixels we decoded is not the client's fault.
    written.map_err(|_| DomainError::MediaInvalidImage)?;
    Ok(out)
}

/// The image in 8 bits per channel, with alpha only when it has some.
fn eight_bit(image: &DynamicImage, has_alpha: bool) -> DynamicImage {
    if has_alpha {
        DynamicImage::ImageRgba8(image.to_rgba8())
    } else {
        DynamicImage::ImageRgb8(image.to_rgb8())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(format: PictureFormat, width: u32, height: u32) -> Vec<u8> {
        let image = DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        }));
        encode(&image, format).unwrap()
    }

    #[test]
    fn formats_are_judged_by_their_first_bytes() {
        for format in PictureFormat::ALL {
            assert_eq!(PictureFormat::sniff(&encoded(format, 4, 4)), Some(format));
        }
        assert_eq!(PictureFormat::sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), None);
        assert_eq!(PictureFormat::sniff(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(PictureFormat::sniff(b""), None);
    }

    #[test]
    fn pictures_larger_than_the_slot_are_scaled_to_fit_keeping_their_aspect() {
        let picture = process(&encoded(PictureFormat::Png, 1600, 1200), MediaSlot::Avatar).unwrap();
        assert_eq!((picture.width, picture.height), (512, 384));
        let picture = process(&encoded(PictureFormat::Jpeg, 3000, 600), MediaSlot::Banner).unwrap();
        assert_eq!((picture.width, picture.height), (1500, 300));
        let picture = process(&encoded(PictureFormat::WebP, 40, 30), MediaSlot::Avatar).unwrap();
        assert_eq!((picture.width, picture.height), (40, 30), "never scaled up");
    }

    #[test]
    fn a_header_declaring_too_many_pixels_is_refused() {
        // A PNG signature and an IHDR chunk that declares 60000 x 60000 pixels.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&60_000u32.to_be_bytes());
        png.extend_from_slice(&60_000u32.to_be_bytes());
        png.extend_from_slice(&[8, 6, 0, 0, 0]);
        let crc = crc32(&png[12..]);
        png.extend_from_slice(&crc.to_be_bytes());
        assert_eq!(process(&png, MediaSlot::Avatar).unwrap_err(), DomainError::MediaInvalidImage);
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
}
