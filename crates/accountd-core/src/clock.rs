use chrono::{DateTime, Utc};

/// The source of "now". Injected everywhere time matters (expiry, sliding
/// sessions, rate windows) so tests can move time instead of sleeping.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
