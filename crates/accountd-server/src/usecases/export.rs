//! Data export: a request queues a job that writes the archive ([`crate::export`]),
//! stores it through the media storage port (local files or S3, so with S3 any node
//! serves the download), and records `export.completed`; a sweep removes archives past
//! their expiry.
//!
//! The ZIP writer needs to seek back over each file's header, so the archive is written
//! into a staging file under `{data dir}/tmp` first and then streamed into the store in
//! chunks; the staging file is removed when the attempt ends, however it ends, and the
//! sweep removes what a crashed process left there.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use accountd_core::activity::ActivityAction;
use accountd_core::export::{Export, ExportStatus};
use accountd_core::user::ClientInfo;
use accountd_core::{Clock, DomainError, ExportId, UserId};
use accountd_store::{FeedTopic, Store};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::{activity, AppError, AppResult};
use crate::export::{write_archive, ArchiveError, ArchiveSources};
use crate::jobs::{enqueue, Job, JobFailure, JobHandler, JobQueue};
use crate::media::{MediaStore, ObjectKey, ObjectStream};

/// How long leftovers (a crashed attempt's staging file, an archive stored just before
/// its export was marked done) are left alone by the sweep.
const SETTLE: chrono::Duration = chrono::Duration::hours(1);
/// Bytes read from the staging file per chunk sent to the store.
const CHUNK: usize = 256 * 1024;

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
    objects: Arc<dyn MediaStore>,
    sources: ArchiveSources,
    /// Where archives are written before they are stored (`{data dir}/tmp`).
    staging: PathBuf,
}

/// A staging file, removed when dropped (the attempt ended, however it ended).
struct Staged(PathBuf);

impl Drop for Staged {
    fn drop(&mut self) {
        match std::fs::remove_file(&self.0) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => tracing::warn!(%error, path = %self.0.display(), "removing an export's staging file failed"),
        }
    }
}

impl Exports {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        jobs: Arc<JobQueue>,
        sources: ArchiveSources,
        staging: PathBuf,
    ) -> Self {
        Self { store, clock, jobs, objects: sources.objects.clone(), sources, staging }
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

    /// The finished archive, opened for download as a stream of chunks.
    pub async fn download(&self, user: UserId, id: ExportId) -> AppResult<(Export, ObjectStream)> {
        let export = self.status(user, id).await?;
        if export.status != ExportStatus::Done || export.archive_key.is_none() {
            return Err(DomainError::ExportNotReady.into());
        }
        let opened = self.objects.get_stream(&ObjectKey::Archive(export.id)).await.map_err(AppError::Internal)?;
        let archive = opened.ok_or(DomainError::ExportNotFound)?;
        Ok((export, archive))
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
        let object = ObjectKey::Archive(export.id);
        let key = object.to_string();
        std::fs::create_dir_all(&self.staging).map_err(|error| JobFailure::Retry(error.to_string()))?;
        // One file per attempt: an interrupted attempt's writer may still be finishing.
        let staged =
            Staged(self.staging.join(format!("export-{}-{}.partial", export.id, uuid::Uuid::now_v7().simple())));
        let file = std::fs::File::create(&staged.0).map_err(|error| JobFailure::Retry(error.to_string()))?;

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
                write_archive(&self.store, &self.sources, export.user_id, self.clock.now(), file, &progress).await;
            drop(progress);
            written
        };
        let (written, ()) = tokio::join!(writing, reporter);
        if let Err(error) = written {
            return Err(match error {
                ArchiveError::NoSuchAccount => JobFailure::Permanent(error.to_string()),
                other => JobFailure::Retry(other.to_string()),
            });
        }
        let size =
            self.store_archive(&object, &staged.0).await.map_err(|error| JobFailure::Retry(error.to_string()))?;
        drop(staged);

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

    /// Streams the staged archive into the store, a chunk at a time.
    async fn store_archive(&self, object: &ObjectKey, staged: &Path) -> Result<u64, super::BoxError> {
        let file = tokio::fs::File::open(staged).await?;
        let chunks = futures::stream::try_unfold(file, |mut file| async move {
            use tokio::io::AsyncReadExt as _;
            let mut buffer = vec![0u8; CHUNK];
            let read = file.read(&mut buffer).await.map_err(super::BoxError::from)?;
            if read == 0 {
                return Ok::<_, super::BoxError>(None);
            }
            buffer.truncate(read);
            Ok(Some((bytes::Bytes::from(buffer), file)))
        });
        let chunks = futures::StreamExt::boxed(chunks);
        self.objects.put_stream(object, chunks).await
    }

    /// Records a failure for good (`failed`, with the reason), so the account may ask
    /// again; an export already finished is left as it is.
    async fn give_up(&self, id: ExportId, reason: &str) -> Result<(), accountd_store::StoreError> {
        let mut tx = self.store.begin().await?;
        if tx.fail_export(id, reason, self.clock.now()).await? {
            if let Some(export) = tx.export_by_id(id).await? {
                publish(tx.as_mut(), &export).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Marks failed the pending or running exports whose build job is no longer pending
    /// (failed for good, or gone) while the node that ran it could not say so; returns how many.
    async fn fail_stalled(&self) -> AppResult<u64> {
        let unfinished = self.store.reader().await?.unfinished_exports(1000).await?;
        let mut failed = 0;
        for export in unfinished {
            let payload = serde_json::to_string(&BuildExport { export: export.id })
                .map_err(|error| AppError::Internal(Box::new(error)))?;
            if !self.store.reader().await?.pending_job_exists(BuildExport::KIND, &payload).await? {
                self.give_up(export.id, "the export's job stopped before it finished").await?;
                failed += 1;
            }
        }
        Ok(failed)
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
        let stalled = self.fail_stalled().await?;
        if stalled > 0 {
            tracing::warn!(stalled, "exports whose job had stopped are marked failed");
        }
        let mut swept = 0;
        loop {
            let expired = self.store.reader().await?.expired_exports(self.clock.now(), 100).await?;
            if expired.is_empty() {
                break;
            }
            for export in expired {
                if export.archive_key.is_some() {
                    self.objects.delete_object(&ObjectKey::Archive(export.id)).await.map_err(AppError::Internal)?;
                }
                self.store.reader().await?.delete_export(export.id).await?;
                swept += 1;
            }
        }
        // An hour's grace: an archive is stored just before its export is marked done.
        let settled = self.clock.now() - SETTLE;
        for (id, written) in self.objects.list_archives().await.map_err(AppError::Internal)? {
            let known = self.store.reader().await?.export_by_id(id).await?.is_some();
            if !known && written < settled {
                self.objects.delete_object(&ObjectKey::Archive(id)).await.map_err(AppError::Internal)?;
                swept += 1;
            }
        }
        // What crashed attempts left: staging files here, unfinished uploads in the store.
        let abandoned = self.objects.remove_abandoned_uploads(settled).await.map_err(AppError::Internal)?;
        let staged =
            remove_stale_staging(&self.staging, settled).map_err(|error| AppError::Internal(Box::new(error)))?;
        if abandoned + staged > 0 {
            tracing::info!(abandoned, staged, "removed what interrupted exports left behind");
        }
        Ok(swept)
    }
}

/// Removes the staging files in `dir` last written before `before`; returns how many.
fn remove_stale_staging(dir: &Path, before: chrono::DateTime<chrono::Utc>) -> std::io::Result<u64> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(error),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let written = chrono::DateTime::<chrono::Utc>::from(entry.metadata()?.modified()?);
        if name.starts_with("export-") && name.ends_with(".partial") && written < before {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => removed += 1,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(error),
            }
        }
    }
    Ok(removed)
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
        self.0.build(job.export).await
    }

    /// A permanent failure or the last attempt's: the export is `failed`, and a new one
    /// may be asked for.
    async fn gave_up(&self, job: BuildExport, reason: &str) {
        if let Err(error) = self.0.give_up(job.export, reason).await {
            tracing::warn!(%error, export = %job.export, "marking an export failed did not work; the sweep will");
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
