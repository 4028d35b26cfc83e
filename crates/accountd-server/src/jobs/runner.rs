//! The loops that lease and run jobs, one per kind.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use accountd_core::Clock;
use accountd_store::{ClaimedJob, NewJob, Store, StoreError};
use chrono::{DateTime, Utc};
use tokio::task::JoinSet;
use uuid::Uuid;

use super::{Job, JobFailure, JobHandler, JobQueue};

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub first_delay: chrono::Duration,
    pub max_delay: chrono::Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { first_delay: chrono::Duration::seconds(2), max_delay: chrono::Duration::minutes(15) }
    }
}

impl RetryPolicy {
    /// The wait after the `attempt`-th failure: doubling from `first_delay`, capped.
    fn delay(&self, attempt: i32) -> chrono::Duration {
        let doublings = u32::try_from(attempt.saturating_sub(1)).unwrap_or(0).min(20);
        let delay = self.first_delay * 2_i32.pow(doublings);
        delay.min(self.max_delay)
    }
}

/// How long a lease lasts; a running job's lease is renewed every third of it, so only a
/// dead worker's job is leased again.
const LEASE: chrono::Duration = chrono::Duration::seconds(60);
const BATCH: i64 = 16;
/// How often each loop looks for due jobs without a wake-up (retries, other nodes' jobs).
const POLL: Duration = Duration::from_millis(500);
/// Done jobs are kept this long, then deleted by the `jobs.prune` sweep.
const KEEP_DONE: chrono::Duration = chrono::Duration::days(1);

type RunFuture = Pin<Box<dyn Future<Output = Result<(), JobFailure>> + Send>>;
type GaveUpFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A registered kind, with its payload type erased.
struct Kind {
    name: &'static str,
    run: Arc<dyn Fn(String) -> RunFuture + Send + Sync>,
    gave_up: Arc<dyn Fn(String, String) -> GaveUpFuture + Send + Sync>,
}

struct Recurring {
    kind: &'static str,
    payload: String,
    max_attempts: i32,
    every: Duration,
}

pub struct JobRunner {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    queue: Arc<JobQueue>,
    policy: RetryPolicy,
    kinds: Vec<Kind>,
    recurring: Vec<Recurring>,
}

impl JobRunner {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, queue: Arc<JobQueue>, policy: RetryPolicy) -> Self {
        let mut runner = Self { store: store.clone(), clock, queue, policy, kinds: Vec::new(), recurring: Vec::new() };
        let clock = runner.clock.clone();
        runner.handle(PruneJobsHandler { store, clock });
        runner.every::<PruneJobs>(Duration::from_secs(3600));
        runner
    }

    /// Registers the handler of one kind.
    pub fn handle<J: Job>(&mut self, handler: impl JobHandler<J>) {
        let handler = Arc::new(handler);
        let running = handler.clone();
        let run = move |payload: String| -> RunFuture {
            let handler = running.clone();
            Box::pin(async move {
                let job: J = serde_json::from_str(&payload)
                    .map_err(|error| JobFailure::Permanent(format!("unreadable payload: {error}")))?;
                handler.run(job).await
            })
        };
        let gave_up = move |payload: String, reason: String| -> GaveUpFuture {
            let handler = handler.clone();
            Box::pin(async move {
                if let Ok(job) = serde_json::from_str::<J>(&payload) {
                    handler.gave_up(job, &reason).await;
                }
            })
        };
        self.kinds.push(Kind { name: J::KIND, run: Arc::new(run), gave_up: Arc::new(gave_up) });
    }

    /// Queues `J::default()` once every `every`, across every node: each run has a
    /// dedupe key naming its time slot, so the first node to queue it wins.
    pub fn every<J: Job + Default>(&mut self, every: Duration) {
        let payload = serde_json::to_string(&J::default()).unwrap_or_else(|_| "null".into());
        self.recurring.push(Recurring { kind: J::KIND, payload, max_attempts: J::MAX_ATTEMPTS, every });
    }

    /// Runs every kind's loop and the recurring schedule until the set is dropped.
    pub fn spawn(self) -> JoinSet<()> {
        let mut tasks = JoinSet::new();
        let shared = Arc::new(Shared { store: self.store, clock: self.clock, queue: self.queue, policy: self.policy });
        for kind in self.kinds {
            tasks.spawn(shared.clone().run_kind(kind));
        }
        for recurring in self.recurring {
            tasks.spawn(shared.clone().schedule(recurring));
        }
        tasks
    }
}

struct Shared {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    queue: Arc<JobQueue>,
    policy: RetryPolicy,
}

impl Shared {
    async fn run_kind(self: Arc<Self>, kind: Kind) {
        let mut wake_ups = self.queue.wake_ups();
        loop {
            match self.run_due(&kind).await {
                Ok(claimed) if claimed as i64 == BATCH => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, kind = kind.name, "jobs: leasing failed; retrying"),
            }
            tokio::select! {
                changed = wake_ups.changed() => {
                    if changed.is_err() {
                        return;
                    }
                },
                () = tokio::time::sleep(POLL) => {},
            }
        }
    }

    /// Leases one batch of due jobs of `kind` and runs them in order; returns how many.
    async fn run_due(&self, kind: &Kind) -> Result<usize, StoreError> {
        let now = self.clock.now();
        if !self.store.reader().await?.has_due_jobs(kind.name, now).await? {
            return Ok(0);
        }
        let mut tx = self.store.begin().await?;
        let batch = tx.claim_jobs(kind.name, now, now + LEASE, BATCH).await?;
        tx.commit().await?;
        let claimed = batch.len();
        for job in batch {
            let outcome = self.run_leased(kind, &job).await;
            match self.record(&job, outcome).await {
                Ok(Some(reason)) => (kind.gave_up)(job.payload.clone(), reason).await,
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(%error, id = %job.id, kind = kind.name, "jobs: recording an outcome failed")
                }
            }
        }
        Ok(claimed)
    }

    /// Runs a job while renewing its lease.
    async fn run_leased(&self, kind: &Kind, job: &ClaimedJob) -> Result<(), JobFailure> {
        let run = (kind.run)(job.payload.clone());
        tokio::pin!(run);
        let renew_every = (LEASE / 3).to_std().unwrap_or(Duration::from_secs(20));
        loop {
            tokio::select! {
                outcome = &mut run => return outcome,
                () = tokio::time::sleep(renew_every) => {
                    let until = self.clock.now() + LEASE;
                    match self.extend(job, until).await {
                        Ok(true) => {}
                        Ok(false) => tracing::warn!(id = %job.id, "jobs: the lease was lost while running"),
                        Err(error) => tracing::warn!(%error, id = %job.id, "jobs: renewing a lease failed"),
                    }
                }
            }
        }
    }

    async fn extend(&self, job: &ClaimedJob, until: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut conn = self.store.reader().await?;
        conn.extend_job_lease(job, until).await
    }

    /// Records the outcome; `Some(reason)` when the job was failed for good by this call.
    async fn record(&self, job: &ClaimedJob, outcome: Result<(), JobFailure>) -> Result<Option<String>, StoreError> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let kind = job.kind.clone();
        let mut gave_up = None;
        let (held, result) = match outcome {
            Ok(()) => (tx.finish_job(job, now).await?, "done"),
            Err(failure) => {
                let permanent = matches!(failure, JobFailure::Permanent(_));
                if permanent || job.attempt >= job.max_attempts {
                    tracing::error!(id = %job.id, kind, attempt = job.attempt, %failure, "jobs: giving up on a job");
                    gave_up = Some(failure.to_string());
                    (tx.fail_job(job, &failure.to_string(), now).await?, "failed")
                } else {
                    let next = now + self.policy.delay(job.attempt);
                    tracing::warn!(id = %job.id, kind, attempt = job.attempt, %failure, run_at = %next,
                        "jobs: a job failed; will retry");
                    (tx.retry_job(job, next, &failure.to_string()).await?, "retry")
                }
            }
        };
        tx.commit().await?;
        if held {
            metrics::counter!("accountd_jobs_total", "kind" => kind, "outcome" => result).increment(1);
            Ok(gave_up)
        } else {
            tracing::warn!(id = %job.id, "jobs: the lease ran out before the outcome; another attempt owns the job");
            Ok(None)
        }
    }

    async fn schedule(self: Arc<Self>, recurring: Recurring) {
        let every = chrono::Duration::from_std(recurring.every).unwrap_or(chrono::Duration::hours(1));
        let seconds = every.num_seconds().max(1);
        loop {
            let now = self.clock.now();
            let slot = now.timestamp().div_euclid(seconds);
            let key = format!("{}@{slot}", recurring.kind);
            if let Err(error) = self.queue_slot(&recurring, &key, now).await {
                tracing::warn!(%error, kind = recurring.kind, "jobs: queueing a recurring job failed");
            }
            // Until the next slot starts, or a minute to retry a failed queueing.
            let next_slot = (slot + 1) * seconds - now.timestamp();
            let wait = Duration::from_secs(u64::try_from(next_slot).unwrap_or(1).clamp(1, 60));
            tokio::time::sleep(wait).await;
        }
    }

    async fn queue_slot(&self, recurring: &Recurring, key: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let job = NewJob {
            id: Uuid::now_v7(),
            kind: recurring.kind,
            payload: &recurring.payload,
            about: None,
            dedupe_key: Some(key),
            max_attempts: recurring.max_attempts,
            run_at: now,
        };
        let mut tx = self.store.begin().await?;
        let queued = tx.enqueue_job(&job, now).await?;
        tx.commit().await?;
        if queued {
            self.queue.wake();
        }
        Ok(())
    }
}

/// The queue's own sweep: deletes old done jobs, fails the jobs abandoned on their last attempt.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct PruneJobs {}

impl Job for PruneJobs {
    const KIND: &'static str = "jobs.prune";
    const MAX_ATTEMPTS: i32 = 3;
}

struct PruneJobsHandler {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

#[async_trait::async_trait]
impl JobHandler<PruneJobs> for PruneJobsHandler {
    async fn run(&self, _: PruneJobs) -> Result<(), JobFailure> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let pruned = tx.prune_jobs(now - KEEP_DONE, now).await?;
        tx.commit().await?;
        tracing::debug!(pruned, "jobs: pruned");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use accountd_core::SystemClock;

    use super::*;
    use crate::jobs::enqueue;

    #[derive(Debug, serde::Serialize, serde::Deserialize)]
    struct Greet {
        name: String,
    }

    impl Job for Greet {
        const KIND: &'static str = "test.greet";
        const MAX_ATTEMPTS: i32 = 2;
    }

    /// Greets everyone but "mallory" (refused for good) and "slow" (never finishes).
    struct Greeter {
        greeted: Arc<Mutex<Vec<String>>>,
    }

    #[async_trait::async_trait]
    impl JobHandler<Greet> for Greeter {
        async fn run(&self, job: Greet) -> Result<(), JobFailure> {
            match job.name.as_str() {
                "mallory" => Err(JobFailure::Permanent("refused".into())),
                "slow" => std::future::pending().await,
                _ => {
                    self.greeted.lock().unwrap_or_else(|poison| poison.into_inner()).push(job.name);
                    Ok(())
                }
            }
        }
    }

    #[derive(Debug, serde::Serialize, serde::Deserialize)]
    struct Other {}

    impl Job for Other {
        const KIND: &'static str = "test.other";
    }

    struct OtherHandler {
        ran: Arc<tokio::sync::Notify>,
    }

    #[async_trait::async_trait]
    impl JobHandler<Other> for OtherHandler {
        async fn run(&self, _: Other) -> Result<(), JobFailure> {
            self.ran.notify_one();
            Ok(())
        }
    }

    #[tokio::test]
    #[allow(clippy::unwrap_used)]
    async fn a_failing_job_does_not_hold_up_its_kind_and_a_stuck_kind_does_not_hold_up_another() {
        let dir = tempfile::tempdir().unwrap();
        let store = accountd_store::connect(&format!("sqlite://{}/jobs.db", dir.path().display())).await.unwrap();
        store.migrate().await.unwrap();
        let queue = JobQueue::new();
        let greeted = Arc::new(Mutex::new(Vec::new()));
        let ran = Arc::new(tokio::sync::Notify::new());
        let mut runner = JobRunner::new(store.clone(), Arc::new(SystemClock), queue.clone(), RetryPolicy::default());
        runner.handle(Greeter { greeted: greeted.clone() });
        runner.handle(OtherHandler { ran: ran.clone() });
        let _tasks = runner.spawn();

        let mut tx = store.begin().await.unwrap();
        for name in ["mallory", "alice", "bob"] {
            enqueue(tx.as_mut(), &Greet { name: name.into() }, chrono::Utc::now()).await.unwrap();
        }
        tx.commit().await.unwrap();
        queue.wake();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while greeted.lock().unwrap().len() < 2 {
            assert!(std::time::Instant::now() < deadline, "the jobs after the failing one never ran");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(*greeted.lock().unwrap(), vec!["alice".to_string(), "bob".to_string()]);

        // A job that never finishes holds its kind's loop, not another kind's.
        let mut tx = store.begin().await.unwrap();
        enqueue(tx.as_mut(), &Greet { name: "slow".into() }, chrono::Utc::now()).await.unwrap();
        tx.commit().await.unwrap();
        queue.wake();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut tx = store.begin().await.unwrap();
        enqueue(tx.as_mut(), &Other {}, chrono::Utc::now()).await.unwrap();
        tx.commit().await.unwrap();
        queue.wake();
        tokio::time::timeout(Duration::from_secs(10), ran.notified()).await.expect("the other kind ran");
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(1), chrono::Duration::seconds(2));
        assert_eq!(policy.delay(2), chrono::Duration::seconds(4));
        assert_eq!(policy.delay(3), chrono::Duration::seconds(8));
        assert_eq!(policy.delay(30), chrono::Duration::minutes(15));
    }
}
