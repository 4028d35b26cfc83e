//! Avatars and banners: `/v1/me/avatar`, `/v1/me/banner`, `/v1/media/{key}`.

use std::io::Cursor;
use std::sync::Arc;
use std::time::{Duration, Instant};

use image::{DynamicImage, ImageFormat, RgbImage};
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app, Reply, TestApp};

/// A picture of `width` × `height` with some detail, in `format`.
pub fn picture(format: ImageFormat, width: u32, height: u32) -> Vec<u8> {
    let pixels = RgbImage::from_fn(width, height, |x, y| image::Rgb([(x * 7 % 256) as u8, (y * 3 % 256) as u8, 90]));
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(pixels).write_to(&mut out, format).unwrap();
    out.into_inner()
}

impl TestApp {
    /// Uploads `bytes` as the multipart field `file`, named `name` and declared `mime`.
    pub async fn upload(&self, path: &str, token: &str, bytes: Vec<u8>, name: &str, mime: &str) -> Reply {
        let part = Part::bytes(bytes).file_name(name.to_string()).mime_str(mime).unwrap();
        let request = self.client.post(self.url(path)).bearer_auth(token).multipart(Form::new().part("file", part));
        self.send(request).await
    }

    /// The bytes and headers at a URL the server gave out.
    pub async fn fetch(&self, url: &str) -> (reqwest::StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let response = self.client.get(url).send().await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.bytes().await.unwrap().to_vec())
    }
}

/// Waits (up to 10 s) until the job queue has deleted the object behind `url`.
async fn wait_until_gone(app: &TestApp, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = app.get(&media_path(url), None).await;
        if reply.status == 404 {
            reply.assert_error(404, "media:not_found");
            return;
        }
        assert!(Instant::now() < deadline, "{url} is still served");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The path of a media URL (`…/v1/media/{key}`).
fn media_path(url: &str) -> String {
    let at = url.find("/v1/media/").expect("a media URL");
    url[at..].to_string()
}

#[tokio::test]
async fn each_format_round_trips_and_is_served_with_its_type() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    for (format, mime) in [
        (ImageFormat::Jpeg, "image/jpeg"),
        (ImageFormat::Png, "image/png"),
        (ImageFormat::WebP, "image/webp"),
        (ImageFormat::Gif, "image/gif"),
    ] {
        let reply = app.upload("/v1/me/avatar", &jane.token, picture(format, 64, 48), "a.bin", mime).await;
        let url = reply.assert_status(200)["avatarUrl"].as_str().unwrap().to_string();
        assert!(url.starts_with(&format!("{}/v1/media/", app.address)), "{url}");
        let (status, headers, bytes) = app.fetch(&url).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], mime);
        assert_eq!(headers["cache-control"], "public, max-age=31536000, immutable");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(headers["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
        let served = image::load_from_memory_with_format(&bytes, format).expect("a decodable image");
        assert_eq!((served.width(), served.height()), (64, 48));
        let me = app.get("/v1/me", Some(&jane.token)).await;
        assert_eq!(me.body["avatarUrl"], url.as_str());
    }
}

#[tokio::test]
async fn the_etag_answers_if_none_match_with_304() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let reply = app.upload("/v1/me/banner", &jane.token, picture(ImageFormat::Png, 30, 10), "b.png", "image/png").await;
    let url = reply.assert_status(200)["bannerUrl"].as_str().unwrap().to_string();
    let (_, headers, _) = app.fetch(&url).await;
    let etag = headers["etag"].to_str().unwrap().to_string();
    let again = app.client.get(&url).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"], etag.as_str());
    assert!(again.bytes().await.unwrap().is_empty());
    let other = app.client.get(&url).header("if-none-match", "\"something-else\"").send().await.unwrap();
    assert_eq!(other.status(), 200);
}

/// A JPEG with an APP1 EXIF segment that holds a GPS IFD (latitude reference `N`) and an
/// image description the test can look for.
fn jpeg_with_gps() -> Vec<u8> {
    const MARKER: &[u8] = b"accountd-exif-marker";
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    // IFD0 at 8: two entries (ImageDescription, GPSInfo pointer), then no next IFD.
    let ifd0_len = 2 + 2 * 12 + 4;
    let description_at = 8 + ifd0_len;
    let gps_at = description_at + MARKER.len() as u32;
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&[0x01, 0x0E, 0x00, 0x02]);
    tiff.extend_from_slice(&(MARKER.len() as u32).to_be_bytes());
    tiff.extend_from_slice(&description_at.to_be_bytes());
    tiff.extend_from_slice(&[0x88, 0x25, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01]);
    tiff.extend_from_slice(&gps_at.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(MARKER);
    // The GPS IFD: one entry, GPSLatitudeRef = "N".
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&[0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend_from_slice(&tiff);
    let jpeg = picture(ImageFormat::Jpeg, 40, 40);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

#[tokio::test]
async fn exif_and_its_gps_position_are_gone_after_the_upload() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let original = jpeg_with_gps();
    assert!(contains(&original, b"Exif\x00\x00") && contains(&original, b"accountd-exif-marker"));
    assert!(contains(&original, &[0x88, 0x25]), "the GPS IFD pointer is there before");
    image::load_from_memory(&original).expect("the test file is a valid JPEG");

    let reply = app.upload("/v1/me/avatar", &jane.token, original, "me.jpg", "image/jpeg").await;
    let (_, _, served) = app.fetch(reply.assert_status(200)["avatarUrl"].as_str().unwrap()).await;
    assert!(!contains(&served, b"Exif"), "no EXIF segment after");
    assert!(!contains(&served, b"accountd-exif-marker"));
    assert!(!contains(&served, &[0xFF, 0xE1]), "no APP1 segment at all");
}

#[tokio::test]
async fn sizes_clamp_to_the_slot_keeping_the_aspect_ratio() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    for (path, field, (width, height), expected) in [
        ("/v1/me/avatar", "avatarUrl", (1600, 1200), (512, 384)),
        ("/v1/me/avatar", "avatarUrl", (300, 900), (171, 512)),
        ("/v1/me/avatar", "avatarUrl", (100, 50), (100, 50)),
        ("/v1/me/banner", "bannerUrl", (3000, 600), (1500, 300)),
        ("/v1/me/banner", "bannerUrl", (1000, 1000), (500, 500)),
    ] {
        let reply = app.upload(path, &jane.token, picture(ImageFormat::Png, width, height), "p.png", "image/png").await;
        let (_, _, bytes) = app.fetch(reply.assert_status(200)[field].as_str().unwrap()).await;
        let served = image::load_from_memory(&bytes).unwrap();
        assert_eq!((served.width(), served.height()), expected, "{width}x{height} on {path}");
    }
}

/// The resident memory of this process (the server runs in it), in KiB.
fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A PNG signature and header chunk that declares `width` × `height`, and nothing else.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut chunk = b"IHDR".to_vec();
    chunk.extend_from_slice(&width.to_be_bytes());
    chunk.extend_from_slice(&height.to_be_bytes());
    chunk.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0d".to_vec();
    png.extend_from_slice(&chunk);
    png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    // An IDAT that would inflate to gigabytes if anyone tried.
    png.extend_from_slice(&[0, 0, 0, 0]);
    png
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

#[tokio::test]
async fn hostile_files_get_the_contracts_answer_quickly_without_memory_growth() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let jpeg = picture(ImageFormat::Jpeg, 32, 32);
    let mut truncated = picture(ImageFormat::Png, 200, 200);
    truncated.truncate(truncated.len() / 2);
    let mut polyglot = b"\x89PNG\r\n\x1a\n".to_vec();
    polyglot.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec();
    let mut oversized = picture(ImageFormat::Png, 8, 8);
    oversized.resize(6 * 1024 * 1024, 0);

    let before = resident_kib();
    for (name, bytes, file_name, mime, expected) in [
        (
            "a 60000x60000 PNG header",
            png_header(60_000, 60_000),
            "bomb.png",
            "image/png",
            Some((400, "media:invalid_image")),
        ),
        (
            "a 7000x7000 PNG header (49 MP)",
            png_header(7_000, 7_000),
            "big.png",
            "image/png",
            Some((400, "media:invalid_image")),
        ),
        ("a truncated PNG", truncated, "t.png", "image/png", Some((400, "media:invalid_image"))),
        ("PNG magic and HTML", polyglot, "p.png", "image/png", Some((400, "media:invalid_image"))),
        ("an SVG", svg, "i.svg", "image/svg+xml", Some((415, "media:unsupported_type"))),
        ("a 6 MiB file", oversized, "huge.png", "image/png", Some((413, "media:too_large"))),
        ("a JPEG named .png", jpeg.clone(), "photo.png", "image/png", None),
        ("a JPEG declared text/plain", jpeg, "notes.txt", "text/plain", None),
    ] {
        let started = Instant::now();
        let reply = app.upload("/v1/me/avatar", &jane.token, bytes, file_name, mime).await;
        assert!(started.elapsed() < Duration::from_secs(3), "{name} took {:?}", started.elapsed());
        match expected {
            Some((status, code)) => reply.assert_error(status, code),
            None => {
                let url = reply.assert_status(200)["avatarUrl"].as_str().unwrap().to_string();
                assert!(url.ends_with(".jpg"), "{name}: judged by content: {url}");
                let (_, headers, _) = app.fetch(&url).await;
                assert_eq!(headers["content-type"], "image/jpeg", "{name}");
            }
        }
    }
    let grown_mib = resident_kib().saturating_sub(before) / 1024;
    assert!(grown_mib < 64, "the server's memory grew by {grown_mib} MiB");
}

#[tokio::test]
async fn keys_that_are_not_the_servers_never_read_a_file() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let reply = app.upload("/v1/me/avatar", &jane.token, picture(ImageFormat::Png, 8, 8), "a.png", "image/png").await;
    let key = media_path(reply.assert_status(200)["avatarUrl"].as_str().unwrap()).replace("/v1/media/", "");
    // The data directory holds the database and the secret key beside media/.
    for path in [
        "/v1/media/..%2Faccountd.db".to_string(),
        "/v1/media/%2e%2e%2Fsecret.key".to_string(),
        "/v1/media/%2e%2e".to_string(),
        "/v1/media/..".to_string(),
        "/v1/media/%2Fetc%2Fpasswd".to_string(),
        "/v1/media/%2e%2e%2F%2e%2e%2F%2e%2e%2Fetc%2Fpasswd".to_string(),
        format!("/v1/media/..%2Fmedia%2F{key}"),
        format!("/v1/media/{}", key.to_uppercase()),
        format!("/v1/media/{key}%00.png"),
    ] {
        let response = app.client.get(app.url(&path)).send().await.unwrap();
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        assert_eq!(status, 404, "{path}");
        // The client resolves some dot segments itself: those land outside /v1/media/.
        assert!(["media:not_found", "request:not_found"].contains(&body["code"].as_str().unwrap_or("")), "{path}");
    }
    app.get(&format!("/v1/media/{key}"), None).await.assert_status(200);
}

#[tokio::test]
async fn replacing_and_deleting_pictures_removes_the_old_objects() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let first = app.upload("/v1/me/avatar", &jane.token, picture(ImageFormat::Png, 8, 8), "a.png", "image/png").await;
    let first = first.assert_status(200)["avatarUrl"].as_str().unwrap().to_string();
    let second = app.upload("/v1/me/avatar", &jane.token, picture(ImageFormat::Png, 9, 9), "b.png", "image/png").await;
    let second = second.assert_status(200)["avatarUrl"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    wait_until_gone(&app, &first).await;
    app.get(&media_path(&second), None).await.assert_status(200);

    let reply = app.call(Method::DELETE, "/v1/me/avatar", Some(&jane.token), None).await;
    assert_eq!(reply.status, 204);
    wait_until_gone(&app, &second).await;
    let me = app.get("/v1/me", Some(&jane.token)).await;
    assert_eq!(me.body["avatarUrl"], serde_json::Value::Null);
    assert_eq!(me.body["storage"]["used"], 0);
    // Nothing to delete is fine too.
    assert_eq!(app.call(Method::DELETE, "/v1/me/banner", Some(&jane.token), None).await.status, 204);
}

#[tokio::test]
async fn media_bytes_count_toward_storage_and_past_the_limit_an_upload_is_refused() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let boss = app.register_as("boss").await;
    app.promote("boss").await;
    let reply = app.upload("/v1/me/avatar", &jane.token, picture(ImageFormat::Png, 64, 64), "a.png", "image/png").await;
    let url = reply.assert_status(200)["avatarUrl"].as_str().unwrap().to_string();
    let (_, _, avatar) = app.fetch(&url).await;
    let limits = app.get("/v1/me/limits", Some(&jane.token)).await;
    assert_eq!(limits.body["storage"]["used"], avatar.len() as u64);
    let me = app.get("/v1/me", Some(&jane.token)).await;
    assert_eq!(me.body["storage"]["used"], avatar.len() as u64);

    let limit = avatar.len() + 10;
    let patch = json!({ "limits": { "storage": limit } });
    app.call(Method::PATCH, &format!("/v1/admin/users/{}", jane.id), Some(&boss.token), Some(patch))
        .await
        .assert_status(200);
    let banner = picture(ImageFormat::Png, 64, 64);
    let reply = app.upload("/v1/me/banner", &jane.token, banner, "b.png", "image/png").await;
    reply.assert_error(409, "limit:exceeded");
    let me = app.get("/v1/me", Some(&jane.token)).await;
    assert_eq!(me.body["bannerUrl"], serde_json::Value::Null);
    assert_eq!(me.body["storage"]["used"], avatar.len() as u64, "the refused banner counts for nothing");
    // A smaller avatar in place of the larger one fits: the replaced bytes are freed.
    let reply = app.upload("/v1/me/avatar", &jane.token, picture(ImageFormat::Png, 8, 8), "c.png", "image/png").await;
    reply.assert_status(200);
}

#[tokio::test]
async fn picture_changes_are_recorded_as_activity() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let boss = app.register_as("boss").await;
    app.promote("boss").await;
    app.upload("/v1/me/avatar", &jane.token, picture(ImageFormat::Png, 8, 8), "a.png", "image/png")
        .await
        .assert_status(200);
    app.upload("/v1/me/banner", &jane.token, picture(ImageFormat::Png, 8, 8), "b.png", "image/png")
        .await
        .assert_status(200);
    for action in ["avatar.changed", "banner.changed"] {
        let activity =
            app.get(&format!("/v1/admin/activity?userId={}&action={action}", jane.id), Some(&boss.token)).await;
        assert_eq!(activity.assert_status(200)["total"], 1, "{action}");
    }
}

#[tokio::test]
async fn deleting_the_account_deletes_its_pictures() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let reply = app.upload("/v1/me/avatar", &jane.token, picture(ImageFormat::Png, 8, 8), "a.png", "image/png").await;
    let url = reply.assert_status(200)["avatarUrl"].as_str().unwrap().to_string();
    let reply = app
        .call(Method::DELETE, "/v1/me", Some(&jane.token), Some(json!({ "password": crate::helpers::PASSWORD })))
        .await;
    reply.assert_status(200);
    wait_until_gone(&app, &url).await;
}

#[tokio::test]
async fn uploads_need_exactly_the_file_field_and_a_credential() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let part = Part::bytes(picture(ImageFormat::Png, 8, 8)).file_name("a.png");
    let request =
        app.client.post(app.url("/v1/me/avatar")).bearer_auth(&jane.token).multipart(Form::new().part("photo", part));
    app.send(request).await.assert_error(400, "request:invalid_body");
    app.post("/v1/me/avatar", Some(&jane.token), json!({ "file": "x" }))
        .await
        .assert_error(400, "request:invalid_body");
    // The form has one field: another beside `file`, before or after it, is refused.
    for extra_first in [true, false] {
        let part = Part::bytes(picture(ImageFormat::Png, 8, 8)).file_name("a.png");
        let form = if extra_first {
            Form::new().text("caption", "hello").part("file", part)
        } else {
            Form::new().part("file", part).text("caption", "hello")
        };
        let request = app.client.post(app.url("/v1/me/avatar")).bearer_auth(&jane.token).multipart(form);
        app.send(request).await.assert_error(400, "request:invalid_body");
    }
    let me = app.get("/v1/me", Some(&jane.token)).await.assert_status(200).clone();
    assert!(me["avatarUrl"].is_null(), "a refused upload changes nothing: {me}");
    let part = Part::bytes(picture(ImageFormat::Png, 8, 8)).file_name("a.png");
    let request = app.client.post(app.url("/v1/me/avatar")).multipart(Form::new().part("file", part));
    app.send(request).await.assert_error(401, "auth:unauthenticated");
}

/// A real S3-compatible server (moto, installed by `scripts/test`) on 127.0.0.1, started
/// once per test run and stopped when the test process ends.
pub struct S3Server {
    pub endpoint: String,
    /// The shell that watches this process; it outlives the tests on purpose, to stop moto.
    _watcher: std::process::Child,
}

static S3: tokio::sync::OnceCell<S3Server> = tokio::sync::OnceCell::const_new();

pub async fn s3_server() -> &'static S3Server {
    S3.get_or_init(|| async {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        // The shell stops the server when this process is gone.
        let watch = format!(
            "python3 -m moto.server -H 127.0.0.1 -p {port} >/dev/null 2>&1 & server=$!; \
             while kill -0 {parent} 2>/dev/null; do sleep 1; done; kill $server",
            parent = std::process::id()
        );
        let watcher = std::process::Command::new("sh").arg("-c").arg(watch).spawn().expect("python3 -m moto.server");
        let endpoint = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while client.get(format!("{endpoint}/moto-api/")).send().await.is_err() {
            assert!(Instant::now() < deadline, "moto did not start (scripts/test installs moto[server])");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        S3Server { endpoint, _watcher: watcher }
    })
    .await
}

impl S3Server {
    /// A new, empty bucket.
    pub async fn bucket(&self) -> String {
        let name = format!("media-{}", uuid::Uuid::now_v7().simple());
        let created = reqwest::Client::new().put(format!("{}/{name}", self.endpoint)).send().await.unwrap();
        assert!(created.status().is_success(), "creating the bucket: {}", created.status());
        name
    }

    /// The keys in a bucket, as the S3 server lists them.
    pub async fn keys(&self, bucket: &str) -> Vec<String> {
        let listing =
            reqwest::Client::new().get(format!("{}/{bucket}?list-type=2", self.endpoint)).send().await.unwrap();
        let xml = listing.text().await.unwrap();
        xml.split("<Key>")
            .skip(1)
            .filter_map(|rest| rest.split_once("</Key>"))
            .map(|(key, _)| key.to_string())
            .collect()
    }
}

pub async fn spawn_app_on_s3(s3: &S3Server, bucket: &str) -> TestApp {
    let (endpoint, bucket) = (s3.endpoint.clone(), bucket.to_string());
    crate::helpers::spawn_app_with(move |config| {
        config.media.backend = accountd_server::config::MediaBackend::S3;
        config.media.s3.bucket = Some(bucket);
        config.media.s3.endpoint = Some(endpoint.parse().unwrap());
        config.media.s3.access_key_id = Some("test".into());
        config.media.s3.secret_access_key = Some("test".to_string().into());
    })
    .await
}

#[tokio::test]
async fn on_s3_a_picture_is_stored_in_the_bucket_and_served() {
    let s3 = s3_server().await;
    let bucket = s3.bucket().await;
    let app = spawn_app_on_s3(s3, &bucket).await;
    let jane = app.register_as("jane").await;
    let reply =
        app.upload("/v1/me/avatar", &jane.token, picture(ImageFormat::Jpeg, 700, 700), "a.jpg", "image/jpeg").await;
    let url = reply.assert_status(200)["avatarUrl"].as_str().unwrap().to_string();
    let key = media_path(&url).replace("/v1/media/", "");
    assert_eq!(s3.keys(&bucket).await, vec![key]);
    let (status, headers, bytes) = app.fetch(&url).await;
    assert_eq!((status.as_u16(), headers["content-type"].to_str().unwrap()), (200, "image/jpeg"));
    let served = image::load_from_memory(&bytes).unwrap();
    assert_eq!((served.width(), served.height()), (512, 512));
    // Another node on the same database and bucket serves it too.
    let endpoint = s3.endpoint.clone();
    let other = crate::helpers::spawn_node_of(&app, move |config| {
        config.media.backend = accountd_server::config::MediaBackend::S3;
        config.media.s3.bucket = Some(bucket);
        config.media.s3.endpoint = Some(endpoint.parse().unwrap());
        config.media.s3.access_key_id = Some("test".into());
        config.media.s3.secret_access_key = Some("test".to_string().into());
    })
    .await;
    other.get(&media_path(&url), None).await.assert_status(200);
}

#[tokio::test]
async fn on_s3_replacing_and_deleting_leave_no_object_behind() {
    let s3 = s3_server().await;
    let bucket = s3.bucket().await;
    let app = spawn_app_on_s3(s3, &bucket).await;
    let jane = app.register_as("jane").await;
    let first = app.upload("/v1/me/avatar", &jane.token, picture(ImageFormat::Png, 20, 20), "a.png", "image/png").await;
    let first = first.assert_status(200)["avatarUrl"].as_str().unwrap().to_string();
    let banner =
        app.upload("/v1/me/banner", &jane.token, picture(ImageFormat::Png, 30, 10), "b.png", "image/png").await;
    banner.assert_status(200);
    let second =
        app.upload("/v1/me/avatar", &jane.token, picture(ImageFormat::Png, 21, 21), "c.png", "image/png").await;
    second.assert_status(200);
    wait_until_gone(&app, &first).await;
    assert_eq!(s3.keys(&bucket).await.len(), 2, "the avatar and the banner, not the replaced avatar");

    let reply = app
        .call(Method::DELETE, "/v1/me", Some(&jane.token), Some(json!({ "password": crate::helpers::PASSWORD })))
        .await;
    reply.assert_status(200);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !s3.keys(&bucket).await.is_empty() {
        assert!(Instant::now() < deadline, "objects left behind: {:?}", s3.keys(&bucket).await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A stand-in for a provider's picture host: https on 127.0.0.1 under a certificate of a
/// test CA (made with the `openssl` command), answering every request with `body`.
struct PictureHost {
    url: String,
    ca_file: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

async fn picture_host(body: Vec<u8>) -> PictureHost {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject as _;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let dir = tempfile::tempdir().unwrap();
    let script = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
         -out ca.pem -days 1 -subj /CN=accountd-test-ca && \
         openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout leaf.key -out leaf.csr \
         -subj /CN=127.0.0.1 && \
         printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > leaf.ext && \
         openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 1 \
         -extfile leaf.ext";
    let made = std::process::Command::new("sh").arg("-c").arg(script).current_dir(dir.path()).output().unwrap();
    assert!(made.status.success(), "openssl: {}", String::from_utf8_lossy(&made.stderr));
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(dir.path().join("leaf.pem")).unwrap().map(Result::unwrap).collect();
    let key = PrivateKeyDer::from_pem_file(dir.path().join("leaf.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}/avatar", listener.local_addr().unwrap());
    let body = Arc::new(body);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (acceptor, body) = (acceptor.clone(), body.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else { return };
                let mut request = Vec::new();
                let mut buffer = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = tls.write_all(head.as_bytes()).await;
                let _ = tls.write_all(&body).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    PictureHost { url, ca_file: dir.path().join("ca.pem"), _dir: dir }
}

/// Links an identity at `provider` whose picture is at `avatar_url` (as a provider's login would).
async fn link_identity(app: &TestApp, account: &crate::helpers::Account, provider: &str, avatar_url: &str) {
    let id = uuid::Uuid::parse_str(&account.id).unwrap();
    let user = if app.database.is_postgres() { format!("'{id}'") } else { format!("X'{}'", id.simple()) };
    let now = "2026-01-01T00:00:00Z";
    app.execute_sql(&format!(
        "INSERT INTO linked_accounts (user_id, provider, subject, avatar_url, linked_at, updated_at) \
         VALUES ({user}, '{provider}', 'subject-1', '{avatar_url}', '{now}', '{now}')"
    ))
    .await;
}

#[tokio::test]
async fn the_linked_avatar_is_fetched_from_the_provider_and_taken_in_like_an_upload() {
    let host = picture_host(jpeg_with_gps()).await;
    let ca_file = host.ca_file.clone();
    let app = crate::helpers::spawn_app_with(move |config| {
        config.webhooks.allow_private_targets = true;
        config.http.extra_ca_file = Some(ca_file);
    })
    .await;
    let jane = app.register_as("jane").await;
    let reply = app.post("/v1/me/avatar/linked", Some(&jane.token), json!({ "provider": "github" })).await;
    reply.assert_error(409, "oauth:not_linked");

    link_identity(&app, &jane, "github", &host.url).await;
    let reply = app.post("/v1/me/avatar/linked", Some(&jane.token), json!({ "provider": "github" })).await;
    let url = reply.assert_status(200)["avatarUrl"].as_str().unwrap().to_string();
    let (_, headers, bytes) = app.fetch(&url).await;
    assert_eq!(headers["content-type"], "image/jpeg", "judged by content, not the provider's Content-Type");
    assert!(!contains(&bytes, b"accountd-exif-marker"), "re-encoded like an upload");
    assert_eq!(app.get("/v1/me", Some(&jane.token)).await.body["avatarUrl"], url.as_str());
}

#[tokio::test]
async fn a_linked_avatar_at_a_private_address_is_refused_by_default() {
    let host = picture_host(picture(ImageFormat::Png, 8, 8)).await;
    let ca_file = host.ca_file.clone();
    let app = crate::helpers::spawn_app_with(move |config| config.http.extra_ca_file = Some(ca_file)).await;
    let jane = app.register_as("jane").await;
    link_identity(&app, &jane, "github", &host.url).await;
    let reply = app.post("/v1/me/avatar/linked", Some(&jane.token), json!({ "provider": "github" })).await;
    reply.assert_error(502, "oauth:provider_error");
    assert_eq!(app.get("/v1/me", Some(&jane.token)).await.body["avatarUrl"], serde_json::Value::Null);
}

/// A stored object name the server could have made, that no profile points at.
fn orphan_key() -> String {
    format!("{}-{}.png", "ab".repeat(16), "0123456789abcdef")
}

/// The media sweep's work, as the `media.sweep` job runs it, on `app`'s database and clock.
async fn sweep_media(app: &TestApp, configure: impl FnOnce(&mut accountd_server::config::Config)) -> u64 {
    let mut config = accountd_server::config::Config {
        data_dir: app.data_dir().to_path_buf(),
        database_url: Some(app.database_url.clone()),
        ..accountd_server::config::Config::default()
    };
    config.public_url = app.address.parse().unwrap();
    configure(&mut config);
    let store = accountd_server::open_store(&config).await.unwrap();
    let state =
        accountd_server::app_state(&config, store, app.clock.clone(), crate::helpers::test_key()).expect("app state");
    state.media.sweep_orphans(accountd_server::usecases::media::ORPHAN_GRACE).await.unwrap()
}

#[tokio::test]
async fn the_orphan_sweep_removes_objects_no_profile_points_at_and_keeps_the_rest() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let kept = app.upload("/v1/me/avatar", &jane.token, picture(ImageFormat::Png, 12, 12), "a.png", "image/png").await;
    let kept = kept.assert_status(200)["avatarUrl"].as_str().unwrap().to_string();
    // An upload whose transaction never committed leaves an object like this one.
    let media = app.data_dir().join("media");
    std::fs::write(media.join(orphan_key()), picture(ImageFormat::Png, 5, 5)).unwrap();
    std::fs::write(media.join("notes.txt"), b"not the server's").unwrap();

    assert_eq!(sweep_media(&app, |_| {}).await, 0, "an orphan younger than the grace period stays");
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(sweep_media(&app, |_| {}).await, 1);
    assert!(!media.join(orphan_key()).exists(), "the orphan is deleted");
    assert!(media.join("notes.txt").exists(), "a file whose name is no media key is left alone");
    app.get(&media_path(&kept), None).await.assert_status(200);
}

#[tokio::test]
async fn on_s3_the_orphan_sweep_removes_objects_no_profile_points_at_and_keeps_the_rest() {
    let s3 = s3_server().await;
    let bucket = s3.bucket().await;
    let app = spawn_app_on_s3(s3, &bucket).await;
    let jane = app.register_as("jane").await;
    let kept = app.upload("/v1/me/avatar", &jane.token, picture(ImageFormat::Png, 12, 12), "a.png", "image/png").await;
    let kept = kept.assert_status(200)["avatarUrl"].as_str().unwrap().to_string();
    let put = reqwest::Client::new()
        .put(format!("{}/{bucket}/{}", s3.endpoint, orphan_key()))
        .body(picture(ImageFormat::Png, 5, 5))
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{}", put.status());
    assert_eq!(s3.keys(&bucket).await.len(), 2);

    let (endpoint, name) = (s3.endpoint.clone(), bucket.clone());
    let on_bucket = move |config: &mut accountd_server::config::Config| {
        config.media.backend = accountd_server::config::MediaBackend::S3;
        config.media.s3.bucket = Some(name);
        config.media.s3.endpoint = Some(endpoint.parse().unwrap());
        config.media.s3.access_key_id = Some("test".into());
        config.media.s3.secret_access_key = Some("test".to_string().into());
    };
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(sweep_media(&app, on_bucket).await, 1);
    let left = s3.keys(&bucket).await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(kept.ends_with(&left[0]), "the referenced avatar stays: {left:?}");
    app.get(&media_path(&kept), None).await.assert_status(200);
}

#[tokio::test]
async fn past_the_image_queue_uploads_get_503_with_retry_after() {
    // One core's worth of threads at most and no queue: the third concurrent upload waits
    // for nothing and is refused.
    let app = Arc::new(crate::helpers::spawn_app_with(|config| config.media.queue = 0).await);
    let jane = app.register_as("jane").await;
    let heavy = picture(ImageFormat::Png, 4000, 2500);
    let uploads: Vec<_> = (0..12)
        .map(|_| {
            let (app, token, heavy) = (app.clone(), jane.token.clone(), heavy.clone());
            tokio::spawn(async move {
                let part = Part::bytes(heavy).file_name("big.png").mime_str("image/png").unwrap();
                let request = app
                    .client
                    .post(app.url("/v1/me/banner"))
                    .bearer_auth(token)
                    .multipart(Form::new().part("file", part));
                let response = request.send().await.unwrap();
                let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
                let status = response.status().as_u16();
                let body: serde_json::Value = response.json().await.unwrap();
                (status, retry_after, body)
            })
        })
        .collect();
    let mut shed = 0;
    let mut done = 0;
    for upload in uploads {
        let (status, retry_after, body) = upload.await.unwrap();
        match status {
            200 => done += 1,
            503 => {
                shed += 1;
                assert_eq!(body["code"], "server:overloaded", "{body}");
                assert_eq!(retry_after.as_deref(), Some("1"));
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert!(done >= 1, "the pool's threads took some");
    assert!(shed >= 1, "past the queue, uploads are refused ({done} done)");
}

#[tokio::test]
async fn an_animated_gif_keeps_its_first_frame() {
    use image::codecs::gif::{GifEncoder, Repeat};
    use image::{Delay, Frame, Rgba, RgbaImage};
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let mut gif = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut gif);
        encoder.set_repeat(Repeat::Infinite).unwrap();
        let red = RgbaImage::from_pixel(32, 32, Rgba([255, 0, 0, 255]));
        let blue = RgbaImage::from_pixel(32, 32, Rgba([0, 0, 255, 255]));
        let delay = Delay::from_numer_denom_ms(100, 1);
        encoder.encode_frames([Frame::from_parts(red, 0, 0, delay), Frame::from_parts(blue, 0, 0, delay)]).unwrap();
    }
    let reply = app.upload("/v1/me/avatar", &jane.token, gif, "a.gif", "image/gif").await;
    let url = reply.assert_status(200)["avatarUrl"].as_str().unwrap().to_string();
    let (status, headers, bytes) = app.fetch(&url).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/gif");
    let frames = {
        use image::AnimationDecoder as _;
        image::codecs::gif::GifDecoder::new(Cursor::new(&bytes)).unwrap().into_frames().collect_frames().unwrap()
    };
    assert_eq!(frames.len(), 1, "one frame is kept");
    let pixel = frames[0].buffer().get_pixel(16, 16);
    assert_eq!(pixel.0, [255, 0, 0, 255], "the first frame (red), not the second (blue)");
}
