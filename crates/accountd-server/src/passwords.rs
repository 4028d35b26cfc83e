//! Argon2id on a bounded pool of dedicated threads. A hash takes tens of
//! milliseconds of one core; running it on the async workers would stall every
//! other request during a login storm, so hashing waits for one of a fixed
//! number of permits and runs on one of as many long-lived hashing threads. Work
//! beyond a bounded queue is refused at once, so overload is shed instead of
//! piling up memory.
//!
//! The threads are our own rather than tokio's blocking pool, and each keeps one
//! Argon2 [`Workspace`] for good: allocating Argon2's 19 MiB per hash left the
//! allocator holding a freed block in each of its arenas, up to 560 MiB resident
//! under `bench/run`'s storm. Now hashing memory is 19 MiB per core, once.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use accountd_core::password::{self, PasswordHashString, Workspace};
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

type Job = Box<dyn FnOnce(&mut Workspace) + Send>;

#[derive(Clone)]
pub struct PasswordWorkers {
    permits: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    /// Jobs for the hashing threads; they stop when the last clone is dropped.
    jobs: Arc<Mutex<mpsc::Sender<Job>>>,
}

impl PasswordWorkers {
    pub fn new(threads: usize, max_waiting: usize) -> Self {
        let threads = threads.max(1);
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..threads {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new().name(format!("accountd-hash-{index}")).spawn(move || {
                // Allocated once per thread, at its first hash, so an idle server stays small.
                let mut workspace: Option<Workspace> = None;
                loop {
                    let job = match receiver.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => return,
                    };
                    match job {
                        // A panicking job fails its own request (its reply is dropped), not the thread.
                        Ok(job) => drop(std::panic::catch_unwind(AssertUnwindSafe(|| {
                            job(workspace.get_or_insert_with(Workspace::new))
                        }))),
                        Err(_) => return,
                    }
                }
            });
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password hashing thread");
            }
        }
        Self {
            permits: Arc::new(Semaphore::new(threads)),
            waiting: Arc::new(AtomicUsize::new(0)),
            max_waiting,
            jobs: Arc::new(Mutex::new(sender)),
        }
    }

    /// One worker per core: hashing is CPU-bound, more threads would only add switching.
    pub fn per_core(max_waiting: usize) -> Self {
        let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
        Self::new(cores, max_waiting)
    }

    pub async fn hash(&self, password: SecretString) -> Result<PasswordHashString, HashingError> {
        self.run(move |workspace| password::hash_in(&password, workspace)).await
    }

    /// Verifies against the stored hash, or a dummy one when there is none.
    pub async fn verify(
        &self,
        password: SecretString,
        stored: Option<PasswordHashString>,
    ) -> Result<bool, HashingError> {
        self.run(move |workspace| password::verify_in(&password, stored.as_ref(), workspace)).await
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Workspace) -> T + Send + 'static,
    ) -> Result<T, HashingError> {
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting + self.permits.available_permits() {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            metrics::counter!("accountd_password_jobs_shed_total").increment(1);
            return Err(HashingError::Overloaded);
        }
        let permit = self.permits.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        let permit = permit.map_err(|e| HashingError::Failed(e.to_string()))?;
        let span = tracing::Span::current();
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |workspace| {
            let _permit = permit;
            let _ = reply.send(span.in_scope(|| job(workspace)));
        });
        let sent = self.jobs.lock().map_err(|e| HashingError::Failed(e.to_string()))?.send(job);
        sent.map_err(|_| HashingError::Failed("the hashing threads have stopped".into()))?;
        answer.in_current_span().await.map_err(|_| HashingError::Failed("the hashing job failed".into()))
    }
}
