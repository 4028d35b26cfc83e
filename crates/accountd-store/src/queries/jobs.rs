//! The job queue (migration 0011).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{ClaimedJob, JobRepo, NewJob, StoreError};

#[derive(sqlx::FromRow)]
struct ClaimedJobRow {
    id: Uuid,
    kind: String,
    payload: String,
    attempts: i32,
    max_attempts: i32,
}

impl From<ClaimedJobRow> for ClaimedJob {
    fn from(row: ClaimedJobRow) -> Self {
        Self { id: row.id, kind: row.kind, payload: row.payload, attempt: row.attempts, max_attempts: row.max_attempts }
    }
}

for_each_backend! {

#[async_trait]
impl JobRepo for BackendConn {
    async fn enqueue_job(&mut self, job: &NewJob<'_>, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "INSERT INTO jobs (id, kind, payload, about, dedupe_key, max_attempts, run_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(job.id)
        .bind(job.kind)
        .bind(job.payload)
        .bind(job.about)
        .bind(job.dedupe_key)
        .bind(job.max_attempts)
        .bind(job.run_at)
        .bind(at)
        .execute(self.db())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn has_due_jobs(&mut self, kind: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let due: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM jobs WHERE kind = $1 AND status = 'pending' AND run_at <= $2 \
             AND (leased_until IS NULL OR leased_until <= $2) AND attempts < max_attempts)",
        )
        .bind(kind)
        .bind(now)
        .fetch_one(self.db())
        .await?;
        Ok(due)
    }

    async fn claim_jobs(
        &mut self,
        kind: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<ClaimedJob>, StoreError> {
        // PostgreSQL: workers on other nodes pass over rows another is claiming instead of
        // waiting. SQLite has one writer at a time, so the claiming UPDATE is atomic across
        // workers.
        let mut rows: Vec<ClaimedJobRow> = sqlx::query_as(&format!(
            "UPDATE jobs SET leased_until = $1, attempts = attempts + 1 WHERE id IN \
             (SELECT id FROM jobs WHERE kind = $2 AND status = 'pending' AND run_at <= $3 \
              AND (leased_until IS NULL OR leased_until <= $3) AND attempts < max_attempts \
              ORDER BY run_at, id LIMIT $4 {}) \
             RETURNING id, kind, payload, attempts, max_attempts",
            Self::FOR_UPDATE_SKIP_LOCKED
        ))
        .bind(lease_until)
        .bind(kind)
        .bind(now)
        .bind(limit)
        .fetch_all(self.db())
        .await?;
        // RETURNING gives no order; ids are time-ordered (v7), so this is the order of queueing.
        rows.sort_by_key(|row| row.id);
        Ok(rows.into_iter().map(ClaimedJob::from).collect())
    }

    async fn extend_job_lease(&mut self, job: &ClaimedJob, lease_until: DateTime<Utc>) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE jobs SET leased_until = $1 WHERE id = $2 AND attempts = $3 AND status = 'pending'",
        )
        .bind(lease_until)
        .bind(job.id)
        .bind(job.attempt)
        .execute(self.db())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn finish_job(&mut self, job: &ClaimedJob, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE jobs SET status = 'done', payload = '{}', about = NULL, finished_at = $1, leased_until = NULL, \
             last_error = NULL WHERE id = $2 AND attempts = $3 AND status = 'pending'",
        )
        .bind(at)
        .bind(job.id)
        .bind(job.attempt)
        .execute(self.db())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn retry_job(
        &mut self,
        job: &ClaimedJob,
        run_at: DateTime<Utc>,
        error: &str,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE jobs SET run_at = $1, last_error = $2, leased_until = NULL \
             WHERE id = $3 AND attempts = $4 AND status = 'pending'",
        )
        .bind(run_at)
        .bind(error)
        .bind(job.id)
        .bind(job.attempt)
        .execute(self.db())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn fail_job(&mut self, job: &ClaimedJob, error: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE jobs SET status = 'failed', last_error = $1, finished_at = $2, leased_until = NULL \
             WHERE id = $3 AND attempts = $4 AND status = 'pending'",
        )
        .bind(error)
        .bind(at)
        .bind(job.id)
        .bind(job.attempt)
        .execute(self.db())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn prune_jobs(&mut self, done_before: DateTime<Utc>, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let deleted = sqlx::query("DELETE FROM jobs WHERE status = 'done' AND finished_at < $1")
            .bind(done_before)
            .execute(self.db())
            .await?;
        let abandoned = sqlx::query(
            "UPDATE jobs SET status = 'failed', finished_at = $1, leased_until = NULL, \
             last_error = 'the worker stopped during the last attempt' \
             WHERE status = 'pending' AND attempts >= max_attempts AND leased_until <= $1",
        )
        .bind(now)
        .execute(self.db())
        .await?;
        Ok(deleted.rows_affected() + abandoned.rows_affected())
    }

    async fn pending_job_exists(&mut self, kind: &str, payload: &str) -> Result<bool, StoreError> {
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM jobs WHERE kind = $1 AND status = 'pending' AND payload = $2)",
        )
        .bind(kind)
        .bind(payload)
        .fetch_one(self.db())
        .await?;
        Ok(exists)
    }

    async fn job_status(&mut self, id: Uuid) -> Result<Option<(String, i32)>, StoreError> {
        let row: Option<(String, i32)> = sqlx::query_as("SELECT status, attempts FROM jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(self.db())
            .await?;
        Ok(row)
    }
}

}
