//! A bounded pool of dedicated threads for CPU-bound work (password hashing, image
//! decoding). Running such work on the async workers would stall every other request, so
//! a job waits for one of a fixed number of permits and runs on one of as many long-lived
//! threads. Work beyond a bounded queue is refused at once, so overload is shed (`503`)
//! instead of piling up memory.
//!
//! The threads are our own rather than tokio's blocking pool, and each keeps one value of
//! per-thread state for good (Argon2's workspace): allocating it per job left the
//! allocator holding a freed block in each of its arenas.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use tokio::sync::Semaphore;
use tracing::Instrument as _;

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("too many jobs are waiting")]
    Overloaded,
    #[error("the job failed: {0}")]
    Failed(String),
}

type Job<S> = Box<dyn FnOnce(&mut S) + Send>;

/// A fixed set of threads, each with its state `S`, and a bounded queue in front of them.
pub struct BoundedPool<S: 'static> {
    name: &'static str,
    permits: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    /// Jobs for the threads; they stop when the last clone is dropped.
    jobs: Arc<Mutex<mpsc::Sender<Job<S>>>>,
}

impl<S: 'static> Clone for BoundedPool<S> {
    fn clone(&self) -> Self {
        Self {
            name: self.name,
            permits: self.permits.clone(),
            waiting: self.waiting.clone(),
            max_waiting: self.max_waiting,
            jobs: self.jobs.clone(),
        }
    }
}

impl<S: 'static> BoundedPool<S> {
    /// `threads` threads named `accountd-{name}-N`; each makes its state with `init` at its
    /// first job, so an idle server stays small. `name` also labels the shed-jobs metric.
    pub fn new(name: &'static str, threads: usize, max_waiting: usize, init: fn() -> S) -> Self {
        let threads = threads.max(1);
        let (sender, receiver) = mpsc::channel::<Job<S>>();
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..threads {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new().name(format!("accountd-{name}-{index}")).spawn(move || {
                let mut state: Option<S> = None;
                loop {
                    let job = match receiver.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => return,
                    };
                    match job {
                        // A panicking job fails its own request (its reply is dropped), not the thread.
                        Ok(job) => {
                            drop(std::panic::catch_unwind(AssertUnwindSafe(|| job(state.get_or_insert_with(init)))))
                        }
                        Err(_) => return,
                    }
                }
            });
            if let Err(error) = spawned {
                tracing::error!(%error, pool = name, "cannot start a worker thread");
            }
        }
        Self {
            name,
            permits: Arc::new(Semaphore::new(threads)),
            waiting: Arc::new(AtomicUsize::new(0)),
            max_waiting,
            jobs: Arc::new(Mutex::new(sender)),
        }
    }

    /// One thread per core: the work is CPU-bound, more threads would only add switching.
    pub fn per_core(name: &'static str, max_waiting: usize, init: fn() -> S) -> Self {
        let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
        Self::new(name, cores, max_waiting, init)
    }

    /// Runs `job` on a pool thread, in the caller's span; `Overloaded` at once when more
    /// than the queue's bound are waiting already.
    pub async fn run<T: Send + 'static>(&self, job: impl FnOnce(&mut S) -> T + Send + 'static) -> Result<T, PoolError> {
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting + self.permits.available_permits() {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            metrics::counter!("accountd_pool_jobs_shed_total", "pool" => self.name).increment(1);
            return Err(PoolError::Overloaded);
        }
        let permit = self.permits.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        let permit = permit.map_err(|e| PoolError::Failed(e.to_string()))?;
        let span = tracing::Span::current();
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job<S> = Box::new(move |state| {
            let _permit = permit;
            let _ = reply.send(span.in_scope(|| job(state)));
        });
        let sent = self.jobs.lock().map_err(|e| PoolError::Failed(e.to_string()))?.send(job);
        sent.map_err(|_| PoolError::Failed("the worker threads have stopped".into()))?;
        answer.in_current_span().await.map_err(|_| PoolError::Failed("the job failed".into()))
    }
}
