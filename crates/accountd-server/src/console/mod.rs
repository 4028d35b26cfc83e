//! The account console: sign-up, login and the settings area as web pages served by the
//! binary itself. The server renders page shells from templates compiled in; the one
//! script (`console.js`) does every action through the public API with the session
//! cookie, as any other client would, so nothing here bypasses the API's rules.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use minijinja::{context, Environment};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::http::AppState;

/// The console's Content-Security-Policy: scripts and styles only from this server, no
/// inline script or style. Images may also come from https (a CDN for media, linked
/// avatars, the configured logo), `data:` (the 2FA QR code) and `blob:` (upload previews).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob: https:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'self'; object-src 'none'";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Area {
    /// Pages for people who are not signed in.
    Auth,
    Settings,
    Admin,
}

struct Page {
    /// The path under the console's prefix.
    path: &'static str,
    /// The template (and `data-page` id) without `.html`.
    id: &'static str,
    title: &'static str,
    area: Area,
}

const PAGES: &[Page] = &[
    Page { path: "/login", id: "login", title: "Log in", area: Area::Auth },
    Page { path: "/signup", id: "signup", title: "Create your account", area: Area::Auth },
    Page { path: "/forgot-password", id: "forgot-password", title: "Forgot your password?", area: Area::Auth },
    Page { path: "/settings/profile", id: "profile", title: "Profile", area: Area::Settings },
    Page { path: "/settings/email", id: "email", title: "Email", area: Area::Settings },
    Page { path: "/settings/username", id: "username", title: "Username", area: Area::Settings },
    Page { path: "/settings/password", id: "password", title: "Password", area: Area::Settings },
    Page { path: "/settings/addresses", id: "addresses", title: "Additional addresses", area: Area::Settings },
    Page { path: "/settings/two-factor", id: "two-factor", title: "Two-factor authentication", area: Area::Settings },
    Page { path: "/settings/passkeys", id: "passkeys", title: "Passkeys", area: Area::Settings },
    Page { path: "/settings/sessions", id: "sessions", title: "Sessions", area: Area::Settings },
    Page { path: "/settings/login-history", id: "login-history", title: "Login history", area: Area::Settings },
    Page { path: "/settings/tokens", id: "tokens", title: "Personal access tokens", area: Area::Settings },
    Page { path: "/settings/uploads", id: "uploads", title: "Uploads and integrations", area: Area::Settings },
    Page { path: "/settings/linked-accounts", id: "linked-accounts", title: "Linked accounts", area: Area::Settings },
    Page { path: "/settings/activity", id: "activity", title: "Activity", area: Area::Settings },
    Page { path: "/settings/export", id: "export", title: "Export your data", area: Area::Settings },
    Page { path: "/settings/referrals", id: "referrals", title: "Referrals and credits", area: Area::Settings },
    Page { path: "/settings/perks", id: "perks", title: "Perks", area: Area::Settings },
    Page { path: "/settings/delete", id: "delete", title: "Delete account", area: Area::Settings },
    Page { path: "/admin/users", id: "admin-users", title: "Users", area: Area::Admin },
    Page { path: "/admin/activity", id: "admin-activity", title: "Admin activity", area: Area::Admin },
];

/// The templates, by name; each page's template extends `layout.html` (through `auth.html`
/// or `settings.html`).
const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("../../templates/console/layout.html")),
    ("macros.html", include_str!("../../templates/console/macros.html")),
    ("auth.html", include_str!("../../templates/console/auth.html")),
    ("settings.html", include_str!("../../templates/console/settings.html")),
    ("login.html", include_str!("../../templates/console/login.html")),
    ("signup.html", include_str!("../../templates/console/signup.html")),
    ("forgot-password.html", include_str!("../../templates/console/forgot-password.html")),
    ("profile.html", include_str!("../../templates/console/profile.html")),
    ("email.html", include_str!("../../templates/console/email.html")),
    ("username.html", include_str!("../../templates/console/username.html")),
    ("password.html", include_str!("../../templates/console/password.html")),
    ("addresses.html", include_str!("../../templates/console/addresses.html")),
    ("two-factor.html", include_str!("../../templates/console/two-factor.html")),
    ("passkeys.html", include_str!("../../templates/console/passkeys.html")),
    ("sessions.html", include_str!("../../templates/console/sessions.html")),
    ("login-history.html", include_str!("../../templates/console/login-history.html")),
    ("tokens.html", include_str!("../../templates/console/tokens.html")),
    ("uploads.html", include_str!("../../templates/console/uploads.html")),
    ("linked-accounts.html", include_str!("../../templates/console/linked-accounts.html")),
    ("activity.html", include_str!("../../templates/console/activity.html")),
    ("export.html", include_str!("../../templates/console/export.html")),
    ("referrals.html", include_str!("../../templates/console/referrals.html")),
    ("perks.html", include_str!("../../templates/console/perks.html")),
    ("delete.html", include_str!("../../templates/console/delete.html")),
    ("admin-users.html", include_str!("../../templates/console/admin-users.html")),
    ("admin-activity.html", include_str!("../../templates/console/admin-activity.html")),
];

/// A static file of the console, served with a content-hash `ETag` and cached for good:
/// pages name it with its hash (`?v=`), so a new build is a new URL.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: String,
    hash: String,
}

impl Asset {
    fn new(name: &'static str, content_type: &'static str, body: String) -> Self {
        let digest = Sha256::digest(body.as_bytes());
        let hash = digest[..8].iter().map(|byte| format!("{byte:02x}")).collect();
        Self { name, content_type, body, hash }
    }
}

/// The console as configured: its prefix, branding, templates and assets.
pub struct Console {
    prefix: String,
    product: String,
    logo_url: Option<String>,
    passkeys: bool,
    email_login: bool,
    templates: Environment<'static>,
    assets: Vec<Asset>,
}

#[derive(Serialize)]
struct NavLink {
    href: String,
    label: &'static str,
    current: bool,
}

impl Console {
    /// The console of `config`, or `None` when it is turned off. `passkeys` says whether
    /// the passkey routes answer (a relying party is configured).
    pub fn from_config(config: &Config, passkeys: bool) -> anyhow::Result<Option<Self>> {
        let settings = &config.console;
        if !settings.enabled {
            return Ok(None);
        }
        let mut templates = Environment::new();
        for (name, source) in TEMPLATES {
            templates.add_template(name, source)?;
        }
        let theme = format!(":root {{ --accent: {}; }}\n", settings.accent_color);
        let assets = vec![
            Asset::new(
                "console.js",
                "text/javascript; charset=utf-8",
                include_str!("../../assets/console/console.js").to_owned(),
            ),
            Asset::new(
                "console.css",
                "text/css; charset=utf-8",
                include_str!("../../assets/console/console.css").to_owned(),
            ),
            Asset::new("theme.css", "text/css; charset=utf-8", theme),
        ];
        Ok(Some(Self {
            prefix: settings.path_prefix.clone(),
            product: settings.product_name.clone().unwrap_or_else(|| config.product_name.clone()),
            logo_url: settings.logo_url.clone(),
            passkeys,
            email_login: config.auth.email_login,
            templates,
            assets,
        }))
    }

    fn asset_url(&self, name: &str) -> String {
        let hash = self.assets.iter().find(|asset| asset.name == name).map_or("", |asset| asset.hash.as_str());
        format!("{}/assets/console/{name}?v={hash}", self.prefix)
    }

    fn nav(&self, area: Area, current: &Page) -> Vec<NavLink> {
        PAGES
            .iter()
            .filter(|page| page.area == area)
            .map(|page| NavLink {
                href: format!("{}{}", self.prefix, page.path),
                label: page.title,
                current: page.path == current.path,
            })
            .collect()
    }

    fn render(&self, page: &Page) -> Result<String, minijinja::Error> {
        let template = self.templates.get_template(&format!("{}.html", page.id))?;
        template.render(context! {
            page => page.id,
            title => page.title,
            product => self.product,
            logo_url => self.logo_url,
            prefix => self.prefix,
            home => format!("{}/settings/profile", self.prefix),
            script => self.asset_url("console.js"),
            stylesheet => self.asset_url("console.css"),
            theme => self.asset_url("theme.css"),
            settings_nav => self.nav(Area::Settings, page),
            admin_nav => self.nav(Area::Admin, page),
            passkeys => self.passkeys,
            email_login => self.email_login,
        })
    }
}

/// The console's routes under its prefix; empty when the console is off.
pub fn routes(console: Option<&Arc<Console>>) -> Router<AppState> {
    let Some(console) = console else {
        return Router::new();
    };
    let prefix = console.prefix.as_str();
    let mut router = Router::new();
    for page in PAGES {
        router = router
            .route(&format!("{prefix}{}", page.path), get(move |state: State<AppState>| page_response(state, page)));
    }
    let home = format!("{prefix}/settings/profile");
    let to_home = get(move || async move { Redirect::to(&home) });
    if prefix.is_empty() {
        router = router.route("/", to_home);
    } else {
        router = router.route(prefix, to_home.clone()).route(&format!("{prefix}/"), to_home);
    }
    router.route(&format!("{prefix}/assets/console/{{name}}"), get(asset))
}

async fn page_response(State(state): State<AppState>, page: &'static Page) -> Response {
    let Some(console) = state.console.as_ref() else {
        return crate::http::error::ApiError::not_found().into_response();
    };
    match console.render(page) {
        Ok(html) => (
            [
                (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY)),
                // The shells hold no data of the account, but always show the current build.
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            Html(html),
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, page = page.id, "a console template failed to render");
            crate::http::error::ApiError::internal().into_response()
        }
    }
}

async fn asset(State(state): State<AppState>, Path(name): Path<String>, request_headers: HeaderMap) -> Response {
    let Some(asset) = state.console.as_ref().and_then(|console| console.assets.iter().find(|asset| asset.name == name))
    else {
        return crate::http::error::ApiError::not_found().into_response();
    };
    let etag = format!("\"{}\"", asset.hash);
    let cache =
        [(header::ETAG, etag.clone()), (header::CACHE_CONTROL, "public, max-age=31536000, immutable".to_owned())];
    let matches = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"));
    if matches {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (cache, [(header::CONTENT_TYPE, asset.content_type)], asset.body.clone()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_renders_with_its_title_and_assets() {
        let console = Console::from_config(&Config::default(), true).unwrap().unwrap();
        for page in PAGES {
            let html = console.render(page).unwrap_or_else(|e| panic!("{}: {e:#}", page.id));
            assert!(html.contains(&format!("data-page=\"{}\"", page.id)), "{}", page.id);
            assert!(html.contains(page.title), "{}", page.id);
            // Attribute values are HTML-escaped, `/` included.
            let script = minijinja::HtmlEscape(&console.asset_url("console.js")).to_string();
            assert!(html.contains(&script), "{}", page.id);
            assert!(!html.contains("<script>") && !html.contains(" style="), "{} has inline script or style", page.id);
        }
    }

    #[test]
    fn the_product_name_is_escaped() {
        let mut config = Config::default();
        config.console.product_name = Some("<b>Acme</b>".into());
        let console = Console::from_config(&config, false).unwrap().unwrap();
        let html = console.render(&PAGES[0]).unwrap();
        assert!(html.contains("&lt;b&gt;Acme&lt;&#x2f;b&gt;"), "{html}");
        assert!(!html.contains("<b>Acme"));
    }

    #[test]
    fn the_console_settings_are_validated() {
        let check = |change: fn(&mut Config)| {
            let mut config = Config::default();
            change(&mut config);
            config.validate().err().map(|error| error.key)
        };
        assert_eq!(check(|c| c.console.path_prefix = "/account".into()), None);
        assert_eq!(check(|c| c.console.path_prefix = "account".into()).as_deref(), Some("console.path_prefix"));
        assert_eq!(check(|c| c.console.path_prefix = "/account/".into()).as_deref(), Some("console.path_prefix"));
        assert_eq!(check(|c| c.console.path_prefix = "/v1".into()).as_deref(), Some("console.path_prefix"));
        assert_eq!(check(|c| c.console.accent_color = "#12345".into()).as_deref(), Some("console.accent_color"));
        assert_eq!(check(|c| c.console.accent_color = "red".into()).as_deref(), Some("console.accent_color"));
        assert_eq!(check(|c| c.console.accent_color = "#abc".into()), None);
        assert_eq!(
            check(|c| c.console.logo_url = Some("http://x.example/l.png".into())).as_deref(),
            Some("console.logo_url")
        );
        assert_eq!(
            check(|c| c.console.logo_url = Some("javascript:alert(1)".into())).as_deref(),
            Some("console.logo_url")
        );
        assert_eq!(check(|c| c.console.logo_url = Some("https://cdn.example/logo.svg".into())), None);
        assert_eq!(check(|c| c.console.product_name = Some("a\nb".into())).as_deref(), Some("console.product_name"));
    }
}
