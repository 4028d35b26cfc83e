//! The HTTP layer itself: connection timeouts and cap, the bodies of the errors it
//! produces, and the caching headers of responses that carry credentials.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::helpers::{spawn_app, spawn_app_with, TestApp, PASSWORD};

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.address.trim_start_matches("http://")).await.unwrap()
}

/// Everything the server sends until it closes the connection, which must be within `within`.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(within, stream.read_to_end(&mut received)).await;
    assert!(read.is_ok(), "the server kept the connection open; received {:?}", String::from_utf8_lossy(&received));
    String::from_utf8_lossy(&received).into_owned()
}

/// One response on a kept-alive connection (the test's requests get small bodies).
async fn read_response(stream: &mut TcpStream) -> String {
    let mut buffer = vec![0; 16 * 1024];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer)).await.unwrap().unwrap();
    String::from_utf8_lossy(&buffer[..read]).into_owned()
}

fn json_body(response: &str) -> Value {
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    serde_json::from_str(body).unwrap_or_else(|_| panic!("not a JSON body: {response}"))
}

const HEALTH: &[u8] = b"GET /health HTTP/1.1\r\nHost: accountd\r\n\r\n";

#[tokio::test]
async fn headers_that_arrive_too_slowly_are_cut() {
    let app = spawn_app_with(|config| config.limits.header_timeout_seconds = 1).await;
    let mut stream = connect(&app).await;
    stream.write_all(b"GET /health HTTP/1.1\r\nHost: accountd\r\n").await.unwrap();
    let started = std::time::Instant::now();
    let response = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(!response.contains("200 OK"), "{response}");
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = spawn_app_with(|config| {
        config.limits.idle_timeout_seconds = 1;
        config.limits.header_timeout_seconds = 30;
    })
    .await;
    let mut stream = connect(&app).await;
    stream.write_all(HEALTH).await.unwrap();
    assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 200"));
    let response = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert_eq!(response, "", "closed without another response");
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_cut() {
    let app = spawn_app_with(|config| config.limits.body_timeout_seconds = 1).await;
    let mut stream = connect(&app).await;
    let body = json!({ "identifier": "nobody", "password": PASSWORD }).to_string();
    let head = format!(
        "POST /v1/auth/login HTTP/1.1\r\nHost: accountd\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..5]).await.unwrap();
    let response = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert_eq!(json_body(&response)["code"], "request:invalid_body");
}

#[tokio::test]
async fn past_the_connection_cap_a_new_connection_is_closed_while_open_ones_keep_working() {
    let app = spawn_app_with(|config| config.limits.max_connections = Some(2)).await;
    let mut first = connect(&app).await;
    let mut second = connect(&app).await;
    for stream in [&mut first, &mut second] {
        stream.write_all(HEALTH).await.unwrap();
        assert!(read_response(stream).await.starts_with("HTTP/1.1 200"));
    }

    let mut third = connect(&app).await;
    let _ = third.write_all(HEALTH).await;
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), third.read_to_end(&mut received)).await.unwrap();
    assert!(
        read.is_err() || received.is_empty(),
        "refused without an answer: {:?}",
        String::from_utf8_lossy(&received)
    );

    first.write_all(HEALTH).await.unwrap();
    assert!(read_response(&mut first).await.starts_with("HTTP/1.1 200"));
    drop(second);
    // The freed place is taken by the next connection.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let mut fourth = connect(&app).await;
        fourth.write_all(HEALTH).await.unwrap();
        if read_response(&mut fourth).await.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the closed connection's place was not freed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_uri_too_long_is_414_in_the_error_format() {
    let app = spawn_app().await;
    let mut stream = connect(&app).await;
    let path = "a".repeat(10 * 1024);
    stream.write_all(format!("GET /v1/users/{path} HTTP/1.1\r\nHost: accountd\r\n\r\n").as_bytes()).await.unwrap();
    let response = read_response(&mut stream).await;
    assert!(response.starts_with("HTTP/1.1 414"), "{response}");
    assert_eq!(json_body(&response)["code"], "request:uri_too_long");
}

#[tokio::test]
async fn headers_too_large_are_431_in_the_error_format() {
    let app = spawn_app().await;
    let mut stream = connect(&app).await;
    let filler = "x".repeat(4 * 1024);
    let headers: String = (0..5).map(|n| format!("X-Filler-{n}: {filler}\r\n")).collect();
    stream.write_all(format!("GET /health HTTP/1.1\r\nHost: accountd\r\n{headers}\r\n").as_bytes()).await.unwrap();
    let response = read_response(&mut stream).await;
    assert!(response.starts_with("HTTP/1.1 431"), "{response}");
    assert_eq!(json_body(&response)["code"], "request:headers_too_large");
}

/// Asserts that `response` is the contract's answer to a request hyper refused itself.
fn assert_transport_error(response: &str, status: u16, code: &str) {
    assert!(response.starts_with(&format!("HTTP/1.1 {status} ")), "{response}");
    let head = response.split_once("\r\n\r\n").map_or("", |(head, _)| head).to_ascii_lowercase();
    assert!(head.contains("\r\ncontent-type: application/json\r\n"), "{response}");
    assert!(head.contains("\r\nconnection: close\r\n"), "{response}");
    let body = json_body(response);
    assert_eq!(body["status"], status);
    assert_eq!(body["code"], code);
    assert!(body["message"].as_str().is_some_and(|message| !message.is_empty()), "{response}");
}

#[tokio::test]
async fn a_request_hyper_cannot_parse_is_400_malformed_in_the_error_format() {
    let app = spawn_app().await;
    let mut stream = connect(&app).await;
    stream.write_all(b"NOT HTTP AT ALL\r\n\r\n").await.unwrap();
    let response = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert_transport_error(&response, 400, "request:malformed");
}

#[tokio::test]
async fn a_header_line_hyper_cannot_parse_is_400_malformed_in_the_error_format() {
    let app = spawn_app().await;
    let mut stream = connect(&app).await;
    stream.write_all(b"GET /health HTTP/1.1\r\nHost: accountd\r\nNo Colon Here\r\n\r\n").await.unwrap();
    let response = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert_transport_error(&response, 400, "request:malformed");
}

#[tokio::test]
async fn more_headers_than_hyper_parses_are_431_in_the_error_format() {
    let app = spawn_app().await;
    let mut stream = connect(&app).await;
    let headers: String = (0..150).map(|n| format!("X-Many-{n}: {n}\r\n")).collect();
    stream.write_all(format!("GET /health HTTP/1.1\r\nHost: accountd\r\n{headers}\r\n").as_bytes()).await.unwrap();
    let response = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert_transport_error(&response, 431, "request:headers_too_large");
}

#[tokio::test]
async fn a_uri_longer_than_hyper_parses_is_414_in_the_error_format() {
    let app = spawn_app().await;
    let mut stream = connect(&app).await;
    let path = "a".repeat(70 * 1024);
    stream.write_all(format!("GET /{path} HTTP/1.1\r\nHost: accountd\r\n\r\n").as_bytes()).await.unwrap();
    let response = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert_transport_error(&response, 414, "request:uri_too_long");
}

/// A broken chunked body fails while the service reads it, so the answer is ours already.
#[tokio::test]
async fn a_broken_chunked_body_is_400_in_the_error_format() {
    let app = spawn_app().await;
    let mut stream = connect(&app).await;
    let head = "POST /v1/auth/login HTTP/1.1\r\nHost: accountd\r\nContent-Type: application/json\r\n\
                Transfer-Encoding: chunked\r\n\r\n";
    stream.write_all(format!("{head}not-a-size\r\n{{}}\r\n0\r\n\r\n").as_bytes()).await.unwrap();
    let response = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert_eq!(json_body(&response)["code"], "request:invalid_body");
}

#[tokio::test]
async fn kept_alive_and_pipelined_requests_are_answered_untouched() {
    let app = spawn_app().await;
    let mut stream = connect(&app).await;
    stream.write_all(HEALTH).await.unwrap();
    let first = read_response(&mut stream).await;
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    stream.write_all(HEALTH).await.unwrap();
    let second = read_response(&mut stream).await;
    assert!(second.starts_with("HTTP/1.1 200"), "{second}");
    assert_eq!(json_body(&second), json_body(&first));

    let closing = b"GET /health HTTP/1.1\r\nHost: accountd\r\nConnection: close\r\n\r\n";
    stream.write_all(&[HEALTH, closing.as_slice()].concat()).await.unwrap();
    let pipelined = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert_eq!(pipelined.matches("HTTP/1.1 200 OK\r\n").count(), 2, "{pipelined}");
    assert!(!pipelined.contains("request:malformed"), "{pipelined}");
}

#[tokio::test]
async fn a_malformed_request_after_a_good_one_leaves_the_good_response_whole() {
    let app = spawn_app().await;
    let mut stream = connect(&app).await;
    stream.write_all(&[HEALTH, b"NOT HTTP AT ALL\r\n\r\n".as_slice()].concat()).await.unwrap();
    let received = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    let (good, refused) = received.split_once("HTTP/1.1 400").unwrap_or_else(|| panic!("no 400: {received}"));
    assert!(good.starts_with("HTTP/1.1 200 OK\r\n"), "{received}");
    assert!(!good.contains("request:malformed") && !refused.contains("HTTP/1.1"), "{received}");
}

#[tokio::test]
async fn responses_that_carry_credentials_are_not_stored() {
    let app =
        spawn_app_with(|config| config.introspection_secret = Some("introspection-secret".to_string().into())).await;
    let registered = app
        .post("/v1/users", None, json!({ "email": "jane@example.com", "username": "jane", "password": PASSWORD }))
        .await;
    registered.assert_status(201);
    let token = registered.body["session"]["token"].as_str().unwrap().to_string();
    let login = app.login("jane", PASSWORD).await;
    let me = app.get("/v1/me", Some(&token)).await;
    let refused = app.get("/v1/me", None).await;
    let introspected = app
        .send(
            app.client
                .post(app.url("/v1/auth/introspect"))
                .bearer_auth("introspection-secret")
                .json(&json!({ "token": token })),
        )
        .await;
    for (what, reply) in
        [("register", &registered), ("login", &login), ("me", &me), ("401", &refused), ("introspect", &introspected)]
    {
        assert_eq!(reply.headers.get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "{what}");
    }
    let health = app.get("/health", None).await;
    assert!(health.headers.get("cache-control").is_none());
}
