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

/// Every operation of the contract (`shared/API.md`, as listed by `shared/tools/contract-routes`;
/// `/docs`, `/openapi.json` and `/metrics` are served beside the API, not described in it).
const CONTRACT_ROUTES: &[(&str, &str)] = &[
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/v1/action-logs"),
    ("GET", "/v1/action-logs/stream"),
    ("GET", "/v1/admin/activity"),
    ("GET", "/v1/admin/users"),
    ("DELETE", "/v1/admin/users/{id}"),
    ("GET", "/v1/admin/users/{id}"),
    ("PATCH", "/v1/admin/users/{id}"),
    ("DELETE", "/v1/admin/users/{id}/sessions"),
    ("POST", "/v1/auth/complete-signup"),
    ("POST", "/v1/auth/confirm-email-change"),
    ("POST", "/v1/auth/email-login"),
    ("POST", "/v1/auth/email-login/verify"),
    ("POST", "/v1/auth/forgot-password"),
    ("POST", "/v1/auth/introspect"),
    ("POST", "/v1/auth/login"),
    ("POST", "/v1/auth/login/2fa"),
    ("POST", "/v1/auth/login/2fa/passkey-options"),
    ("POST", "/v1/auth/logout"),
    ("GET", "/v1/auth/oauth/providers"),
    ("GET", "/v1/auth/oauth/{provider}/authorize"),
    ("POST", "/v1/auth/oauth/{provider}/login"),
    ("POST", "/v1/auth/passkey/login"),
    ("POST", "/v1/auth/passkey/options"),
    ("POST", "/v1/auth/resend-verification"),
    ("POST", "/v1/auth/reset-password"),
    ("POST", "/v1/auth/verify-email"),
    ("DELETE", "/v1/me"),
    ("GET", "/v1/me"),
    ("PATCH", "/v1/me"),
    ("DELETE", "/v1/me/2fa"),
    ("GET", "/v1/me/2fa"),
    ("POST", "/v1/me/2fa/enable"),
    ("GET", "/v1/me/2fa/recovery-codes"),
    ("POST", "/v1/me/2fa/recovery-codes"),
    ("POST", "/v1/me/2fa/setup"),
    ("GET", "/v1/me/activity"),
    ("GET", "/v1/me/activity/stream"),
    ("GET", "/v1/me/addresses"),
    ("POST", "/v1/me/addresses"),
    ("DELETE", "/v1/me/addresses/{id}"),
    ("POST", "/v1/me/addresses/{id}/send-verification"),
    ("POST", "/v1/me/addresses/{id}/verify"),
    ("DELETE", "/v1/me/avatar"),
    ("POST", "/v1/me/avatar"),
    ("POST", "/v1/me/avatar/linked"),
    ("DELETE", "/v1/me/banner"),
    ("POST", "/v1/me/banner"),
    ("GET", "/v1/me/credits"),
    ("POST", "/v1/me/discord-webhook/test"),
    ("POST", "/v1/me/email"),
    ("POST", "/v1/me/email/resend"),
    ("POST", "/v1/me/export"),
    ("GET", "/v1/me/export/{id}"),
    ("GET", "/v1/me/export/{id}/download"),
    ("GET", "/v1/me/export/{id}/events"),
    ("GET", "/v1/me/integrations/bash"),
    ("POST", "/v1/me/integrations/flameshot"),
    ("GET", "/v1/me/integrations/sharex"),
    ("POST", "/v1/me/integrations/spectacle"),
    ("GET", "/v1/me/limits"),
    ("GET", "/v1/me/linked-accounts"),
    ("DELETE", "/v1/me/linked-accounts/{provider}"),
    ("POST", "/v1/me/linked-accounts/{provider}"),
    ("POST", "/v1/me/linked-accounts/{provider}/authorize"),
    ("GET", "/v1/me/login-history"),
    ("GET", "/v1/me/passkeys"),
    ("POST", "/v1/me/passkeys"),
    ("POST", "/v1/me/passkeys/options"),
    ("DELETE", "/v1/me/passkeys/{id}"),
    ("PATCH", "/v1/me/passkeys/{id}"),
    ("PUT", "/v1/me/password"),
    ("GET", "/v1/me/perks"),
    ("POST", "/v1/me/perks/refresh"),
    ("GET", "/v1/me/referrals"),
    ("PUT", "/v1/me/referrals"),
    ("DELETE", "/v1/me/sessions"),
    ("GET", "/v1/me/sessions"),
    ("DELETE", "/v1/me/sessions/{id}"),
    ("GET", "/v1/me/tokens"),
    ("POST", "/v1/me/tokens"),
    ("DELETE", "/v1/me/tokens/{id}"),
    ("PUT", "/v1/me/upload-domain"),
    ("GET", "/v1/me/upload-domains"),
    ("GET", "/v1/me/upload-token"),
    ("POST", "/v1/me/upload-token"),
    ("PUT", "/v1/me/username"),
    ("GET", "/v1/media/{key}"),
    ("GET", "/v1/usernames/{username}/availability"),
    ("GET", "/v1/users"),
    ("POST", "/v1/users"),
    ("GET", "/v1/users/by-id/{id}"),
    ("GET", "/v1/users/{username}"),
];

async fn openapi_document() -> serde_json::Value {
    let app = spawn_app().await;
    let document = app.get("/openapi.json", None).await.assert_status(200).clone();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    document
}

/// Each (method, path, operation) of the document.
fn operations(document: &serde_json::Value) -> Vec<(String, String, serde_json::Value)> {
    let mut all = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                all.push((method.to_uppercase(), path.clone(), operation.clone()));
            }
        }
    }
    all
}

#[tokio::test]
async fn openapi_lists_every_operation_of_the_contract() {
    let document = openapi_document().await;
    let missing: Vec<_> = CONTRACT_ROUTES
        .iter()
        .filter(|(method, path)| !document["paths"][*path][method.to_lowercase()].is_object())
        .collect();
    assert!(missing.is_empty(), "operations of the contract missing from /openapi.json: {missing:#?}");
}

/// A generated client learns the errors it may see from the document: every operation
/// documents a 4xx with the error body, and the refusals of what it passes through
/// (credential, body, query) are among them.
#[tokio::test]
async fn openapi_documents_the_errors_of_every_operation() {
    let document = openapi_document().await;
    let mut wrong = Vec::new();
    for (method, path, operation) in operations(&document) {
        let responses = operation["responses"].as_object().unwrap();
        let mentions = |status: &str, code: &str| {
            responses
                .get(status)
                .and_then(|response| response["description"].as_str())
                .is_some_and(|text| text.contains(&format!("`{code}`")))
        };
        if !responses.keys().any(|status| status.starts_with('4')) {
            wrong.push(format!("{method} {path}: no 4xx answer"));
        }
        for (status, response) in responses {
            let is_error = status.starts_with('4') || status.starts_with('5');
            let schema = &response["content"]["application/json"]["schema"]["$ref"];
            // `/ready` answers 503 with its readiness body, as the contract says.
            let own_body = path == "/ready" && status == "503";
            if is_error && !own_body && schema != "#/components/schemas/ErrorBody" {
                wrong.push(format!("{method} {path}: {status} without the error body"));
            }
        }
        let schemes: Vec<String> = operation["security"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|requirement| requirement.as_object().unwrap().keys().cloned())
            .collect();
        if !schemes.is_empty() && !mentions("401", "auth:unauthenticated") {
            wrong.push(format!("{method} {path}: authenticated, without 401 auth:unauthenticated"));
        }
        if schemes.iter().any(|scheme| scheme == "pat") && !mentions("403", "auth:insufficient_scope") {
            wrong.push(format!("{method} {path}: takes a PAT, without 403 auth:insufficient_scope"));
        }
        if operation["requestBody"]["content"].get("application/json").is_some()
            && !(mentions("400", "request:invalid_body") && responses.contains_key("413"))
        {
            wrong.push(format!("{method} {path}: a JSON body, without 400 request:invalid_body and 413"));
        }
        for status in ["429", "503"] {
            if let Some(refused) = responses.get(status) {
                if !refused["headers"]["Retry-After"].is_object() {
                    wrong.push(format!("{method} {path}: {status} without Retry-After"));
                }
            }
        }
        let probe = ["/health", "/ready", "/metrics"].contains(&path.as_str());
        if !probe && !mentions("503", "server:unavailable") {
            wrong.push(format!("{method} {path}: reads the database, without 503 server:unavailable"));
        }
        if !probe && method != "GET" && !mentions("507", "server:storage_full") {
            wrong.push(format!("{method} {path}: writes, without 507 server:storage_full"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Generated clients name their functions by `operationId`: two alike and one is lost.
#[tokio::test]
async fn openapi_operation_ids_are_unique() {
    let document = openapi_document().await;
    let mut seen = std::collections::BTreeMap::new();
    for (method, path, operation) in operations(&document) {
        let id = operation["operationId"].as_str().unwrap_or_default().to_string();
        if let Some(other) = seen.insert(id.clone(), format!("{method} {path}")) {
            panic!("operationId `{id}` of {method} {path} is also {other}'s");
        }
    }
}

/// Every operation says how it is authenticated: one of the declared schemes, PATs with
/// their scopes, or explicitly none (`[{}]`).
#[tokio::test]
async fn openapi_declares_the_security_of_every_operation() {
    let document = openapi_document().await;
    let schemes = document["components"]["securitySchemes"].as_object().unwrap();
    for scheme in ["session", "cookie", "pat", "introspection"] {
        assert!(schemes.contains_key(scheme), "security scheme `{scheme}` missing");
    }
    let mut wrong = Vec::new();
    for (method, path, operation) in operations(&document) {
        let Some(requirements) = operation["security"].as_array().filter(|list| !list.is_empty()) else {
            wrong.push(format!("{method} {path}: no security declared"));
            continue;
        };
        for requirement in requirements {
            for (scheme, scopes) in requirement.as_object().unwrap() {
                if !schemes.contains_key(scheme) {
                    wrong.push(format!("{method} {path}: unknown scheme `{scheme}`"));
                }
                if scheme == "pat" && scopes.as_array().is_none_or(|scopes| scopes.is_empty()) {
                    wrong.push(format!("{method} {path}: a PAT without its scope"));
                }
            }
        }
        let names: Vec<&String> = requirements.iter().flat_map(|r| r.as_object().unwrap().keys()).collect();
        let under_me = path == "/v1/me" || path.starts_with("/v1/me/");
        if under_me && !(names.contains(&&"session".to_string()) && names.contains(&&"cookie".to_string())) {
            wrong.push(format!("{method} {path}: under /v1/me without the session and its cookie"));
        }
        if path.starts_with("/v1/admin/") && names.iter().any(|name| *name == "pat") {
            wrong.push(format!("{method} {path}: an admin route that claims to take a PAT"));
        }
    }
    let introspect = &document["paths"]["/v1/auth/introspect"]["post"]["security"];
    assert_eq!(introspect, &json!([{ "introspection": [] }]));
    let me = &document["paths"]["/v1/me"]["get"]["security"];
    assert!(me.as_array().unwrap().contains(&json!({ "pat": ["user:read"] })), "{me}");
    let tokens = &document["paths"]["/v1/me/tokens"]["get"]["security"];
    assert!(!tokens.to_string().contains("pat"), "PATs are refused on /v1/me/tokens: {tokens}");
    assert_eq!(&document["paths"]["/v1/users"]["post"]["security"], &json!([{}]));
    assert!(wrong.is_empty(), "{wrong:#?}");
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
async fn security_headers_are_set_on_every_kind_of_response() {
    let app = spawn_app().await;
    // JSON, an authentication error, a 404 of the fallback, a page, the API docs, a 405.
    let samples = [
        (Method::GET, "/health", 200),
        (Method::GET, "/v1/me", 401),
        (Method::GET, "/no/such/path", 404),
        (Method::GET, "/verify-email?token=x", 200),
        (Method::GET, "/openapi.json", 200),
        (Method::DELETE, "/health", 405),
    ];
    for (method, path, status) in samples {
        let reply = app.call(method.clone(), path, None, None).await;
        assert_eq!(reply.status, status, "{method} {path}");
        assert_eq!(reply.headers["x-content-type-options"], "nosniff", "{method} {path}");
        assert_eq!(reply.headers["referrer-policy"], "no-referrer", "{method} {path}");
        assert_eq!(reply.headers["x-frame-options"], "DENY", "{method} {path}");
        let policy = reply.headers["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("frame-ancestors 'none'"), "{method} {path}: {policy}");
        assert!(reply.headers.get("strict-transport-security").is_none(), "plain http: no HSTS ({path})");
    }
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

/// The document's integers are JSON Schema integers, which `30.0` is; `30.5` is not.
#[tokio::test]
async fn an_integer_written_with_a_zero_fraction_is_an_integer() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let body = |days: f64| json!({ "name": "ci", "scopes": ["user:read"], "expiresInDays": days });
    let created = app.post("/v1/me/tokens", Some(&jane.token), body(30.0)).await.assert_status(201).clone();
    let expires = chrono::DateTime::parse_from_rfc3339(created["expiresAt"].as_str().unwrap()).unwrap();
    let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((29.9..=30.1).contains(&days), "{created}");
    app.post("/v1/me/tokens", Some(&jane.token), body(30.5)).await.assert_error(400, "request:invalid_body");
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

/// A client validating with the document must not let through a new password the policy
/// refuses for its shape, and the document follows the configured policy.
#[tokio::test]
async fn openapi_states_the_configured_password_policy_on_every_new_password() {
    let new_passwords = [
        ("RegisterRequest", "password"),
        ("ResetPasswordRequest", "newPassword"),
        ("ChangePasswordRequest", "newPassword"),
    ];
    let complexity = openapi_document().await;
    let nist =
        crate::helpers::spawn_app_with(|config| config.password.policy = accountd_core::password::PolicyKind::Nist)
            .await
            .get("/openapi.json", None)
            .await
            .assert_status(200)
            .clone();
    for (schema, property) in new_passwords {
        let field = &complexity["components"]["schemas"][schema]["properties"][property];
        assert_eq!((field["minLength"].as_u64(), field["maxLength"].as_u64()), (Some(8), Some(128)), "{schema}");
        let pattern = field["pattern"].as_str().unwrap_or_else(|| panic!("{schema}.{property} has no pattern"));
        for class in ["[a-z]", "[A-Z]", "[0-9]", "[ !-/"] {
            assert!(pattern.contains(class), "{schema}: {pattern} lacks {class}");
        }
        let field = &nist["components"]["schemas"][schema]["properties"][property];
        assert_eq!((field["minLength"].as_u64(), field["maxLength"].as_u64()), (Some(15), Some(128)), "{schema}");
        assert!(field.get("pattern").is_none(), "the nist policy has no composition rule: {field}");
    }
}
