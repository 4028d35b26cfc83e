//! The accountd application: configuration, use cases, HTTP API and background work.

pub mod account_cache;
pub mod config;
pub mod device;
pub mod http;
pub mod mail;
pub mod oauth;
pub mod outbound;
pub mod passwords;
pub mod qr;
pub mod secret_key;
pub mod telemetry;
pub mod usecases;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use accountd_core::Clock;
use accountd_store::Store;
use anyhow::Context as _;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::http::{App, AppState, WebSettings};
use crate::mail::{OutboxWorker, RetryPolicy, Templates};
use crate::passwords::PasswordWorkers;
use crate::usecases::accounts::Accounts;
use crate::usecases::admin::Administration;
use crate::usecases::deletion::AccountDeletion;
use crate::usecases::email_flows::EmailFlows;
use crate::usecases::mailing::Mailing;
use crate::usecases::oauth::OAuth;
use crate::usecases::reauth::Reauth;
use crate::usecases::sessions::{LoginThrottle, SessionSettings, Sessions};
use crate::usecases::tokens::Tokens;
use crate::usecases::two_factor::{TwoFactor, TwoFactorSettings};

/// Opens the configured store and applies its migrations.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
    let url = config.database_url();
    let store = accountd_store::connect(&url)
        .await
        .with_context(|| format!("opening the database {}", accountd_store::redact_url(&url)))?;
    store.migrate().await.context("applying database migrations")?;
    Ok(store)
}

/// Wires the use cases to a store and a clock.
/// `key` is the instance secret key ([`secret_key::load_or_create`]).
pub fn app_state(
    config: &Config,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    key: secret_key::SecretKey,
) -> AppState {
    let instance_key = Arc::new(secret_key::instance_key(key));
    let default_limits = accountd_core::access::Limits {
        personal_access_tokens: i64::from(config.limits.personal_access_tokens),
        additional_addresses: i64::from(config.limits.additional_addresses),
        sessions: i64::from(config.limits.sessions),
        storage_bytes: i64::try_from(config.limits.storage_bytes).unwrap_or(i64::MAX),
    };
    let passwords = PasswordWorkers::per_core(config.limits.password_queue);
    let sessions = Arc::new(Sessions::new(
        store.clone(),
        clock.clone(),
        passwords.clone(),
        SessionSettings {
            ttl: chrono::Duration::days(i64::from(config.auth.session_ttl_days)),
            require_verified_email: config.auth.require_verified_email,
            login_throttle: config.rate_limit.enabled.then(|| LoginThrottle {
                max_failures: config.rate_limit.login_failures as usize,
                window: chrono::Duration::minutes(i64::from(config.rate_limit.login_window_minutes)),
            }),
            default_session_limit: default_limits.sessions,
        },
    ));
    let outbox_wake = Arc::new(tokio::sync::Notify::new());
    let mailing =
        Arc::new(Mailing::new(Templates::new(&config.product_name, config.public_url.as_str()), outbox_wake.clone()));
    let reauth = Arc::new(Reauth::new(store.clone(), clock.clone(), passwords.clone(), instance_key.clone()));
    let flows = Arc::new(EmailFlows::new(
        store.clone(),
        clock.clone(),
        passwords.clone(),
        mailing.clone(),
        reauth.clone(),
        config.password.policy,
        default_limits,
    ));
    let two_factor = Arc::new(TwoFactor::new(
        store.clone(),
        clock.clone(),
        reauth.clone(),
        sessions.clone(),
        mailing.clone(),
        TwoFactorSettings {
            issuer: config.product_name.clone(),
            email_confirmation: config.two_factor.email_confirmation,
        },
    ));
    let deletion = Arc::new(AccountDeletion::new(store.clone(), clock.clone(), reauth, mailing));
    let accounts = Arc::new(Accounts::new(
        store.clone(),
        clock.clone(),
        passwords,
        sessions.clone(),
        flows.clone(),
        config.password.policy,
        outbound::OutboundGuard::new(config.webhooks.allow_private_targets),
    ));
    let mailer = mail::mailer_from_config(config).unwrap_or_else(|problem| {
        // Config::validate has checked both values, so this is unreachable in practice.
        tracing::error!(%problem, "mail configuration rejected; writing mail to files instead");
        Arc::new(mail::FileMailer::new(
            config.data_dir.join("mail"),
            "accountd <no-reply@localhost>".parse().expect("a valid constant mailbox"),
        ))
    });
    let tokens =
        Arc::new(Tokens::new(store.clone(), clock.clone(), instance_key.clone(), sessions.clone(), default_limits));
    let admin = Arc::new(Administration::new(store.clone(), clock.clone()));
    let rate_limiter = Arc::new(http::rate_limit::IpRateLimiter::new(
        config.rate_limit.enabled,
        config.rate_limit.per_ip_burst,
        config.rate_limit.per_ip_per_minute,
        clock.clone(),
    ));
    let providers =
        oauth::http_client().and_then(|http| oauth::from_config(&config.oauth, &http)).unwrap_or_else(|error| {
            // Validation accepted the configuration, so only the TLS setup can fail here.
            tracing::error!(%error, "social login is disabled");
            oauth::Providers::new()
        });
    let oauth = Arc::new(OAuth::new(
        store.clone(),
        clock.clone(),
        sessions.clone(),
        instance_key.clone(),
        providers,
        config.public_url.clone(),
        config.oauth.allowed_redirect_uris.clone(),
    ));
    AppState::new(App {
        oauth,
        instance_key,
        accounts,
        deletion,
        flows,
        clock,
        mailer,
        outbox_wake,
        sessions,
        tokens,
        admin,
        rate_limiter,
        store,
        two_factor,
        web: Arc::new(WebSettings {
            product_name: config.product_name.clone(),
            allowed_origins: config.allowed_origins(),
            secure_cookies: config.secure_cookies(),
            trusted_proxies: config.trusted_proxies.clone(),
            storage_limit: config.limits.storage_bytes,
            json_body_limit: config.limits.json_body_bytes,
            introspection_secret: config.introspection_secret.clone(),
        }),
        metrics: telemetry::prometheus(),
    })
}

/// Serves the API on `listener` until `shutdown` resolves; requests in flight then finish.
pub async fn serve_on(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let sessions = state.sessions.clone();
    let cleanup = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            match sessions.purge_expired().await {
                Ok(purged) => tracing::debug!(purged, "purged expired sessions"),
                Err(error) => tracing::warn!(%error, "purging expired sessions failed"),
            }
        }
    });
    let worker = OutboxWorker::new(
        state.store.clone(),
        state.clock.clone(),
        state.mailer.clone(),
        state.outbox_wake.clone(),
        RetryPolicy::default(),
    );
    let outbox = tokio::spawn(worker.run());
    let app = http::router(state);
    let served = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await;
    cleanup.abort();
    outbox.abort();
    served.context("serving HTTP")
}

/// `accountd serve`: everything from the configuration to a listening server.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    let key = secret_key::load_or_create(config.secret_key.as_ref(), &config.data_dir)?;
    let state = app_state(&config, store.clone(), Arc::new(accountd_core::SystemClock), key);
    let listener = TcpListener::bind(config.listen).await.with_context(|| format!("listening on {}", config.listen))?;
    tracing::info!(
        listen = %listener.local_addr()?,
        database = store.backend(),
        public_url = %config.public_url,
        "accountd is ready"
    );
    serve_on(listener, state, shutdown_signal()).await?;
    tracing::info!("accountd stopped");
    Ok(())
}

/// SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down; finishing requests in flight");
}
