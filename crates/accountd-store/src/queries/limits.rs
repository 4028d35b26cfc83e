//! Request allowances shared by every node (migration 0019).

use async_trait::async_trait;

use crate::{RateLimitDecision, RateLimitRepo, StoreError};

for_each_backend! {

#[async_trait]
impl RateLimitRepo for BackendConn {
    async fn take_rate_limit(
        &mut self,
        key: &str,
        now_ms: i64,
        interval_ms: i64,
        tolerance_ms: i64,
    ) -> Result<RateLimitDecision, StoreError> {
        // One statement: concurrent requests of one key, on any node, queue on its row,
        // and each sees the arrival time the previous one left. The SET expressions all
        // read the row as it was before this request. Built once per backend (this body is
        // stamped for each), since it runs on every limited request.
        static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let sql = SQL.get_or_init(|| {
            let greatest = Self::GREATEST;
            format!(
                "INSERT INTO rate_limits (key, tat, allowed) VALUES ($1, $2 + $3, TRUE) \
                 ON CONFLICT (key) DO UPDATE SET \
                 allowed = ({greatest}(rate_limits.tat, $2) - $2 <= $4), \
                 tat = CASE WHEN {greatest}(rate_limits.tat, $2) - $2 <= $4 \
                       THEN {greatest}(rate_limits.tat, $2) + $3 ELSE rate_limits.tat END \
                 RETURNING tat, allowed"
            )
        });
        let (tat, allowed): (i64, bool) = sqlx::query_as(sql.as_str())
            .bind(key)
            .bind(now_ms)
            .bind(interval_ms)
            .bind(tolerance_ms)
            .fetch_one(self.db())
            .await?;
        Ok(if allowed {
            RateLimitDecision::Allowed
        } else {
            RateLimitDecision::Refused { wait_ms: (tat - tolerance_ms - now_ms).max(1) }
        })
    }

    async fn prune_rate_limits(&mut self, now_ms: i64) -> Result<u64, StoreError> {
        let result = sqlx::query("DELETE FROM rate_limits WHERE tat <= $1").bind(now_ms).execute(self.db()).await?;
        Ok(result.rows_affected())
    }
}

}
