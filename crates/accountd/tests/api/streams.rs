//! Server-sent event streams: `/v1/me/activity/stream`, `/v1/action-logs/stream`, and an
//! export's `/events`.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, TestApp};

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub id: Option<String>,
    pub event: String,
    pub data: Value,
}

/// A client of one event stream, reading as the test asks.
pub struct SseClient {
    response: reqwest::Response,
    buffer: String,
    pub comments: usize,
}

impl SseClient {
    pub async fn connect(
        app: &TestApp,
        path: &str,
        token: Option<&str>,
        last_event_id: Option<&str>,
    ) -> reqwest::Response {
        let mut request = app.client.get(app.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        request.send().await.unwrap()
    }

    pub async fn open(app: &TestApp, path: &str, token: Option<&str>, last_event_id: Option<&str>) -> Self {
        Self::from_response(Self::connect(app, path, token, last_event_id).await)
    }

    pub fn from_response(response: reqwest::Response) -> Self {
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Self { response, buffer: String::new(), comments: 0 }
    }

    /// The next event, `None` when the stream ended; panics after `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<SseEvent> {
        tokio::time::timeout(wait, self.next_event()).await.expect("an event in time")
    }

    async fn next_event(&mut self) -> Option<SseEvent> {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (None, "message".to_string(), String::new());
                let mut comment = false;
                for line in block.lines() {
                    if line.starts_with(':') {
                        comment = true;
                    } else if let Some(value) = line.strip_prefix("id:") {
                        id = Some(value.trim().to_string());
                    } else if let Some(value) = line.strip_prefix("event:") {
                        event = value.trim().to_string();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push_str(value.trim_start());
                    }
                }
                if data.is_empty() {
                    if comment {
                        self.comments += 1;
                    }
                    continue;
                }
                return Some(SseEvent { id, event, data: serde_json::from_str(&data).unwrap() });
            }
            match self.response.chunk().await {
                Ok(Some(bytes)) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(None) | Err(_) => return None,
            }
        }
    }
}

async fn change_display_name(app: &TestApp, token: &str, name: &str) {
    let reply = app.call(reqwest::Method::PATCH, "/v1/me", Some(token), Some(json!({ "displayName": name }))).await;
    reply.assert_status(200);
}

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn the_activity_stream_delivers_the_accounts_events_with_ids_and_nothing_of_others() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let other = app.register_as("other").await;
    let mut stream = SseClient::open(&app, "/v1/me/activity/stream", Some(&jane.token), None).await;

    change_display_name(&app, &other.token, "Other").await;
    change_display_name(&app, &jane.token, "Jane").await;
    let event = stream.next(WAIT).await.expect("an event");
    assert_eq!(event.event, "activity");
    assert_eq!(event.data["action"], "profile.updated");
    let mut keys: Vec<&str> = event.data.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["action", "at", "id", "ip", "metadata", "userAgent"]);
    let listed = app.get("/v1/me/activity?limit=1", Some(&jane.token)).await;
    assert_eq!(event.data, listed.assert_status(200)["items"][0], "the event is the Activity of the list");
    assert!(event.id.unwrap().parse::<u64>().is_ok());
}

#[tokio::test]
async fn a_stream_resumed_with_last_event_id_loses_nothing_and_repeats_nothing() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let mut stream = SseClient::open(&app, "/v1/me/activity/stream", Some(&jane.token), None).await;
    change_display_name(&app, &jane.token, "one").await;
    change_display_name(&app, &jane.token, "two").await;
    let first = stream.next(WAIT).await.unwrap();
    let second = stream.next(WAIT).await.unwrap();
    assert_eq!(
        (first.data["action"].as_str(), second.data["action"].as_str()),
        (Some("profile.updated"), Some("profile.updated"))
    );
    let last_id = first.id.clone().unwrap();
    drop(stream);

    // Events happen while the client is away.
    for name in ["three", "four", "five"] {
        change_display_name(&app, &jane.token, name).await;
    }
    let mut resumed = SseClient::open(&app, "/v1/me/activity/stream", Some(&jane.token), Some(&last_id)).await;
    let mut seen = Vec::new();
    for _ in 0..4 {
        let event = resumed.next(WAIT).await.unwrap();
        seen.push((event.id.unwrap(), event.data["id"].as_str().unwrap().to_string()));
    }
    assert_eq!(seen[0].0, second.id.unwrap(), "the event after Last-Event-ID comes first");
    assert_eq!(seen[0].1, second.data["id"].as_str().unwrap());
    let positions: Vec<u64> = seen.iter().map(|(id, _)| id.parse().unwrap()).collect();
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "in order, no duplicate: {positions:?}");
    let listed = app.get("/v1/me/activity?limit=4", Some(&jane.token)).await;
    let mut expected: Vec<String> = listed.assert_status(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_string())
        .collect();
    expected.reverse();
    assert_eq!(seen.into_iter().map(|(_, id)| id).collect::<Vec<_>>(), expected, "no gap");
}

#[tokio::test]
async fn revoking_the_session_ends_its_stream() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let other_session = app.login_token("jane").await;
    let mut stream = SseClient::open(&app, "/v1/me/activity/stream", Some(&other_session), None).await;

    app.call(reqwest::Method::DELETE, "/v1/me/sessions", Some(&jane.token), None).await.assert_status(204);
    let mut ended = false;
    for _ in 0..5 {
        if stream.next(WAIT).await.is_none() {
            ended = true;
            break;
        }
    }
    assert!(ended, "the stream of a revoked session ends");
    let reply = SseClient::connect(&app, "/v1/me/activity/stream", Some(&other_session), None).await;
    assert_eq!(reply.status(), 401);
}

#[tokio::test]
async fn banning_the_account_ends_its_stream() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let mut stream = SseClient::open(&app, "/v1/me/activity/stream", Some(&jane.token), None).await;
    app.execute_sql("UPDATE users SET banned = TRUE WHERE username = 'jane'").await;
    let ended = stream.next(WAIT).await;
    assert!(ended.is_none(), "the stream ends: {ended:?}");
}

#[tokio::test]
async fn streams_past_the_accounts_cap_get_429_and_past_the_nodes_cap_503() {
    let app = spawn_app_with(|config| {
        config.activity.max_streams_per_account = 2;
        config.activity.max_streams_per_node = 3;
    })
    .await;
    let jane = app.register_as("jane").await;
    let _one = SseClient::open(&app, "/v1/me/activity/stream", Some(&jane.token), None).await;
    let two = SseClient::open(&app, "/v1/me/activity/stream", Some(&jane.token), None).await;
    let refused = app.get("/v1/me/activity/stream", Some(&jane.token)).await;
    refused.assert_error(429, "rate_limited");
    assert!(refused.headers.contains_key("retry-after"));

    let _public = SseClient::open(&app, "/v1/action-logs/stream", None, None).await;
    app.get("/v1/action-logs/stream", None).await.assert_error(503, "server:overloaded");

    // A closed stream gives its place back.
    drop(two);
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let response = SseClient::connect(&app, "/v1/me/activity/stream", Some(&jane.token), None).await;
        if response.status() == 200 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the place was not given back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_idle_stream_sends_keep_alive_comments() {
    let app = spawn_app_with(|config| config.activity.stream_keep_alive_seconds = 1).await;
    let jane = app.register_as("jane").await;
    let mut stream = SseClient::open(&app, "/v1/me/activity/stream", Some(&jane.token), None).await;
    let nothing = tokio::time::timeout(Duration::from_millis(2500), stream.next_event()).await;
    assert!(nothing.is_err(), "no event came");
    assert!(stream.comments >= 2, "keep-alives: {}", stream.comments);
}

#[tokio::test]
async fn the_public_stream_shows_public_actions_of_every_account_only() {
    let app = spawn_app().await;
    let mut stream = SseClient::open(&app, "/v1/action-logs/stream", None, None).await;
    let jane = app.register_as("jane").await;
    change_display_name(&app, &jane.token, "Jane").await;
    app.login_token("jane").await;
    app.call(reqwest::Method::PUT, "/v1/me/username", Some(&jane.token), Some(json!({ "username": "janet" })))
        .await
        .assert_status(200);

    let registered = stream.next(WAIT).await.unwrap();
    assert_eq!(registered.event, "action");
    assert_eq!(registered.data["action"], "user.registered");
    let renamed = stream.next(WAIT).await.unwrap();
    assert_eq!(renamed.data["action"], "username.changed");
    assert_eq!(renamed.data["actor"], json!({ "id": jane.id, "username": "janet" }));
    let mut keys: Vec<&str> = renamed.data.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["action", "actor", "at", "id"]);
}

#[tokio::test]
async fn an_exports_events_report_progress_then_done() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    crate::export::bulk_activity(&app, "jane", 5_000).await;
    let id = app.post("/v1/me/export", Some(&jane.token), json!({})).await.assert_status(202)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut stream = SseClient::open(&app, &format!("/v1/me/export/{id}/events"), Some(&jane.token), None).await;
    let mut progress = Vec::new();
    let done = loop {
        let event = stream.next(Duration::from_secs(60)).await.expect("the stream ends with done");
        match event.event.as_str() {
            "progress" => progress.push(event.data["progress"].as_i64().unwrap()),
            "done" => break event,
            other => panic!("unexpected event {other}: {:?}", event.data),
        }
    };
    assert_eq!(done.data, json!({ "downloadUrl": format!("/v1/me/export/{id}/download") }));
    assert!(progress.windows(2).all(|pair| pair[0] <= pair[1]), "{progress:?}");
    assert!(progress.iter().all(|value| (0..=100).contains(value)));
    assert!(stream.next(WAIT).await.is_none(), "the stream ends after done");

    // Connected after the end, it says done at once and ends.
    let mut late = SseClient::open(&app, &format!("/v1/me/export/{id}/events"), Some(&jane.token), None).await;
    assert_eq!(late.next(WAIT).await.unwrap().event, "done");
    assert!(late.next(WAIT).await.is_none());
}
