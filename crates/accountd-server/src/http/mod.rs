//! The HTTP API: routes per area, extractors, the error path, OpenAPI, and the
//! middleware every request passes through.

pub mod access;
pub mod cookies;
pub mod dto;
pub mod error;
pub mod extract;
mod middleware;
mod openapi;
pub mod rate_limit;
pub mod routes;
pub mod server;
pub mod signed_in;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use ipnet::IpNet;
use metrics_exporter_prometheus::PrometheusHandle;
use secrecy::SecretString;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::usecases::accounts::Accounts;
use crate::usecases::admin::Administration;
use crate::usecases::deletion::AccountDeletion;
use crate::usecases::email_flows::EmailFlows;
use crate::usecases::oauth::OAuth;
use crate::usecases::profiles::Profiles;
use crate::usecases::sessions::Sessions;
use crate::usecases::tokens::Tokens;
use crate::usecases::two_factor::TwoFactor;
use accountd_store::Store;

/// What the HTTP layer needs from the configuration.
pub struct WebSettings {
    pub product_name: String,
    pub allowed_origins: Vec<String>,
    /// The public URL is https: the session cookie is `Secure` and `__Host-` named, and
    /// responses carry `Strict-Transport-Security`.
    pub secure_cookies: bool,
    pub trusted_proxies: Vec<IpNet>,
    pub storage_limit: u64,
    pub json_body_limit: usize,
    /// The secret of `POST /v1/auth/introspect`; unset, introspection answers `404`.
    pub introspection_secret: Option<SecretString>,
    /// Timeouts and the connection cap of the accept loop.
    pub connections: server::ConnectionLimits,
    /// The instance's upload domains, for the profile's `uploadDomain`.
    pub upload_domains: Arc<crate::usecases::uploads::UploadDomains>,
    /// The rule new passwords must meet; the document states it on every new-password field.
    pub password_policy: accountd_core::password::PolicyKind,
}

/// What every handler gets: one pointer, so that handing it to each request costs one
/// reference count, not one per use case.
#[derive(Clone)]
pub struct AppState(Arc<App>);

impl AppState {
    pub fn new(app: App) -> Self {
        Self(Arc::new(app))
    }
}

impl std::ops::Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}

/// The use cases and settings behind the HTTP layer.
pub struct App {
    /// The account console; `None` when it is turned off.
    pub console: Option<Arc<crate::console::Console>>,
    pub media: Arc<crate::usecases::media::Media>,
    /// Seals secrets that must be read back; use cases that need it get it from here.
    pub instance_key: Arc<accountd_core::sealed::InstanceKey>,
    pub accounts: Arc<Accounts>,
    pub deletion: Arc<AccountDeletion>,
    pub flows: Arc<EmailFlows>,
    pub clock: Arc<dyn accountd_core::Clock>,
    pub mailer: Arc<dyn crate::mail::Mailer>,
    pub jobs: Arc<crate::jobs::JobQueue>,
    pub sessions: Arc<Sessions>,
    pub tokens: Arc<Tokens>,
    pub admin: Arc<Administration>,
    pub profiles: Arc<Profiles>,
    pub rate_limiter: Arc<rate_limit::IpRateLimiter>,
    pub oauth: Arc<OAuth>,
    pub store: Arc<dyn Store>,
    pub two_factor: Arc<TwoFactor>,
    pub passkeys: Arc<crate::usecases::passkeys::Passkeys>,
    pub email_logins: Arc<crate::usecases::email_login::EmailLogins>,
    pub web: Arc<WebSettings>,
    pub metrics: PrometheusHandle,
    /// The commit-ordered feed, for streams and deliveries.
    pub feed: Arc<crate::feed::Feed>,
    pub activity: Arc<crate::usecases::activity::ActivityLog>,
    pub exports: Arc<crate::usecases::export::Exports>,
    pub streams: Arc<crate::streams::Streams>,
    /// Days of activity and login history kept.
    pub activity_retention_days: u32,
    pub referrals: Arc<crate::usecases::referrals::Referrals>,
    pub perks: Arc<crate::usecases::perks::Perks>,
    pub uploads: Arc<crate::usecases::uploads::Uploads>,
    pub webhooks: Arc<crate::usecases::webhooks::Webhooks>,
}

/// Every route of the API, with its OpenAPI document at `/openapi.json` and Swagger UI at `/docs`.
pub fn router(state: AppState) -> Router {
    let (api_routes, api) = api_router().split_for_parts();
    let api = openapi::finish(api, state.web.password_policy);
    let json_limit = state.web.json_body_limit;
    // A route layer, so the limiter sees the matched route template.
    let api_routes = api_routes.route_layer(axum::middleware::from_fn_with_state(state.clone(), rate_limit::per_ip));
    api_routes
        .merge(SwaggerUi::new("/docs").url("/openapi.json", api))
        .merge(page_routes())
        .merge(crate::console::routes(state.console.as_ref()))
        .fallback(middleware::not_found)
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .layer(DefaultBodyLimit::max(extract::PASSWORD_BODY_CAP.max(json_limit)))
        .layer(axum::Extension(extract::JsonLimit(json_limit)))
        .layer(axum::middleware::from_fn(middleware::renew_session_cookie))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::security_headers))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(middleware::panic_response))
        .layer(axum::middleware::from_fn(middleware::observe))
        .with_state(state)
}

/// The pages behind the links in mail (not part of the API document).
fn page_routes() -> Router<AppState> {
    use axum::routing::get;
    use routes::pages;
    Router::new()
        .route("/verify-email", get(pages::verify_email))
        .route("/reset-password", get(pages::reset_password))
        .route("/confirm-email-change", get(pages::confirm_email_change))
        .route("/verify-address", get(pages::verify_address))
        .route("/email-login", get(pages::email_login))
        .route("/assets/pages.js", get(pages::script))
        .route("/assets/pages.css", get(pages::stylesheet))
}

/// The OpenAPI document exactly as `/openapi.json` serves it under `password_policy`,
/// without a server (`accountd openapi`, client generation).
pub fn document(password_policy: accountd_core::password::PolicyKind) -> utoipa::openapi::OpenApi {
    openapi::finish(api_router().split_for_parts().1, password_policy)
}

/// The routes with their OpenAPI annotations; the document is generated from these.
pub fn api_router() -> OpenApiRouter<AppState> {
    use routes::{
        account, addresses, admin, auth, email, me, oauth, passkeys, rewards, system, tokens, two_factor, uploads,
        users,
    };
    OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(system::health))
        .routes(routes!(system::ready))
        .routes(routes!(system::metrics))
        .routes(routes!(users::register, users::search))
        .routes(routes!(users::availability))
        .routes(routes!(users::by_username))
        .routes(routes!(users::by_id))
        .routes(routes!(auth::login))
        .routes(routes!(auth::login_second_step))
        .routes(routes!(auth::logout))
        .routes(routes!(me::get_me, me::update_me, me::delete_me))
        .routes(routes!(me::list_sessions, me::revoke_sessions))
        .routes(routes!(me::revoke_session))
        .routes(routes!(me::login_history))
        .routes(routes!(email::verify_email))
        .routes(routes!(email::resend_verification))
        .routes(routes!(email::forgot_password))
        .routes(routes!(email::reset_password))
        .routes(routes!(email::confirm_email_change))
        .routes(routes!(account::change_password))
        .routes(routes!(account::change_username))
        .routes(routes!(account::request_email_change))
        .routes(routes!(account::resend_email_change))
        .routes(routes!(addresses::list, addresses::add))
        .routes(routes!(addresses::remove))
        .routes(routes!(addresses::send_verification))
        .routes(routes!(addresses::verify))
        .routes(routes!(tokens::list_tokens, tokens::create_token))
        .routes(routes!(tokens::revoke_token))
        .routes(routes!(tokens::get_upload_token, tokens::regenerate_upload_token))
        .routes(routes!(tokens::limits))
        .routes(routes!(tokens::introspect))
        .routes(routes!(admin::list_users))
        .routes(routes!(admin::get_user, admin::update_user, admin::delete_user))
        .routes(routes!(admin::revoke_user_sessions))
        .routes(routes!(admin::activity))
        .routes(routes!(oauth::providers))
        .routes(routes!(oauth::authorize))
        .routes(routes!(oauth::login))
        .routes(routes!(oauth::complete_signup))
        .routes(routes!(oauth::linked_accounts))
        .routes(routes!(oauth::link_authorize))
        .routes(routes!(oauth::link, oauth::unlink))
        .routes(routes!(oauth::callback_page))
        .routes(routes!(oauth::callback_script))
        .routes(routes!(two_factor::status, two_factor::disable))
        .routes(routes!(two_factor::setup))
        .routes(routes!(two_factor::enable))
        .routes(routes!(two_factor::recovery_codes, two_factor::regenerate_recovery_codes))
        .routes(routes!(passkeys::list, passkeys::register))
        .routes(routes!(passkeys::registration_options))
        .routes(routes!(passkeys::rename, passkeys::remove))
        .routes(routes!(passkeys::login_options))
        .routes(routes!(passkeys::login))
        .routes(routes!(passkeys::second_step_options))
        .routes(routes!(passkeys::email_login))
        .routes(routes!(passkeys::email_login_verify))
        .routes(routes!(routes::activity::my_activity))
        .routes(routes!(routes::activity::action_logs))
        .routes(routes!(routes::activity::my_activity_stream))
        .routes(routes!(routes::activity::action_logs_stream))
        .routes(routes!(routes::export::request_export))
        .routes(routes!(routes::export::export_status))
        .routes(routes!(routes::export::download_export))
        .routes(routes!(routes::export::export_events))
        .routes(routes!(rewards::get_referrals, rewards::set_referral_code))
        .routes(routes!(rewards::credits))
        .routes(routes!(rewards::perks))
        .routes(routes!(rewards::refresh_perks))
        .routes(routes!(rewards::adjust_credits))
        .routes(routes!(uploads::upload_domains))
        .routes(routes!(uploads::select_upload_domain))
        .routes(routes!(uploads::sharex))
        .routes(routes!(uploads::flameshot))
        .routes(routes!(uploads::spectacle))
        .routes(routes!(uploads::bash))
        .routes(routes!(uploads::test_webhook))
        .merge(media_router())
}

/// The media routes; uploads may be larger than JSON bodies (5 MiB and the form around it).
fn media_router() -> OpenApiRouter<AppState> {
    use routes::media;
    let uploads = OpenApiRouter::new()
        .routes(routes!(media::upload_avatar, media::delete_avatar))
        .routes(routes!(media::upload_banner, media::delete_banner))
        .layer(DefaultBodyLimit::max(accountd_core::media::MAX_UPLOAD_BYTES + 64 * 1024));
    OpenApiRouter::new().merge(uploads).routes(routes!(media::linked_avatar)).routes(routes!(media::serve))
}
