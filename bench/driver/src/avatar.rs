//! The `avatar` scenario: uploads of one realistic 1600×1200 JPEG as avatars, and its
//! `avatar-limit` row, the same decode → scale → encode done by the `image` crate directly
//! on every core, so the endpoint's speed reads as a share of the library's own.

use std::io::Cursor;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{HeaderMap, Request, StatusCode};
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageFormat, RgbImage};

use crate::load::{excerpt, Outcome, Workload};

const BOUNDARY: &str = "accountd-bench-boundary";

/// A 1600×1200 photo-like JPEG (smooth gradients with fine noise, quality 90): about what a
/// phone camera's picture scaled for the web weighs.
pub fn photo() -> Vec<u8> {
    let mut noise = 0x2545_F491_u32;
    let pixels = RgbImage::from_fn(1600, 1200, |x, y| {
        noise ^= noise << 13;
        noise ^= noise >> 17;
        noise ^= noise << 5;
        let grain = (noise % 24) as u8;
        image::Rgb([
            ((x * 255 / 1600) as u8).saturating_add(grain),
            ((y * 255 / 1200) as u8).saturating_add(grain / 2),
            (((x + y) * 255 / 2800) as u8).saturating_add(grain / 3),
        ])
    });
    let mut out = Cursor::new(Vec::new());
    let encoded = DynamicImage::ImageRgb8(pixels).write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90));
    encoded.map(|()| out.into_inner()).unwrap_or_default()
}

/// `POST /v1/me/avatar` with the photo, rotating over the seeded accounts' sessions.
pub struct Avatar {
    pub tokens: Arc<Vec<String>>,
    body: Bytes,
}

impl Avatar {
    pub fn new(tokens: Arc<Vec<String>>, photo: &[u8]) -> Self {
        let mut body = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.jpg\"\r\n\
             Content-Type: image/jpeg\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(photo);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        Self { tokens, body: Bytes::from(body) }
    }
}

impl Workload for Avatar {
    fn request(&self, n: u64) -> Request<Full<Bytes>> {
        let token = &self.tokens[(n as usize) % self.tokens.len()];
        Request::post("/v1/me/avatar")
            .header("host", "127.0.0.1")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(Full::new(self.body.clone()))
            .unwrap_or_default()
    }

    fn check(&self, _n: u64, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Outcome {
        let has_url = body.windows(12).any(|window| window == b"\"avatarUrl\":");
        if status == StatusCode::OK && has_url {
            Outcome::Ok
        } else if status == StatusCode::SERVICE_UNAVAILABLE && headers.contains_key("retry-after") {
            Outcome::Shed
        } else {
            Outcome::Wrong(format!("avatar: {status} {}", excerpt(body)))
        }
    }
}

#[derive(Debug, serde::Serialize)]
pub struct AvatarLimit {
    pub threads: usize,
    pub pictures: u64,
    pub seconds: f64,
    pub per_second: f64,
    /// One picture on one core.
    pub picture_ms: f64,
}

/// The photo decoded, scaled to fit 512×512 and encoded as a JPEG of quality 85 (what the
/// server does), on `threads` threads for `duration`.
pub fn limit(photo: &[u8], threads: usize, duration: Duration) -> anyhow::Result<AvatarLimit> {
    let photo: Arc<[u8]> = Arc::from(photo);
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (photo, stop, count) = (photo.clone(), stop.clone(), count.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Ok(decoded) = image::load_from_memory_with_format(&photo, ImageFormat::Jpeg) else {
                        return;
                    };
                    let scaled = decoded.thumbnail(512, 512);
                    let mut out = Vec::new();
                    let rgb = DynamicImage::ImageRgb8(scaled.to_rgb8());
                    if rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut out, 85)).is_ok() {
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(duration);
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        if worker.join().is_err() {
            bail!("an image thread panicked");
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let pictures = count.load(Ordering::Relaxed);
    if pictures == 0 {
        bail!("the image crate could not process the photo");
    }
    let per_second = pictures as f64 / seconds;
    Ok(AvatarLimit { threads, pictures, seconds, per_second, picture_ms: 1000.0 * threads as f64 / per_second })
}
