//! Logs (tracing, pretty or JSON lines) and metrics (Prometheus).

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat};

/// Installs the log subscriber; `ACCOUNTD_LOG` is an `EnvFilter` directive.
pub fn init_logging(config: &Config) {
    // sqlx logs every statement at INFO and PostgreSQL's notices with them; quiet unless asked.
    let directives = if config.log.contains("sqlx") { config.log.clone() } else { format!("{},sqlx=warn", config.log) };
    let filter = EnvFilter::try_new(directives).unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
}

/// The process-wide Prometheus recorder, installed on first use.
pub fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new().set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".into()),
                &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0],
            );
            let recorder = match builder {
                Ok(builder) => builder.build_recorder(),
                Err(_) => PrometheusBuilder::new().build_recorder(),
            };
            let handle = recorder.handle();
            let _ = metrics::set_global_recorder(recorder);
            // Histogram samples pile up until drained; without a scrape of `/metrics` nothing
            // else drains them, so memory would grow with every request.
            let upkeep = handle.clone();
            let drained = std::thread::Builder::new().name("accountd-metrics".into()).spawn(move || loop {
                std::thread::sleep(std::time::Duration::from_secs(5));
                upkeep.run_upkeep();
            });
            if let Err(error) = drained {
                tracing::error!(%error, "could not start draining metrics");
            }
            handle
        })
        .clone()
}
