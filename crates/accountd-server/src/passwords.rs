//! Argon2id on a bounded pool of blocking threads. A hash takes tens of
//! milliseconds of one core; running it on the async workers would stall every
//! other request during a login storm, so hashing waits for one of a fixed
//! number of permits and runs on tokio's blocking threads. Work beyond a bounded
//! queue is refused at once, so overload is shed instead of piling up memory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use accountd_core::password::{self, PasswordHashString};
use secrecy::SecretString;
use tokio::sync::Semaphore;
use tracing::Instrument as _;

#[derive(Debug, thiserror::Error)]
pub enum HashingError {
    #[error("too many password operations are waiting")]
    Overloaded,
    #[error("the hashing task failed: {0}")]
    Failed(String),
}

#[derive(Clone)]
pub struct PasswordWorkers {
    permits: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
}

impl PasswordWorkers {
    pub fn new(threads: usize, max_waiting: usize) -> Self {
        Self { permits: Arc::new(Semaphore::new(threads.max(1))), waiting: Arc::new(AtomicUsize::new(0)), max_waiting }
    }

    /// One worker per core: hashing is CPU-bound, more threads would only add switching.
    pub fn per_core(max_waiting: usize) -> Self {
        let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
        Self::new(cores, max_waiting)
    }

    pub async fn hash(&self, password: SecretString) -> Result<PasswordHashString, HashingError> {
        self.run(move || password::hash(&password)).await
    }

    /// Verifies against the stored hash, or a dummy one when there is none.
    pub async fn verify(
        &self,
        password: SecretString,
        stored: Option<PasswordHashString>,
    ) -> Result<bool, HashingError> {
        self.run(move || password::verify(&password, stored.as_ref())).await
    }

    async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> T + Send + 'static) -> Result<T, HashingError> {
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting + self.permits.available_permits() {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            metrics::counter!("accountd_password_jobs_shed_total").increment(1);
            return Err(HashingError::Overloaded);
        }
        let permit = self.permits.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        let permit = permit.map_err(|e| HashingError::Failed(e.to_string()))?;
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            span.in_scope(job)
        })
        .in_current_span()
        .await
        .map_err(|e| HashingError::Failed(e.to_string()))
    }
}
