use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::error::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "accountd",
        description = "The account service's HTTP API. Every error has the body `ErrorBody`; \
            every response carries `X-Request-Id`. Request bodies over 64 KiB get `413 request:too_large`; \
            malformed JSON, a wrong type or an unknown enum value gets `400 request:invalid_body`.",
    ),
    components(schemas(ErrorBody)),
    modifiers(&Security),
    tags(
        (name = "system", description = "Health, readiness, metrics"),
        (name = "registration", description = "Creating accounts"),
        (name = "auth", description = "Login and logout"),
        (name = "me", description = "The signed-in account"),
        (name = "sessions", description = "Sessions and login history"),
        (name = "email", description = "Email verification, password reset, email change"),
        (name = "addresses", description = "Additional email addresses"),
        (name = "2fa", description = "Two-factor authentication: TOTP and recovery codes"),
        (name = "profiles", description = "Public profiles and search"),
        (name = "tokens", description = "Personal access tokens, the upload token, introspection"),
        (name = "admin", description = "Administration, for accounts with the role `admin`"),
        (name = "oauth", description = "Social login and linked accounts"),
        (name = "pages", description = "Pages accountd serves to browsers"),
        (name = "activity", description = "Activity: the account's history, the public feed, live streams"),
        (name = "export", description = "Data export: an archive of everything the account holds"),
        (name = "referrals", description = "Referral codes, the credit ledger and perks"),
        (name = "uploads", description = "Upload domains, uploader integrations and the Discord webhook test"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A session token (`ses_…`)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "pat",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A personal access token (`pat_…`) with the scopes listed"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "introspection",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The configured introspection secret (`ACCOUNTD_INTROSPECTION_SECRET`)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "accountd_session",
                "The session token. With an https public URL the cookie is named `__Host-accountd_session` \
                 (Secure, Path=/, no Domain).",
            ))),
        );
    }
}

pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as served: each operation gets the answers that the extractors and layers
/// it passes through can give, where its own annotation leaves them out, so that a client
/// generated from it knows every status it may see. Public operations declare that they
/// take no credential (`security: [{}]`) rather than leaving it unsaid.
pub fn finish(document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let Ok(mut value) = serde_json::to_value(&document) else {
        return document;
    };
    if let Some(paths) = value.get_mut("paths").and_then(serde_json::Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            for (method, operation) in item.iter_mut() {
                if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                    continue;
                }
                complete(path, method, operation);
            }
        }
    }
    serde_json::from_value(value).unwrap_or(document)
}

/// What a request to one operation meets before its handler, read off the operation.
struct Gates {
    schemes: Vec<String>,
    json_body: bool,
    query: bool,
    unsafe_method: bool,
    rate_limited: bool,
    admin: bool,
}

fn gates(path: &str, method: &str, operation: &serde_json::Value) -> Gates {
    let schemes = operation["security"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_object)
        .flat_map(|requirement| requirement.keys().cloned())
        .collect();
    let json_body = operation["requestBody"]["content"].get("application/json").is_some();
    let query = operation["parameters"].as_array().into_iter().flatten().any(|parameter| parameter["in"] == "query");
    let rate_limited = super::rate_limit::LIMITED_ROUTES
        .iter()
        .any(|(limited, limited_path)| limited.as_str().eq_ignore_ascii_case(method) && *limited_path == path);
    Gates {
        schemes,
        json_body,
        query,
        unsafe_method: method != "get",
        rate_limited,
        admin: path.starts_with("/v1/admin/"),
    }
}

fn complete(path: &str, method: &str, operation: &mut serde_json::Value) {
    let gates = gates(path, method, operation);
    let has = |scheme: &str| gates.schemes.iter().any(|name| name == scheme);
    if gates.schemes.is_empty() {
        operation["security"] = serde_json::json!([{}]);
    }
    if gates.json_body {
        answer(
            operation,
            400,
            "request:invalid_body",
            "malformed JSON, a wrong type, a missing field or an unknown enum value",
        );
        answer(operation, 413, "request:too_large", "a body over the configured limit");
        answer(operation, 415, "request:unsupported_media_type", "a body that is not JSON");
    }
    if gates.query {
        answer(operation, 400, "request:invalid_query", "a query parameter of the wrong type");
    }
    if has("session") || has("cookie") || has("pat") || has("introspection") {
        answer(operation, 401, "auth:unauthenticated", "a missing, unknown, expired or revoked credential");
    }
    if has("cookie") && gates.unsafe_method {
        answer(operation, 403, "auth:csrf_rejected", "a cookie-authenticated request from an origin not allowed");
    }
    if has("pat") {
        answer(operation, 403, "auth:insufficient_scope", "a personal access token without the scope");
    } else if has("session") {
        answer(operation, 403, "auth:session_required", "a personal access token on a session-only route");
    }
    if gates.admin {
        answer(operation, 403, "auth:forbidden", "an account without the role `admin`");
    }
    if has("introspection") {
        answer(operation, 404, "request:not_found", "introspection is not configured");
    }
    if gates.rate_limited {
        answer(operation, 429, "rate_limited", "too many requests from this client; see `Retry-After`");
    }
    if let Some(limited) = operation["responses"].get_mut("429") {
        limited["headers"]["Retry-After"] = serde_json::json!({
            "description": "Seconds until the request may be retried.",
            "schema": {"type": "integer", "minimum": 0},
        });
    }
    // Checked in `middleware::observe` before any route: every operation can answer these.
    answer(operation, 414, "request:uri_too_long", "a request target over 8 KiB");
    answer(operation, 431, "request:headers_too_large", "request headers over 16 KiB");
    error_bodies(operation);
}

/// Documents that `operation` may answer `status` with `code`, adding the response or the code.
fn answer(operation: &mut serde_json::Value, status: u16, code: &str, why: &str) {
    let responses = &mut operation["responses"];
    let key = status.to_string();
    let mention = format!("`{code}` ({why})");
    match responses.get_mut(&key) {
        Some(response) => {
            let description = response["description"].as_str().unwrap_or_default();
            if !description.contains(&format!("`{code}`")) {
                response["description"] = serde_json::Value::String(if description.trim().is_empty() {
                    mention
                } else {
                    format!("{description}; {mention}")
                });
            }
        }
        None => responses[key] = serde_json::json!({"description": mention}),
    }
}

/// Every 4xx and 5xx answer carries the contract's error body.
fn error_bodies(operation: &mut serde_json::Value) {
    let Some(responses) = operation["responses"].as_object_mut() else { return };
    for (status, response) in responses.iter_mut() {
        let is_error = status.starts_with('4') || status.starts_with('5');
        if is_error && response.get("content").is_none() {
            response["content"] = serde_json::json!({
                "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
            });
        }
    }
}
