//! Data export: a request queues a job that writes the archive ([`crate::export`]),
//! stores it, and records `export.completed`; a sweep removes archives past their expiry.

use std::sync::Arc;

use accountd_core::activity::ActivityAction;
use accountd_core::export::{Export, ExportStatus};
use accountd_core::user::ClientInfo;
use accountd_core::{Clock, DomainError, ExportId, UserId};
use accountd_store::{FeedTopic, Store};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::{activity, AppResult};
use crate::export::{write_archive, ArchiveError, ArchiveStore};
use crate::jobs::{enqueue, Job, JobFailure, JobHandler, JobQueue};

/// Builds the archive of one export.
#[derive(Debug, Serialize, Deserialize)]
pub struct BuildExport {
    pub export: ExportId,
}

impl Job for BuildExport {
    const KIND: &'static str = "export.build";
    const MAX_ATTEMPTS: i32 = 5;
}

/// Deletes the archives (and records) of exports past their expiry.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SweepExports;

impl Job for SweepExports {
    const KIND: &'static str = "export.sweep";
}

pub struct Exports {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    jobs: Arc<JobQueue>,
    archives: Arc<dyn ArchiveStore>,
    storage_limit: u64,
}

impl Exports {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        jobs: Arc<JobQueue>,
        archives: Arc<dyn ArchiveStore>,
        storage_limit: u64,
    ) -> Self {
        Self { store, clock, jobs, archives, storage_limit }
    }

    /// Queues an export of the account; `export:in_progress` while one is pending or running.
    pub async fn request(&self, user: UserId) -> AppResult<Export> {
        let export = Export::requested(user, self.clock.now());
        let mut tx = self.store.begin().await?;
        tx.insert_export(&export).await?;
        enqueue(tx.as_mut(), &BuildExport { export: export.id }, export.created_at).await?;
        publish(tx.as_mut(), &export).await?;
        tx.commit().await?;
        self.jobs.wake();
        Ok(export)
    }

    /// The account's export; another account's, or one that expired, is not found.
    pub async fn status(&self, user: UserId, id: ExportId) -> AppResult<Export> {
        let export = self.store.reader().await?.export_by_id(id).await?;
        match export {
            Some(export) if export.user_id == user && export.expires_at > self.clock.now() => Ok(export),
            _ => Err(DomainError::ExportNotFound.into()),
        }
    }

    /// The finished archive, opened for download.
    pub async fn download(&self, user: UserId, id: ExportId) -> AppResult<(Export, tokio::fs::File)> {
        let export = self.status(user, id).await?;
        let Some(key) = export.archive_key.as_deref().filter(|_| export.status == ExportStatus::Done) else {
            return Err(DomainError::ExportNotReady.into());
        };
        let file = self.archives.open(key).await.map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => DomainError::ExportNotFound.into(),
            _ => super::AppError::Internal(Box::new(error)),
        })?;
        Ok((export, file))
    }

    /// Writes the archive of a pending or running export, stores it, and marks it done.
    /// Run again after an interruption, it starts over.
    async fn build(&self, id: ExportId) -> Result<(), JobFailure> {
        let Some(export) = self.store.reader().await?.export_by_id(id).await? else {
            return Ok(()); // gone with its account
        };
        if !export.status.in_progress() {
            return Ok(());
        }
        self.set_progress(&export, 0).await?;
        let key = format!("{}.zip", export.id);
        let staged = self.archives.staging_path(&key);
        if let Some(dir) = staged.parent() {
            std::fs::create_dir_all(dir).map_err(|error| JobFailure::Retry(error.to_string()))?;
        }
        let file = std::fs::File::create(&staged).map_err(|error| JobFailure::Retry(error.to_string()))?;

        let (progress, mut watched) = watch::channel(0u8);
        let reporter = async {
            while watched.changed().await.is_ok() {
                let value = *watched.borrow_and_update();
                if let Err(error) = self.set_progress(&export, i32::from(value.min(99))).await {
                    tracing::warn!(%error, "recording an export's progress failed");
                }
            }
        };
        let writing = async {
            let written =
                write_archive(&self.store, export.user_id, self.clock.now(), self.storage_limit, file, &progress).await;
            drop(progress);
            written
        };
        let (written, ()) = tokio::join!(writing, reporter);
        let size = match written {
            Ok(size) => size,
            Err(error) => {
                let _ = std::fs::remove_file(&staged);
                return Err(match error {
                    ArchiveError::NoSuchAccount => JobFailure::Permanent(error.to_string()),
                    other => JobFailure::Retry(other.to_string()),
                });
            }
        };
        self.archives.put(&key, &staged).await.map_err(|error| JobFailure::Retry(error.to_string()))?;

        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.finish_export(export.id, &key, i64::try_from(size).unwrap_or(i64::MAX), now).await?;
        let done = Export {
            status: ExportStatus::Done,
            progress: 100,
            finished_at: Some(now),
            archive_key: Some(key),
            size_bytes: Some(i64::try_from(size).unwrap_or(i64::MAX)),
            ..export
        };
        let metadata = serde_json::json!({ "exportId": done.id, "sizeBytes": done.size_bytes });
        // The job runs on no request's behalf: no address or user agent.
        let background = ClientInfo { ip: None, user_agent: None, device: accountd_core::user::Device::unknown() };
        let row = activity(done.user_id, ActivityAction::ExportCompleted, &background, now, metadata);
        tx.insert_activity(&row).await?;
        publish(tx.as_mut(), &done).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a failure for good, so the account may ask again.
    async fn give_up(&self, id: ExportId, reason: &str) -> Result<(), JobFailure> {
        let mut tx = self.store.begin().await?;
        tx.fail_export(id, reason, self.clock.now()).await?;
        if let Some(export) = tx.export_by_id(id).await? {
            publish(tx.as_mut(), &export).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn set_progress(&self, export: &Export, progress: i32) -> Result<(), JobFailure> {
        let mut tx = self.store.begin().await?;
        if tx.set_export_progress(export.id, progress).await? {
            let running = Export { status: ExportStatus::Running, progress, ..export.clone() };
            publish(tx.as_mut(), &running).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes every export past its expiry with its archive, and the archives no export
    /// names any more (an erased account's exports go with it); returns how many archives.
    pub async fn sweep(&self) -> AppResult<u64> {
        let internal = |error: std::io::Error| super::AppError::Internal(Box::new(error));
        let mut swept = 0;
        loop {
            let expired = self.store.reader().await?.expired_exports(self.clock.now(), 100).await?;
            if expired.is_empty() {
                break;
            }
            for export in expired {
                if let Some(key) = &export.archive_key {
                    self.archives.delete(key).await.map_err(internal)?;
                }
                self.store.reader().await?.delete_export(export.id).await?;
                swept += 1;
            }
        }
        // An hour's grace: an archive is stored just before its export is marked done.
        let settled = self.clock.now() - chrono::Duration::hours(1);
        for (key, written) in self.archives.list().await.map_err(internal)? {
            let id = key.strip_suffix(".zip").and_then(|id| id.parse::<ExportId>().ok());
            let known = match id {
                Some(id) => self.store.reader().await?.export_by_id(id).await?.is_some(),
                None => false,
            };
            if !known && written < settled {
                self.archives.delete(&key).await.map_err(internal)?;
                swept += 1;
            }
        }
        Ok(swept)
    }
}

/// The export's state as its event stream carries it.
async fn publish(conn: &mut dyn accountd_store::Conn, export: &Export) -> Result<(), accountd_store::StoreError> {
    let payload = serde_json::json!({
        "exportId": export.id,
        "status": export.status.as_str(),
        "progress": export.progress,
    });
    conn.append_feed_event(FeedTopic::EXPORT, Some(export.user_id), &payload).await
}

/// The `export.build` job.
pub struct ExportBuilder(pub Arc<Exports>);

#[async_trait::async_trait]
impl JobHandler<BuildExport> for ExportBuilder {
    async fn run(&self, job: BuildExport) -> Result<(), JobFailure> {
        match self.0.build(job.export).await {
            Err(JobFailure::Permanent(reason)) => {
                self.0.give_up(job.export, &reason).await?;
                Err(JobFailure::Permanent(reason))
            }
            other => other,
        }
    }
}

/// The `export.sweep` job.
pub struct ExportSweeper(pub Arc<Exports>);

#[async_trait::async_trait]
impl JobHandler<SweepExports> for ExportSweeper {
    async fn run(&self, _job: SweepExports) -> Result<(), JobFailure> {
        let swept = self.0.sweep().await.map_err(|error| JobFailure::Retry(error.to_string()))?;
        tracing::debug!(swept, "expired exports deleted");
        Ok(())
    }
}
