//! Data exports.

use accountd_core::export::{Export, ExportStatus};
use accountd_core::ExportId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::rows::{ExportRow, EXPORT_COLUMNS};
use crate::{classify, ExportRepo, StoreError};

for_each_backend! {

#[async_trait]
impl ExportRepo for BackendConn {
    async fn insert_export(&mut self, export: &Export) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO exports (id, user_id, status, progress, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(export.id.as_uuid())
        .bind(export.user_id.as_uuid())
        .bind(export.status.as_str())
        .bind(export.progress)
        .bind(export.created_at)
        .bind(export.expires_at)
        .execute(self.db())
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn export_by_id(&mut self, id: ExportId) -> Result<Option<Export>, StoreError> {
        let row: Option<ExportRow> = sqlx::query_as(&format!("SELECT {EXPORT_COLUMNS} FROM exports WHERE id = $1"))
            .bind(id.as_uuid())
            .fetch_optional(self.db())
            .await?;
        row.map(Export::try_from).transpose()
    }

    async fn set_export_progress(&mut self, id: ExportId, progress: i32) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE exports SET status = $2, progress = $3 WHERE id = $1 AND status IN ($4, $2)",
        )
        .bind(id.as_uuid())
        .bind(ExportStatus::Running.as_str())
        .bind(progress.clamp(0, 100))
        .bind(ExportStatus::Pending.as_str())
        .execute(self.db())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn finish_export(
        &mut self,
        id: ExportId,
        archive_key: &str,
        size_bytes: i64,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE exports SET status = $2, progress = 100, finished_at = $3, archive_key = $4, size_bytes = $5 \
             WHERE id = $1",
        )
        .bind(id.as_uuid())
        .bind(ExportStatus::Done.as_str())
        .bind(at)
        .bind(archive_key)
        .bind(size_bytes)
        .execute(self.db())
        .await?;
        Ok(())
    }

    async fn fail_export(&mut self, id: ExportId, error: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let failed = sqlx::query(
            "UPDATE exports SET status = $2, finished_at = $3, error = $4 WHERE id = $1 AND status IN ($5, $6)",
        )
        .bind(id.as_uuid())
        .bind(ExportStatus::Failed.as_str())
        .bind(at)
        .bind(error)
        .bind(ExportStatus::Pending.as_str())
        .bind(ExportStatus::Running.as_str())
        .execute(self.db())
        .await?;
        Ok(failed.rows_affected() == 1)
    }

    async fn unfinished_exports(&mut self, limit: i64) -> Result<Vec<Export>, StoreError> {
        let rows: Vec<ExportRow> = sqlx::query_as(&format!(
            "SELECT {EXPORT_COLUMNS} FROM exports WHERE status IN ($1, $2) ORDER BY created_at, id LIMIT $3"
        ))
        .bind(ExportStatus::Pending.as_str())
        .bind(ExportStatus::Running.as_str())
        .bind(limit)
        .fetch_all(self.db())
        .await?;
        rows.into_iter().map(Export::try_from).collect()
    }

    async fn expired_exports(&mut self, now: DateTime<Utc>, limit: i64) -> Result<Vec<Export>, StoreError> {
        let rows: Vec<ExportRow> = sqlx::query_as(&format!(
            "SELECT {EXPORT_COLUMNS} FROM exports WHERE expires_at <= $1 ORDER BY expires_at, id LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(self.db())
        .await?;
        rows.into_iter().map(Export::try_from).collect()
    }

    async fn delete_export(&mut self, id: ExportId) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM exports WHERE id = $1").bind(id.as_uuid()).execute(self.db()).await?;
        Ok(())
    }
}

}
