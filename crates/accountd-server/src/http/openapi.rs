use accountd_core::password::PolicyKind;
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
pub fn finish(document: utoipa::openapi::OpenApi, password_policy: PolicyKind) -> utoipa::openapi::OpenApi {
    let Ok(mut value) = serde_json::to_value(&document) else {
        return document;
    };
    if let Some(schemas) = value["components"]["schemas"].as_object_mut() {
        for (schema, property) in NEW_PASSWORDS {
            if let Some(field) = property_of(schemas, schema, property) {
                state_password_policy(field, password_policy);
            }
        }
        for (schema, property, shape) in SHAPES {
            if let Some(field) = property_of(schemas, schema, property) {
                shape(field);
            }
        }
        for (name, common, forms) in ONE_FORM_OF {
            one_form_of(schemas, name, common, forms);
        }
        if let Some(form) = schemas.get_mut("UploadForm") {
            // The route refuses any field but `file` (`routes::media::read_file_field`).
            form["additionalProperties"] = false.into();
        }
    }
    pattern_uuids(&mut value);
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

/// A property of a component schema, if both exist.
fn property_of<'a>(
    schemas: &'a mut serde_json::Map<String, serde_json::Value>,
    schema: &str,
    property: &str,
) -> Option<&'a mut serde_json::Value> {
    schemas.get_mut(schema)?["properties"].get_mut(property)
}

/// The request fields that set a new password, as (schema, property).
const NEW_PASSWORDS: &[(&str, &str)] = &[
    ("RegisterRequest", "password"),
    ("ResetPasswordRequest", "newPassword"),
    ("ChangePasswordRequest", "newPassword"),
];

/// One symbol the `complexity` policy counts: ASCII punctuation or a space. The policy takes
/// any non-alphanumeric character; the document names a subset that every regex dialect
/// reads alike, so that what it calls valid the server accepts.
const ASCII_SYMBOL: &str = r"[ !-/:-@\[-`{-~]";

/// States the configured policy's shape on a new-password field (`check_policy`): its
/// lengths, and for `complexity` one lower-case letter, one upper-case letter, one digit
/// and one symbol, as lookaheads. What no schema can state stays in the description: the
/// common-password list and "not your username or email".
fn state_password_policy(field: &mut serde_json::Value, policy: PolicyKind) {
    use accountd_core::password::{MAX_LEN, MIN_LEN, NIST_MIN_LEN_SINGLE_FACTOR};
    field["maxLength"] = MAX_LEN.into();
    match policy {
        PolicyKind::Complexity => {
            field["minLength"] = MIN_LEN.into();
            field["pattern"] = format!("^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])(?=.*{ASCII_SYMBOL})").into();
            let rule = format!(
                "{MIN_LEN}–{MAX_LEN} characters with a lower-case letter, an upper-case letter, a digit and a \
                 symbol (`password:too_short`, `password:too_long`, `password:too_weak`); not a common password \
                 (`password:common`) and not the account's username or email (`password:too_weak`)."
            );
            describe(field, &rule);
        }
        PolicyKind::Nist => {
            field["minLength"] = NIST_MIN_LEN_SINGLE_FACTOR.into();
            let rule = format!(
                "{NIST_MIN_LEN_SINGLE_FACTOR}–{MAX_LEN} characters, or from {MIN_LEN} on an account with two-factor \
                 authentication (`password:too_short`, `password:too_long`); not a common password \
                 (`password:common`) and not the account's username or email (`password:too_weak`)."
            );
            describe(field, &rule);
        }
    }
}

/// Adds `rule` to what the field's own documentation says.
fn describe(field: &mut serde_json::Value, rule: &str) {
    let own = field["description"].as_str().unwrap_or_default().trim().to_string();
    field["description"] = if own.is_empty() { rule.into() } else { format!("{own} {rule}").into() };
}

/// An email address `Email::parse` takes: a dot-atom local part of at most 64 characters
/// (here up to three atoms) and a DNS name of two or more labels whose last does not start
/// with a digit. The parser also takes internationalised domains, which this ASCII pattern
/// leaves out: what it calls valid the server accepts.
const EMAIL_PATTERN: &str = concat!(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,21}(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,20}){0,2}",
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$",
);

/// Text a person writes (`text::person_text`): no C0 or C1 control character, bidirectional
/// control, zero-width or invisible formatting character (other than the zero-width joiner)
/// or byte-order mark; `MULTI_LINE_TEXT` also takes line feeds.
const ONE_LINE_TEXT: &str =
    r"^[^\x00-\x1f\x7f-\x9f\u061c\u180e\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]*$";
const MULTI_LINE_TEXT: &str = r"^[^\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]*$";

/// An https URL without credentials, with a DNS host (`outbound::check` then refuses hosts
/// that resolve to a forbidden target, which no pattern can know).
const HTTPS_URL: &str = concat!(
    r"^https://[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*",
    r"(:[0-9]{1,4})?(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?$",
);

type Shape = fn(&mut serde_json::Value);

/// The rules the use cases apply to request fields that a schema can state, on the fields
/// whose derived schema does not carry them, as (schema, property, shape). The address of
/// `POST /v1/auth/forgot-password` and `POST /v1/auth/email-login` has none: those routes
/// answer `202` to any text, so that the answer tells nothing about the address.
const SHAPES: &[(&str, &str, Shape)] = &[
    ("RegisterRequest", "email", email),
    ("ChangeEmailRequest", "email", email),
    ("AddAddressRequest", "address", email),
    ("EmailLoginVerifyRequest", "email", email),
    ("RegisterRequest", "displayName", |field| pattern(field, ONE_LINE_TEXT)),
    ("UpdateProfileRequest", "displayName", |field| pattern(field, ONE_LINE_TEXT)),
    ("UpdateProfileRequest", "bio", |field| pattern(field, MULTI_LINE_TEXT)),
    ("CreditAdjustmentRequest", "amount", |field| {
        use crate::usecases::referrals::AMOUNT_MAX;
        // Never zero: a grant or a debit. (utoipa's schema model has no `not`.)
        let description = field["description"].clone();
        *field = serde_json::json!({
            "oneOf": [
                {"type": "integer", "format": "int64", "minimum": 1, "maximum": AMOUNT_MAX},
                {"type": "integer", "format": "int64", "minimum": -AMOUNT_MAX, "maximum": -1},
            ],
            "description": description,
        });
    }),
    ("AdminUserPatch", "role", |field| {
        use accountd_core::user::Role;
        field["enum"] = serde_json::json!([Role::User.as_str(), Role::Admin.as_str(), null]);
    }),
    ("CreditAdjustmentRequest", "reason", |field| {
        pattern(field, ONE_LINE_TEXT);
        field["minLength"] = 1.into();
        field["maxLength"] = crate::usecases::referrals::REASON_MAX.into();
    }),
    ("UpdateProfileRequest", "discordWebhookUrl", |field| {
        pattern(field, HTTPS_URL);
        field["maxLength"] = 2048.into();
    }),
    ("CreateTokenRequest", "scopes", |field| {
        field["items"]["enum"] = accountd_core::scope::Scope::ALL.iter().map(|scope| scope.as_str()).collect();
        field["minItems"] = 1.into();
    }),
];

/// `format` is only a note in JSON Schema: a validator takes `""` as a `uuid`. Every uuid
/// of the document (fields and parameters) also gets the hyphenated form as a pattern, the
/// form accountd writes and one of those it reads.
fn pattern_uuids(value: &mut serde_json::Value) {
    const UUID: &str = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
    match value {
        serde_json::Value::Object(object) => {
            if object.get("format").and_then(serde_json::Value::as_str) == Some("uuid")
                && !object.contains_key("pattern")
            {
                object.insert("pattern".into(), UUID.into());
            }
            object.values_mut().for_each(pattern_uuids);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(pattern_uuids),
        _ => {}
    }
}

fn email(field: &mut serde_json::Value) {
    pattern(field, EMAIL_PATTERN);
    field["maxLength"] = accountd_core::email::MAX_LEN.into();
}

fn pattern(field: &mut serde_json::Value, pattern: &str) {
    field["pattern"] = pattern.into();
}

/// Bodies that carry exactly one of several proofs, as (schema, fields every form has,
/// each form's name and fields). The handler takes a body with exactly one complete form.
type Forms = &'static [(&'static str, &'static [&'static str])];
const ONE_FORM_OF: &[(&str, &[&str], Forms)] = &[
    (
        "LoginSecondStepRequest",
        &["mfaToken"],
        &[
            ("LoginSecondStepWithCode", &["code"]),
            ("LoginSecondStepWithRecoveryCode", &["recoveryCode"]),
            ("LoginSecondStepWithPasskey", &["challengeId", "credential"]),
        ],
    ),
    (
        "EmailLoginVerifyRequest",
        &[],
        &[("EmailLoginVerifyWithToken", &["token"]), ("EmailLoginVerifyWithCode", &["email", "code"])],
    ),
];

/// Turns an object schema with optional fields into a `oneOf` of its forms: each form a
/// schema of its own that requires its fields (not null). A body with two complete forms
/// matches two and is refused, as the handler refuses it.
fn one_form_of(schemas: &mut serde_json::Map<String, serde_json::Value>, name: &str, common: &[&str], forms: Forms) {
    let Some(schema) = schemas.get(name) else { return };
    let properties = schema["properties"].clone();
    let description = schema.get("description").cloned();
    let mut variants = Vec::new();
    for (form, fields) in forms {
        let fields: Vec<&str> = common.iter().chain(fields.iter()).copied().collect();
        // Every field keeps its type (a stray field of another form must still be of its
        // type); the form's own are required and not null.
        let mut own = properties.as_object().cloned().unwrap_or_default();
        for field in &fields {
            let Some(property) = own.get_mut(*field) else { continue };
            if let Some(types) = property["type"].as_array() {
                let types: Vec<_> = types.iter().filter(|kind| *kind != "null").cloned().collect();
                property["type"] = if types.len() == 1 { types[0].clone() } else { types.into() };
            }
        }
        schemas
            .insert((*form).to_string(), serde_json::json!({"type": "object", "required": fields, "properties": own}));
        variants.push(serde_json::json!({"$ref": format!("#/components/schemas/{form}")}));
    }
    let mut union = serde_json::json!({"oneOf": variants});
    if let Some(description) = description {
        union["description"] = description;
    }
    schemas.insert(name.to_string(), union);
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
    // Every operation but the process's own probes reads the database, so every one can
    // meet it unreachable (`AppError::Unavailable`) and every write can meet it full.
    // `/ready` answers its own readiness body when the database is down.
    if !["/health", "/ready", "/metrics"].contains(&path) {
        answer(operation, 503, "server:unavailable", "the database is unreachable; see `Retry-After`");
        if gates.unsafe_method {
            answer(operation, 507, "server:storage_full", "the database has no room left; nothing was changed");
        }
    }
    for status in ["429", "503"] {
        if let Some(refused) = operation["responses"].get_mut(status) {
            refused["headers"]["Retry-After"] = serde_json::json!({
                "description": "Seconds until the request may be retried.",
                "schema": {"type": "integer", "minimum": 0},
            });
        }
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
