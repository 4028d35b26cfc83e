//! The accountd application: configuration, use cases, HTTP API and background work.

pub mod account_cache;
pub mod config;
pub mod console;
pub mod device;
pub mod export;
pub mod feed;
pub mod http;
pub mod jobs;
pub mod mail;
pub mod media;
pub mod oauth;
pub mod outbound;
pub mod passwords;
pub mod qr;
pub mod secret_key;
pub mod streams;
pub mod telemetry;
pub mod usecases;
pub mod workers;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use accountd_core::Clock;
use accountd_store::Store;
use anyhow::Context as _;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::http::{App, AppState, WebSettings};
use crate::jobs::{JobQueue, JobRunner, RetryPolicy};
use crate::mail::{MailDelivery, Templates};
use crate::passwords::PasswordWorkers;
use crate::usecases::accounts::Accounts;
use crate::usecases::admin::Administration;
use crate::usecases::deletion::AccountDeletion;
use crate::usecases::email_flows::EmailFlows;
use crate::usecases::email_login::EmailLogins;
use crate::usecases::mailing::Mailing;
use crate::usecases::media::{DeleteMedia, Media, MediaSettings, MediaUrls, SweepMedia};
use crate::usecases::oauth::OAuth;
use crate::usecases::passkeys::{Passkeys, RelyingParty};
use crate::usecases::perks::Perks;
use crate::usecases::profiles::Profiles;
use crate::usecases::reauth::Reauth;
use crate::usecases::referrals::Referrals;
use crate::usecases::sessions::{PurgeExpiredSessions, SessionSettings, Sessions};
use crate::usecases::throttle::{AuthThrottle, ThrottleSettings};
use crate::usecases::tokens::Tokens;
use crate::usecases::two_factor::{TwoFactor, TwoFactorSettings};
use crate::usecases::uploads::{UploadDomains, Uploads};
use crate::usecases::webhooks::Webhooks;

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
/// `key` is the instance secret key ([`secret_key::load_or_create`]). Fails when the media
/// store cannot be opened or the extra CA file cannot be read.
pub fn app_state(
    config: &Config,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    key: secret_key::SecretKey,
) -> anyhow::Result<AppState> {
    let instance_key = Arc::new(secret_key::instance_key(key));
    let default_limits = accountd_core::access::Limits {
        personal_access_tokens: i64::from(config.limits.personal_access_tokens),
        additional_addresses: i64::from(config.limits.additional_addresses),
        sessions: i64::from(config.limits.sessions),
        storage_bytes: i64::try_from(config.limits.storage_bytes).unwrap_or(i64::MAX),
    };
    let passwords = PasswordWorkers::per_core(config.limits.password_queue);
    let jobs = JobQueue::new();
    let mailing =
        Arc::new(Mailing::new(Templates::new(&config.product_name, config.public_url.as_str()), jobs.clone()));
    let rate = &config.rate_limit;
    let throttle = Arc::new(AuthThrottle::new(
        store.clone(),
        clock.clone(),
        mailing.clone(),
        instance_key.clone(),
        rate.enabled.then(|| ThrottleSettings {
            login_failures: rate.login_failures as usize,
            account_login_failures: rate.account_login_failures as usize,
            second_factor_failures: rate.second_factor_failures as usize,
            window: chrono::Duration::minutes(i64::from(rate.login_window_minutes)),
            ipv6_prefix: rate.ipv6_prefix,
        }),
    ));
    let sessions = Arc::new(Sessions::new(
        store.clone(),
        clock.clone(),
        passwords.clone(),
        throttle.clone(),
        SessionSettings {
            ttl: chrono::Duration::days(i64::from(config.auth.session_ttl_days)),
            require_verified_email: config.auth.require_verified_email,
            default_session_limit: default_limits.sessions,
        },
    ));
    let reauth =
        Arc::new(Reauth::new(store.clone(), clock.clone(), passwords.clone(), instance_key.clone(), throttle.clone()));
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
        throttle.clone(),
        TwoFactorSettings {
            issuer: config.product_name.clone(),
            email_confirmation: config.two_factor.email_confirmation,
        },
    ));
    let outbound =
        outbound::Outbound::from_config(config.webhooks.allow_private_targets, config.http.extra_ca_file.as_deref());
    let objects = media::store_from_config(&config.media, &config.data_dir)?;
    let media = Arc::new(Media::new(
        store.clone(),
        clock.clone(),
        objects.clone(),
        MediaSettings {
            pool: workers::BoundedPool::per_core("image", config.media.queue, || ()),
            urls: MediaUrls { base: config.media_url("") },
            default_limits,
            outbound: outbound.clone(),
        },
        jobs.clone(),
    ));
    let passkeys = Arc::new(Passkeys::new(
        store.clone(),
        clock.clone(),
        reauth.clone(),
        sessions.clone(),
        mailing.clone(),
        throttle.clone(),
        instance_key.clone(),
        relying_party(config),
    ));
    let email_logins = Arc::new(EmailLogins::new(
        store.clone(),
        clock.clone(),
        sessions.clone(),
        mailing.clone(),
        throttle,
        instance_key.clone(),
        config.auth.email_login,
    ));
    let deletion = Arc::new(AccountDeletion::new(store.clone(), clock.clone(), reauth, mailing.clone()));
    let referrals = Arc::new(Referrals::new(
        store.clone(),
        clock.clone(),
        config.public_url.clone(),
        config.referrals.reward_credits,
    ));
    let accounts = Arc::new(Accounts::new(
        store.clone(),
        clock.clone(),
        passwords,
        sessions.clone(),
        flows.clone(),
        config.password.policy,
        outbound::OutboundGuard::new(config.webhooks.allow_private_targets),
        referrals.clone(),
    ));
    let mailer = mail::mailer_from_config(config).unwrap_or_else(|problem| {
        // Config::validate has checked both values, so this is unreachable in practice.
        tracing::error!(%problem, "mail configuration rejected; writing mail to files instead");
        Arc::new(mail::FileMailer::new(
            config.data_dir.join("mail"),
            "accountd <no-reply@localhost>".parse().expect("a valid constant mailbox"),
        ))
    });
    let tokens = Arc::new(Tokens::new(
        store.clone(),
        clock.clone(),
        instance_key.clone(),
        sessions.clone(),
        mailing,
        default_limits,
    ));
    let admin = Arc::new(Administration::new(store.clone(), clock.clone()));
    let upload_domains = Arc::new(UploadDomains::from_config(&config.uploads));
    let uploads = Arc::new(Uploads::new(
        store.clone(),
        clock.clone(),
        tokens.clone(),
        upload_domains.clone(),
        config.uploads.upload_url.clone(),
        config.product_name.clone(),
    ));
    let perks = Arc::new(Perks::new(store.clone(), clock.clone(), &config.perks, outbound.clone()));
    let webhooks = Arc::new(Webhooks::new(clock.clone(), outbound, config.product_name.clone()));
    let rate_limiter = Arc::new(http::rate_limit::IpRateLimiter::new(
        config.rate_limit.enabled,
        config.rate_limit.per_ip_burst,
        config.rate_limit.per_ip_per_minute,
        config.rate_limit.ipv6_prefix,
        clock.clone(),
        store.clone(),
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
    let feed = Arc::new(feed::Feed::new(store.clone()));
    let activity = Arc::new(usecases::activity::ActivityLog::new(store.clone()));
    let exports = Arc::new(usecases::export::Exports::new(
        store.clone(),
        clock.clone(),
        jobs.clone(),
        export::ArchiveSources {
            objects,
            storage_limit: config.limits.storage_bytes,
            upload_domains: upload_domains.clone(),
            public_url: config.public_url.clone(),
        },
        config.data_dir.join("tmp"),
    ));
    let streams = streams::Streams::new(
        feed.clone(),
        streams::StreamSettings {
            keep_alive: Duration::from_secs(u64::from(config.activity.stream_keep_alive_seconds)),
            per_account: config.activity.max_streams_per_account as usize,
            per_node: config.activity.max_streams_per_node as usize,
            buffer: config.activity.stream_buffer_events as usize,
        },
    );
    let console = console::Console::from_config(config, passkeys.enabled())?.map(Arc::new);
    Ok(AppState::new(App {
        console,
        media,
        oauth,
        instance_key,
        accounts,
        deletion,
        flows,
        clock,
        mailer,
        jobs,
        sessions,
        tokens,
        admin,
        profiles: Arc::new(Profiles::new(store.clone())),
        rate_limiter,
        store,
        two_factor,
        passkeys,
        email_logins,
        web: Arc::new(WebSettings {
            product_name: config.product_name.clone(),
            allowed_origins: config.allowed_origins(),
            secure_cookies: config.secure_cookies(),
            trusted_proxies: config.trusted_proxies.clone(),
            storage_limit: config.limits.storage_bytes,
            json_body_limit: config.limits.json_body_bytes,
            introspection_secret: config.introspection_secret.clone(),
            connections: http::server::ConnectionLimits::new(&config.limits, http::server::descriptor_limit()),
            upload_domains,
            password_policy: config.password.policy,
        }),
        metrics: telemetry::prometheus(),
        feed,
        activity,
        exports,
        streams,
        activity_retention_days: config.activity.retention_days,
        referrals,
        perks,
        uploads,
        webhooks,
    }))
}

/// The WebAuthn relying party, or `None` (passkeys off, said once in the log) when the
/// configuration gives no usable relying-party id: better off at start than failing at
/// the first ceremony.
fn relying_party(config: &Config) -> Option<RelyingParty> {
    match config.passkey_rp_id() {
        Ok(rp_id) => {
            let origin = url::Url::parse(&config.public_url.origin().ascii_serialization()).ok()?;
            tracing::info!(rp_id, origin = %origin, "passkeys are on");
            Some(RelyingParty::new(&rp_id, &config.passkeys.rp_name, origin))
        }
        Err(why) => {
            tracing::warn!("passkeys are off: {why}");
            None
        }
    }
}

/// Serves the API on `listener` until `shutdown` resolves; requests in flight then finish.
pub async fn serve_on(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let mut runner =
        JobRunner::new(state.store.clone(), state.clock.clone(), state.jobs.clone(), RetryPolicy::default());
    runner.handle(MailDelivery::new(state.mailer.clone()));
    runner.handle(state.sessions.clone());
    runner.every::<PurgeExpiredSessions>(Duration::from_secs(3600));
    runner.handle::<DeleteMedia>(state.media.clone());
    runner.handle::<SweepMedia>(state.media.clone());
    runner.every::<SweepMedia>(Duration::from_secs(3600));
    runner.handle(usecases::export::ExportBuilder(state.exports.clone()));
    runner.handle(usecases::export::ExportSweeper(state.exports.clone()));
    runner.every::<usecases::export::SweepExports>(Duration::from_secs(3600));
    runner.handle(usecases::activity::ActivityPruner {
        store: state.store.clone(),
        clock: state.clock.clone(),
        retention: chrono::Duration::days(i64::from(state.activity_retention_days)),
    });
    runner.every::<usecases::activity::PruneActivity>(Duration::from_secs(24 * 3600));
    runner.handle(http::rate_limit::RateLimitPruner { store: state.store.clone(), clock: state.clock.clone() });
    runner.every::<http::rate_limit::PruneRateLimits>(Duration::from_secs(600));
    let jobs = runner.spawn();
    let limits = state.web.connections;
    let streams = state.streams.clone();
    // Streams never end by themselves: they are closed first, so the drain can finish.
    let shutdown = async move {
        shutdown.await;
        streams.close_all();
    };
    let served = http::server::serve(listener, http::router(state), limits, shutdown).await;
    drop(jobs);
    served.context("serving HTTP")
}

/// `accountd serve`: everything from the configuration to a listening server.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    http::server::raise_descriptor_limit();
    let store = open_store(&config).await?;
    let key = secret_key::load_or_create(config.secret_key.as_ref(), &config.data_dir)?;
    let state = app_state(&config, store.clone(), Arc::new(accountd_core::SystemClock), key)?;
    #[cfg(unix)]
    log_and_ignore_reload_signals();
    let listener = TcpListener::bind(config.listen).await.with_context(|| format!("listening on {}", config.listen))?;
    tracing::info!(
        listen = %listener.local_addr()?,
        database = store.backend(),
        public_url = %config.public_url,
        max_connections = state.web.connections.max_connections,
        "accountd is ready"
    );
    serve_on(listener, state, shutdown_signal()).await?;
    tracing::info!("accountd stopped");
    Ok(())
}

/// SIGHUP and SIGUSR1 would end the process by default, without a drain: operators and
/// tools send them expecting a reload or a status dump. Nothing here can be reloaded in
/// place yet, so they are logged and ignored. The handlers are installed before this
/// returns, so the process is protected before it listens.
#[cfg(unix)]
fn log_and_ignore_reload_signals() {
    use tokio::signal::unix::{signal, SignalKind};
    for (kind, name) in [(SignalKind::hangup(), "SIGHUP"), (SignalKind::user_defined1(), "SIGUSR1")] {
        match signal(kind) {
            Ok(mut received) => {
                tokio::spawn(async move {
                    while received.recv().await.is_some() {
                        tracing::info!(signal = name, "signal received and ignored: nothing to reload");
                    }
                });
            }
            Err(error) => tracing::warn!(%error, signal = name, "cannot handle the signal"),
        }
    }
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
