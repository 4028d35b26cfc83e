//! The account console's pages as an HTTP client sees them: served with a strict
//! Content-Security-Policy, assets cached by content hash, off when disabled, under the
//! configured prefix, and never holding an account's data or a secret (the browser run in
//! `tests/suites/console` drives the pages themselves).

use reqwest::header;
use reqwest::StatusCode;

use crate::helpers::{spawn_app, spawn_app_with, PASSWORD};

const PAGES: &[&str] = &[
    "/login",
    "/signup",
    "/forgot-password",
    "/settings/profile",
    "/settings/email",
    "/settings/username",
    "/settings/password",
    "/settings/addresses",
    "/settings/two-factor",
    "/settings/passkeys",
    "/settings/sessions",
    "/settings/login-history",
    "/settings/tokens",
    "/settings/uploads",
    "/settings/linked-accounts",
    "/settings/activity",
    "/settings/export",
    "/settings/referrals",
    "/settings/perks",
    "/settings/delete",
    "/admin/users",
    "/admin/activity",
];

/// The `src` or `href` of the first tag that names `needle`.
fn attribute_with(html: &str, needle: &str) -> String {
    // minijinja escapes `/` in attribute values; browsers read `&#x2f;` as `/`.
    let html = &html.replace("&#x2f;", "/");
    let start = html.find(needle).unwrap_or_else(|| panic!("no {needle} in the page"));
    let quote = html[..start].rfind('"').unwrap();
    let end = start + html[start..].find('"').unwrap();
    html[quote + 1..end].to_string()
}

#[tokio::test]
async fn every_page_is_served_with_a_strict_content_security_policy() {
    let app = spawn_app().await;
    for path in PAGES {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let headers = response.headers().clone();
        assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"), "{path}");
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && csp.contains("style-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let html = response.text().await.unwrap();
        assert!(!html.contains("<script>") && !html.contains(" style=") && !html.contains("<style"), "{path}");
    }
}

#[tokio::test]
async fn the_root_leads_to_the_settings() {
    let app = spawn_app_with(|_| {}).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = client.get(app.url("/")).send().await.unwrap();
    assert!(response.status().is_redirection());
    assert_eq!(response.headers()[header::LOCATION], "/settings/profile");
}

#[tokio::test]
async fn assets_are_cached_for_good_under_their_content_hash() {
    let app = spawn_app().await;
    let html = app.client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    for name in ["console.js", "console.css", "theme.css"] {
        let url = attribute_with(&html, &format!("/assets/console/{name}?v="));
        let response = app.client.get(app.url(&url)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        let etag = response.headers()[header::ETAG].to_str().unwrap().to_string();
        assert!(url.ends_with(etag.trim_matches('"')), "{url} is named by its hash {etag}");
        assert_eq!(response.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
        let again = app.client.get(app.url(&url)).header(header::IF_NONE_MATCH, &etag).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{url}");
    }
    app.get("/assets/console/secret.key", None).await.assert_error(404, "request:not_found");
}

#[tokio::test]
async fn a_disabled_console_serves_nothing_and_the_api_still_works() {
    let app = spawn_app_with(|config| config.console.enabled = false).await;
    for path in ["/", "/login", "/settings/profile", "/admin/users"] {
        app.get(path, None).await.assert_error(404, "request:not_found");
    }
    app.get("/health", None).await.assert_status(200);
    // The pages behind the links in mail are not the console's: they stay.
    assert_eq!(app.client.get(app.url("/verify-email?token=x")).send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn the_console_lives_under_its_prefix_with_its_branding() {
    let app = spawn_app_with(|config| {
        config.console.path_prefix = "/account".into();
        config.console.product_name = Some("Acme <ID>".into());
        config.console.logo_url = Some("https://cdn.example.com/acme.svg".into());
        config.console.accent_color = "#aa3300".into();
    })
    .await;
    app.get("/login", None).await.assert_error(404, "request:not_found");
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let root = client.get(app.url("/account")).send().await.unwrap();
    assert_eq!(root.headers()[header::LOCATION], "/account/settings/profile");
    let html =
        app.client.get(app.url("/account/login")).send().await.unwrap().text().await.unwrap().replace("&#x2f;", "/");
    assert!(html.contains("Acme &lt;ID&gt;") && !html.contains("Acme <ID>"), "the product name is escaped");
    assert!(html.contains(r#"src="https://cdn.example.com/acme.svg""#));
    assert!(html.contains(r#"href="/account/forgot-password""#));
    let theme = attribute_with(&html, "/account/assets/console/theme.css?v=");
    let css = app.client.get(app.url(&theme)).send().await.unwrap().text().await.unwrap();
    assert!(css.contains("--accent: #aa3300"), "{css}");
}

#[tokio::test]
async fn no_page_holds_the_accounts_data_or_a_secret() {
    let app = spawn_app().await;
    let jane = app.register_as("jane").await;
    let pat = app.create_pat(&jane.token, &["user:read"]).await;
    let cookie = format!("accountd_session={}", jane.token);
    for path in PAGES {
        let anonymous = app.client.get(app.url(path)).send().await.unwrap().text().await.unwrap();
        let signed_in =
            app.client.get(app.url(path)).header(header::COOKIE, &cookie).send().await.unwrap().text().await.unwrap();
        // The shell is the same for everybody: the account's data only ever comes from the API.
        assert_eq!(anonymous, signed_in, "{path}");
        for secret in [jane.token.as_str(), pat.as_str(), jane.email.as_str(), PASSWORD, "ses_", "pat_", "upl_"] {
            assert!(!signed_in.contains(secret), "{path} holds {secret}");
        }
    }
}
