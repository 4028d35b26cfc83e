//! Argon2id on a bounded pool of dedicated threads ([`crate::workers`]). A hash takes
//! tens of milliseconds of one core; on the async workers it would stall every other
//! request during a login storm.
//!
//! Each hashing thread keeps one Argon2 [`Workspace`] for good: allocating Argon2's
//! 19 MiB per hash left the allocator holding a freed block in each of its arenas, up to
//! 560 MiB resident under `bench/run`'s storm. Now hashing memory is 19 MiB per core, once.

use accountd_core::password::{self, PasswordHashString, Workspace};
use secrecy::SecretString;

use crate::workers::{BoundedPool, PoolError};

/// Why a password operation did not run: the pool's refusal.
pub type HashingError = PoolError;

#[derive(Clone)]
pub struct PasswordWorkers {
    pool: BoundedPool<Workspace>,
}

impl PasswordWorkers {
    pub fn new(threads: usize, max_waiting: usize) -> Self {
        Self { pool: BoundedPool::new("hash", threads, max_waiting, Workspace::new) }
    }

    /// One worker per core: hashing is CPU-bound, more threads would only add switching.
    pub fn per_core(max_waiting: usize) -> Self {
        Self { pool: BoundedPool::per_core("hash", max_waiting, Workspace::new) }
    }

    pub async fn hash(&self, password: SecretString) -> Result<PasswordHashString, HashingError> {
        self.pool.run(move |workspace| password::hash_in(&password, workspace)).await
    }

    /// Verifies against the stored hash, or a dummy one when there is none.
    pub async fn verify(
        &self,
        password: SecretString,
        stored: Option<PasswordHashString>,
    ) -> Result<bool, HashingError> {
        self.pool.run(move |workspace| password::verify_in(&password, stored.as_ref(), workspace)).await
    }
}
