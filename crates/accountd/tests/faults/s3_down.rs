//! S3 storage gone during an upload: a clear error in the contract's format, the profile
//! still pointing at the picture it had, and uploads working again when S3 returns.

use std::io::Cursor;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use image::{DynamicImage, ImageFormat, RgbImage};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::support::{assert_error, free_port, Server};

/// A moto S3 server of the test's own (installed by scripts/test), killed when dropped.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Moto {
    async fn start(port: u16) -> Self {
        let child = Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m moto.server (scripts/test installs moto[server])");
        let endpoint = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while reqwest::get(format!("{endpoint}/moto-api/")).await.is_err() {
            assert!(Instant::now() < deadline, "moto did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let created = reqwest::Client::new().put(format!("{endpoint}/media")).send().await.unwrap();
        assert!(created.status().is_success());
        Self { child, endpoint }
    }

    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn picture(shade: u8) -> Vec<u8> {
    let pixels = RgbImage::from_fn(64, 64, |x, y| image::Rgb([(x * 4) as u8, (y * 4) as u8, shade]));
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(pixels).write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn upload(server: &Server, token: &str, bytes: Vec<u8>) -> (u16, Value) {
    let part = Part::bytes(bytes).file_name("a.png").mime_str("image/png").unwrap();
    let request = server
        .client
        .post(format!("{}/v1/me/avatar", server.address))
        .bearer_auth(token)
        .multipart(Form::new().part("file", part));
    server.send(request).await.unwrap()
}

#[tokio::test]
async fn s3_down_during_an_upload_answers_503_and_leaves_the_profile_whole() {
    let port = free_port();
    let mut moto = Moto::start(port).await;
    let data = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", data.path().join("accountd.db").display());
    let env = [
        ("ACCOUNTD_MEDIA__BACKEND", "s3".to_string()),
        ("ACCOUNTD_MEDIA__S3__BUCKET", "media".to_string()),
        ("ACCOUNTD_MEDIA__S3__ENDPOINT", moto.endpoint.clone()),
        ("ACCOUNTD_MEDIA__S3__ACCESS_KEY_ID", "test".to_string()),
        ("ACCOUNTD_MEDIA__S3__SECRET_ACCESS_KEY", "test".to_string()),
    ];
    let server = Server::start_with(data.path(), &url, &env).await;
    let (status, body) = server.register("pictured").await.unwrap();
    assert_eq!(status, 201, "{body}");
    let token = body["session"]["token"].as_str().unwrap().to_string();
    let (status, body) = upload(&server, &token, picture(10)).await;
    assert_eq!(status, 200, "{body}");
    let first = body["avatarUrl"].as_str().unwrap().to_string();

    moto.kill();
    let started = Instant::now();
    let (status, body) = upload(&server, &token, picture(200)).await;
    assert_error(status, &body, 503, "media:storage_unavailable");
    assert!(started.elapsed() < Duration::from_secs(20), "the refusal took {:?}", started.elapsed());
    // Nothing half written: the profile still names the first picture.
    let (status, me) = server.me(&token).await.unwrap();
    assert_eq!((status, me["avatarUrl"].as_str()), (200, Some(first.as_str())), "{me}");

    // S3 returns (moto starts empty, with the bucket made again): uploads work again.
    let _moto = Moto::start(port).await;
    let (status, body) = upload(&server, &token, picture(90)).await;
    assert_eq!(status, 200, "{body}");
    let second = body["avatarUrl"].as_str().unwrap().to_string();
    assert_ne!(second, first);
    let served = server.client.get(&second).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert!(image::load_from_memory(&served.bytes().await.unwrap()).is_ok());
    println!("s3 down: the upload during the outage answered 503 in {:?}", started.elapsed());
}
