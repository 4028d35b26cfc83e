//! The HTTP API: routes per area, extractors, the error path, OpenAPI, and the
//! middleware every request passes through.

pub mod cookies;
pub mod dto;
pub mod error;
pub mod extract;
mod middleware;
mod openapi;
pub mod routes;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use ipnet::IpNet;
use metrics_exporter_prometheus::PrometheusHandle;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::usecases::accounts::Accounts;
use crate::usecases::oauth::OAuth;
use crate::usecases::sessions::Sessions;
use accountd_store::Store;

/// What the HTTP layer needs from the configuration.
pub struct WebSettings {
    pub allowed_origins: Vec<String>,
    pub secure_cookies: bool,
    pub trusted_proxies: Vec<IpNet>,
    pub storage_limit: u64,
    pub json_body_limit: usize,
}

#[derive(Clone)]
pub struct AppState {
    /// Seals secrets that must be read back; use cases that need it get it from here.
    pub instance_key: Arc<accountd_core::sealed::InstanceKey>,
    pub accounts: Arc<Accounts>,
    pub sessions: Arc<Sessions>,
    pub oauth: Arc<OAuth>,
    pub store: Arc<dyn Store>,
    pub web: Arc<WebSettings>,
    pub metrics: PrometheusHandle,
}

/// Every route of the API, with its OpenAPI document at `/openapi.json` and Swagger UI at `/docs`.
pub fn router(state: AppState) -> Router {
    let (api_routes, api) = api_router().split_for_parts();
    let json_limit = state.web.json_body_limit;
    api_routes
        .merge(SwaggerUi::new("/docs").url("/openapi.json", api))
        .fallback(middleware::not_found)
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .layer(DefaultBodyLimit::max(extract::PASSWORD_BODY_CAP.max(json_limit)))
        .layer(axum::Extension(extract::JsonLimit(json_limit)))
        .layer(axum::middleware::from_fn(middleware::renew_session_cookie))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(middleware::panic_response))
        .layer(axum::middleware::from_fn(middleware::observe))
        .with_state(state)
}

/// The routes with their OpenAPI annotations; the document is generated from these.
pub fn api_router() -> OpenApiRouter<AppState> {
    use routes::{auth, me, oauth, system, users};
    OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(system::health))
        .routes(routes!(system::ready))
        .routes(routes!(system::metrics))
        .routes(routes!(users::register, users::search))
        .routes(routes!(users::availability))
        .routes(routes!(users::by_username))
        .routes(routes!(users::by_id))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(me::get_me, me::update_me))
        .routes(routes!(me::list_sessions, me::revoke_sessions))
        .routes(routes!(me::revoke_session))
        .routes(routes!(me::login_history))
        .routes(routes!(oauth::providers))
        .routes(routes!(oauth::authorize))
        .routes(routes!(oauth::login))
        .routes(routes!(oauth::complete_signup))
        .routes(routes!(oauth::linked_accounts))
        .routes(routes!(oauth::link_authorize))
        .routes(routes!(oauth::link, oauth::unlink))
        .routes(routes!(oauth::callback_page))
        .routes(routes!(oauth::callback_script))
}
