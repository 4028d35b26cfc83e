use reqwest::Method;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_answers_ok() {
    let app = spawn_app().await;
    let reply = app.get("/health", None).await;
    assert_eq!(reply.assert_status(200), &json!({ "status": "ok" }));
}

#[tokio::test]
async fn ready_answers_ok_when_the_database_is_reachable() {
    let app = spawn_app().await;
    let reply = app.get("/ready", None).await;
    assert_eq!(reply.assert_status(200), &json!({ "status": "ok", "database": "ok" }));
}

#[tokio::test]
async fn openapi_lists_every_route() {
    let app = spawn_app().await;
    let reply = app.get("/openapi.json", None).await;
    let document = reply.assert_status(200);
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    let expected = [
        ("/health", "get"),
        ("/ready", "get"),
        ("/metrics", "get"),
        ("/v1/users", "post"),
        ("/v1/users", "get"),
        ("/v1/usernames/{username}/availability", "get"),
        ("/v1/auth/login", "post"),
        ("/v1/auth/logout", "post"),
        ("/v1/me", "get"),
        ("/v1/me", "patch"),
        ("/v1/me/sessions", "get"),
        ("/v1/me/sessions", "delete"),
        ("/v1/me/sessions/{id}", "delete"),
        ("/v1/me/login-history", "get"),
        ("/v1/users/{username}", "get"),
        ("/v1/users/by-id/{id}", "get"),
    ];
    for (path, method) in expected {
        assert!(document["paths"][path][method].is_object(), "{method} {path} missing from the OpenAPI document");
    }
}

/// A parameter declared "in": "path" on a path without that segment makes client
/// generators skip the operation (openapi-python-client skipped eight of them).
#[tokio::test]
async fn openapi_declares_each_parameter_where_it_is_sent() {
    let app = spawn_app().await;
    let document = app.get("/openapi.json", None).await.assert_status(200).clone();
    let mut wrong = Vec::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                let in_path = path.contains(&format!("{{{name}}}"));
                match parameter["in"].as_str().unwrap() {
                    "path" if !in_path => wrong.push(format!("{method} {path}: `{name}` is not in the path")),
                    "query" if in_path => wrong.push(format!("{method} {path}: `{name}` is a path segment")),
                    _ => {}
                }
            }
            let segments = path.matches('{').count();
            let declared = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|parameter| parameter["in"] == "path")
                .count();
            if segments != declared {
                wrong.push(format!("{method} {path}: {segments} path segments, {declared} declared"));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[tokio::test]
async fn docs_are_served_from_the_binary() {
    let app = spawn_app().await;
    let page = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.headers().contains_key("content-security-policy"));
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(!html.contains("https://"), "the page must not load anything from the internet");
    let bundle = app.client.get(app.url("/docs/swagger-ui-bundle.js")).send().await.unwrap();
    assert_eq!(bundle.status(), 200);
    assert!(bundle.bytes().await.unwrap().len() > 100_000);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_and_login_outcomes() {
    let app = spawn_app().await;
    app.register_as("counted").await;
    app.login("counted", "Wrong-Password-1").await.assert_error(401, "auth:invalid_credentials");
    app.get("/v1/users/by-id/nope", None).await;
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("http_requests_total{"), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("http_requests_total")
            && l.contains("route=\"/v1/users/by-id/{id}\"")
            && l.contains("status=\"404\"")),
        "{text}"
    );
    assert!(text.contains("http_request_duration_seconds_bucket"), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("accountd_logins_total") && l.contains("outcome=\"invalid_password\"")),
        "{text}"
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_echoes_the_clients() {
    let app = spawn_app().await;
    let reply = app.get("/health", None).await;
    assert!(!reply.headers["x-request-id"].is_empty());
    let echoed = app.client.get(app.url("/nowhere")).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "abc-123");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_format() {
    let app = spawn_app().await;
    app.get("/v1/nowhere", None).await.assert_error(404, "request:not_found");
    app.call(Method::PUT, "/health", None, None).await.assert_error(405, "request:method_not_allowed");
}

#[tokio::test]
async fn security_headers_are_set() {
    let app = spawn_app().await;
    let reply = app.get("/health", None).await;
    assert_eq!(reply.headers["x-content-type-options"], "nosniff");
    assert_eq!(reply.headers["referrer-policy"], "no-referrer");
    assert_eq!(reply.headers["x-frame-options"], "DENY");
}

#[tokio::test]
async fn malformed_json_is_invalid_body() {
    let app = spawn_app().await;
    let reply = app
        .send(app.client.post(app.url("/v1/users")).header("content-type", "application/json").body("{\"email\": "))
        .await;
    reply.assert_error(400, "request:invalid_body");
    let wrong_type = app.post("/v1/users", None, json!({ "email": 5, "username": "x", "password": "y" })).await;
    wrong_type.assert_error(400, "request:invalid_body");
    let missing = app.post("/v1/auth/login", None, json!({ "identifier": "jane" })).await;
    missing.assert_error(400, "request:invalid_body");
    let empty = app.send(app.client.post(app.url("/v1/auth/login")).header("content-type", "application/json")).await;
    empty.assert_error(400, "request:invalid_body");
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let app = spawn_app().await;
    let huge = json!({ "email": "a@example.com", "username": "abc", "password": "Correct-Horse-9", "displayName": "x".repeat(70 * 1024) });
    app.post("/v1/users", None, huge).await.assert_error(413, "request:too_large");
    let enormous = "x".repeat(3 * 1024 * 1024);
    let reply =
        app.send(app.client.post(app.url("/v1/users")).header("content-type", "application/json").body(enormous)).await;
    assert_eq!(reply.status, 413);
}

#[tokio::test]
async fn a_non_json_content_type_is_refused() {
    let app = spawn_app().await;
    let reply =
        app.send(app.client.post(app.url("/v1/auth/login")).header("content-type", "text/plain").body("{}")).await;
    reply.assert_error(415, "request:unsupported_media_type");
}

/// `docs/security.md` proves each claim by naming a test; a renamed or deleted test must
/// not leave the page citing nothing. A citation is a code span of lower-case path
/// segments (`file::test`, `module::tests::test`) whose last segment has at least two
/// underscores, or a bare name with at least four that is not a metric or cookie name
/// (`accountd_…`); it must name a `fn` in a file of that module path under `crates/`.
#[test]
fn docs_security_cites_existing_tests() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(root.join("docs/security.md")).expect("docs/security.md");
    let mut sources = Vec::new();
    collect_sources(&root.join("crates"), &mut sources);
    let mut cited = 0;
    let mut missing = Vec::new();
    for span in doc.split('`').skip(1).step_by(2) {
        let segments: Vec<&str> = span.split("::").collect();
        let lower = |segment: &&str| {
            !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        if !segments.iter().all(lower) {
            continue;
        }
        let name = segments[segments.len() - 1];
        let underscores = name.matches('_').count();
        let is_citation =
            if segments.len() > 1 { underscores >= 2 } else { underscores >= 4 && !name.starts_with("accountd_") };
        if !is_citation {
            continue;
        }
        cited += 1;
        let modules: Vec<&str> = segments[..segments.len() - 1].iter().copied().filter(|m| *m != "tests").collect();
        let suffix = format!("/{}", modules.join("/"));
        let declaration = format!("fn {name}(");
        let found = sources
            .iter()
            .any(|(module, text)| (modules.is_empty() || module.ends_with(&suffix)) && text.contains(&declaration));
        if !found {
            missing.push(span.to_string());
        }
    }
    assert!(missing.is_empty(), "docs/security.md cites tests that do not exist: {missing:?}");
    assert!(cited >= 100, "only {cited} citations found: the page or this parser changed");
}

/// Every `.rs` file under `dir`, as (path without `.rs` and without a trailing `/mod`, text).
fn collect_sources(dir: &std::path::Path, into: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("readable source tree").flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name() != Some(std::ffi::OsStr::new("target")) {
                collect_sources(&path, into);
            }
        } else if path.extension() == Some(std::ffi::OsStr::new("rs")) {
            let module = path.with_extension("").to_string_lossy().replace('\\', "/");
            let module = module.strip_suffix("/mod").unwrap_or(&module).to_string();
            into.push((module, std::fs::read_to_string(&path).unwrap_or_default()));
        }
    }
}
