//! The one durable job queue: mail, export archives, webhook deliveries, media clean-up
//! and sweeps all run through it.
//!
//! A use case queues a job with [`enqueue`] inside its transaction, so the job exists
//! exactly when the change that asked for it committed, and wakes the runner
//! ([`JobQueue::wake`]) after the commit. The [`JobRunner`] runs one loop per kind on every
//! node: it leases due jobs of its kind (workers on other nodes pass over leased ones),
//! runs them one after another in the order they were queued, keeps a long job's lease
//! alive while it runs, and records the outcome under the attempt's number. A failure
//! waits with doubling backoff; past the kind's attempt limit the job is failed and kept
//! for the operator. Kinds run side by side, so a slow export never holds up mail, and a
//! failing job moves behind the due ones of its kind. A job whose node dies is leased
//! again when its lease runs out; a restart loses nothing.

mod runner;

use std::sync::Arc;

use accountd_store::{Conn, NewJob, StoreError};
use chrono::{DateTime, Utc};
use tokio::sync::watch;
use uuid::Uuid;

pub use runner::{JobRunner, RetryPolicy};

/// A kind of background work; the job's value is its payload, stored as JSON.
pub trait Job: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static {
    /// The stable name stored with each job (`mail.send`, `media.delete`, …).
    const KIND: &'static str;
    /// Attempts before the job is failed for good.
    const MAX_ATTEMPTS: i32 = 10;

    /// What the job concerns, so that it can be dropped with it (`mailto:` + address for
    /// mail, which an account's erasure drops).
    fn about(&self) -> Option<String> {
        None
    }
}

/// Queues `job` to run from `run_at`, inside the caller's transaction.
pub async fn enqueue<J: Job>(conn: &mut dyn Conn, job: &J, run_at: DateTime<Utc>) -> Result<(), StoreError> {
    let payload = serde_json::to_string(job).map_err(|error| StoreError::Corrupt(error.to_string()))?;
    let about = job.about();
    let new = NewJob {
        id: Uuid::now_v7(),
        kind: J::KIND,
        payload: &payload,
        about: about.as_deref(),
        dedupe_key: None,
        max_attempts: J::MAX_ATTEMPTS,
        run_at,
    };
    conn.enqueue_job(&new, run_at).await?;
    Ok(())
}

/// Why a job did not complete.
#[derive(Debug)]
pub enum JobFailure {
    /// Worth trying again later (a peer was down, a timeout).
    Retry(String),
    /// Trying again would fail the same way (a recipient refused for good, bad data).
    Permanent(String),
}

impl std::fmt::Display for JobFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Retry(reason) | Self::Permanent(reason) => f.write_str(reason),
        }
    }
}

impl From<StoreError> for JobFailure {
    fn from(error: StoreError) -> Self {
        Self::Retry(error.to_string())
    }
}

/// Runs the jobs of one kind.
#[async_trait::async_trait]
pub trait JobHandler<J: Job>: Send + Sync + 'static {
    async fn run(&self, job: J) -> Result<(), JobFailure>;

    /// Called once the job has failed for good (a permanent failure, or its last attempt),
    /// after that is recorded, so that what the job was doing can be closed off (an
    /// export marked failed). Not called when the node dies first: a sweep of the kind's
    /// own covers that.
    async fn gave_up(&self, _job: J, _reason: &str) {}
}

/// The queue as use cases see it: a wake-up for the runner once a transaction that queued
/// jobs has committed (the runner also polls, so a missed wake-up, or a job queued on
/// another node, costs latency only).
pub struct JobQueue {
    /// Bumped by every wake-up; each kind's loop notices a bump made while it was busy too.
    wake: watch::Sender<u64>,
}

impl JobQueue {
    pub fn new() -> Arc<Self> {
        Arc::new(Self { wake: watch::Sender::new(0) })
    }

    /// Call after the transaction that queued jobs has committed.
    pub fn wake(&self) {
        self.wake.send_modify(|bumps| *bumps = bumps.wrapping_add(1));
    }

    fn wake_ups(&self) -> watch::Receiver<u64> {
        self.wake.subscribe()
    }
}
