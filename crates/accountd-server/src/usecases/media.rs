//! Avatars and banners: an upload (or a linked account's picture) is judged, decoded and
//! re-encoded on the media worker pool, stored under a fresh key, and then the account
//! is pointed at it in one transaction that also checks the storage limit and records
//! the activity. The object it replaces is deleted by a [`DeleteMedia`] job queued in that
//! transaction, so it runs only once the account points elsewhere; an object whose
//! transaction never committed is an orphan that the hourly [`SweepMedia`] removes. A crash
//! anywhere leaves at worst an orphan, never a profile pointing at nothing.

use std::sync::Arc;
use std::time::Duration;

use accountd_core::access::Limits;
use accountd_core::activity::ActivityAction;
use accountd_core::media::{MediaObject, MediaSlot, MAX_UPLOAD_BYTES};
use accountd_core::user::{ClientInfo, User};
use accountd_core::{Clock, DomainError, UserId};
use accountd_store::Store;
use bytes::Bytes;
use serde_json::json;

use super::tokens::effective_limits;
use super::{activity, AppError, AppResult};
use crate::jobs::{self, Job, JobFailure, JobHandler, JobQueue};
use crate::media::picture::{self, Picture};
use crate::media::{MediaKey, MediaStore};
use crate::outbound::Outbound;
use crate::workers::{BoundedPool, PoolError};

/// How long an unreferenced object is left alone by the sweep: an upload stores its
/// object before the transaction that points the account at it commits.
pub const ORPHAN_GRACE: chrono::Duration = chrono::Duration::hours(1);

/// How long fetching a linked account's picture may take in all.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Where pictures are linked from: `{base}/{key}`.
#[derive(Debug, Clone)]
pub struct MediaUrls {
    pub base: String,
}

impl MediaUrls {
    pub fn of(&self, key: &MediaKey) -> String {
        format!("{}/{key}", self.base.trim_end_matches('/'))
    }
}

pub struct Media {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    objects: Arc<dyn MediaStore>,
    pool: BoundedPool<()>,
    urls: MediaUrls,
    default_limits: Limits,
    outbound: Outbound,
    jobs: Arc<JobQueue>,
}

/// How pictures are processed, linked, limited and fetched.
pub struct MediaSettings {
    /// The image threads.
    pub pool: BoundedPool<()>,
    pub urls: MediaUrls,
    /// The configured limits (storage among them), before an account's overrides.
    pub default_limits: Limits,
    /// The one guarded client for URLs from outside ([`Outbound`]): linked accounts'
    /// pictures are fetched through it.
    pub outbound: Outbound,
}

/// Deletes a stored object that no account points at any more (a replaced or removed
/// picture, a deleted account's). Queued in the transaction that let go of it.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct DeleteMedia {
    pub key: String,
}

impl Job for DeleteMedia {
    const KIND: &'static str = "media.delete";
}

/// The hourly sweep of orphans: objects no account points at, older than [`ORPHAN_GRACE`].
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct SweepMedia {}

impl Job for SweepMedia {
    const KIND: &'static str = "media.sweep";
    const MAX_ATTEMPTS: i32 = 3;
}

/// A picture served by `GET /v1/media/{key}`.
pub struct Served {
    pub bytes: Bytes,
    pub content_type: &'static str,
    pub etag: String,
}

impl Media {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        objects: Arc<dyn MediaStore>,
        settings: MediaSettings,
        jobs: Arc<JobQueue>,
    ) -> Self {
        let MediaSettings { pool, urls, default_limits, outbound } = settings;
        Self { store, clock, objects, pool, urls, default_limits, outbound, jobs }
    }

    /// `POST /v1/me/avatar`, `POST /v1/me/banner`: returns the picture's URL.
    pub async fn upload(&self, user: &User, slot: MediaSlot, file: Bytes, client: &ClientInfo) -> AppResult<String> {
        if file.len() > MAX_UPLOAD_BYTES {
            return Err(DomainError::MediaTooLarge.into());
        }
        // Judged before the pool is asked: a file of another kind costs no thread.
        if picture::PictureFormat::sniff(&file).is_none() {
            return Err(DomainError::MediaUnsupportedType.into());
        }
        let processed =
            self.pool.run(move |()| picture::process(&file, slot)).await.map_err(|error| match error {
                PoolError::Overloaded => AppError::Overloaded,
                failed @ PoolError::Failed(_) => AppError::Internal(Box::new(failed)),
            })??;
        metrics::counter!("accountd_media_uploads_total", "slot" => slot.as_str()).increment(1);
        self.store_picture(user.id, slot, processed, client).await
    }

    /// `POST /v1/me/avatar/linked`: the picture of the account's identity at `provider`,
    /// fetched by the server through the SSRF guard, then the same intake as an upload.
    pub async fn use_linked_avatar(&self, user: &User, provider: &str, client: &ClientInfo) -> AppResult<String> {
        let linked = self.store.reader().await?.linked_accounts_of(user.id).await?;
        let identity = linked.into_iter().find(|account| account.provider == provider);
        let identity = identity.ok_or(DomainError::OAuthNotLinked)?;
        let url = identity.avatar_url.ok_or(DomainError::OAuthProviderError)?;
        let file = self.fetch(&url).await?;
        self.upload(user, MediaSlot::Avatar, file, client).await
    }

    /// Reads at most [`MAX_UPLOAD_BYTES`] of the picture at `url`.
    async fn fetch(&self, url: &str) -> AppResult<Bytes> {
        let failed = |error: reqwest::Error| {
            tracing::info!(error = %error, "fetching a linked account's picture failed");
            DomainError::OAuthProviderError
        };
        let url = url::Url::parse(url).map_err(|_| DomainError::OAuthProviderError)?;
        let sent = self.outbound.send(&url, |client| client.get(url.clone()), FETCH_TIMEOUT).await;
        let mut response = sent.map_err(|error| {
            tracing::info!(%error, "fetching a linked account's picture failed");
            DomainError::OAuthProviderError
        })?;
        if !response.status().is_success() {
            return Err(DomainError::OAuthProviderError.into());
        }
        if response.content_length().is_some_and(|length| length > MAX_UPLOAD_BYTES as u64) {
            return Err(DomainError::MediaTooLarge.into());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > MAX_UPLOAD_BYTES {
                return Err(DomainError::MediaTooLarge.into());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(body))
    }

    /// Stores the object, then points the account at it in one transaction.
    async fn store_picture(
        &self,
        user: UserId,
        slot: MediaSlot,
        picture: Picture,
        client: &ClientInfo,
    ) -> AppResult<String> {
        let key = MediaKey::new(&picture.digest, picture.format);
        let url = self.urls.of(&key);
        let size = picture.bytes.len() as i64;
        self.objects.put(&key, Bytes::from(picture.bytes)).await.map_err(AppError::MediaUnavailable)?;
        let now = self.clock.now();
        let object = MediaObject { user_id: user, slot, key: key.to_string(), bytes: size, created_at: now };
        let committed = async {
            let mut tx = self.store.begin().await?;
            let limits = effective_limits(&mut *tx, self.default_limits, user).await?;
            let replaced = tx.replace_media(&object, &url).await?;
            let used: i64 = tx.media_of(user).await?.iter().map(|media| media.bytes).sum();
            if used > limits.storage_bytes {
                return Err(DomainError::LimitExceeded("storage").into());
            }
            let action = match slot {
                MediaSlot::Avatar => ActivityAction::AvatarChanged,
                MediaSlot::Banner => ActivityAction::BannerChanged,
            };
            tx.insert_activity(&activity(user, action, client, now, json!({ "url": url }))).await?;
            if let Some(replaced) = replaced {
                jobs::enqueue(&mut *tx, &DeleteMedia { key: replaced.key }, now).await?;
            }
            tx.commit().await?;
            AppResult::Ok(())
        }
        .await;
        match committed {
            Ok(()) => {
                self.jobs.wake();
                Ok(url)
            }
            Err(error) => {
                // Nothing points at the new object; left behind, the sweep would take it.
                if let Err(failure) = self.objects.delete(&key).await {
                    tracing::warn!(error = %failure, %key, "deleting an unused upload failed; the sweep will remove it");
                }
                Err(error)
            }
        }
    }

    /// `DELETE /v1/me/avatar`, `DELETE /v1/me/banner`; nothing to remove is fine.
    pub async fn remove(&self, user: &User, slot: MediaSlot, client: &ClientInfo) -> AppResult<()> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let removed = tx.remove_media(user.id, slot, now).await?;
        let action = match slot {
            MediaSlot::Avatar => ActivityAction::AvatarChanged,
            MediaSlot::Banner => ActivityAction::BannerChanged,
        };
        tx.insert_activity(&activity(user.id, action, client, now, json!({ "url": null }))).await?;
        if let Some(removed) = removed {
            jobs::enqueue(&mut *tx, &DeleteMedia { key: removed.key }, now).await?;
        }
        tx.commit().await?;
        self.jobs.wake();
        Ok(())
    }

    /// `GET /v1/media/{key}`: `None` for anything that is not a stored picture.
    pub async fn serve(&self, raw_key: &str) -> AppResult<Option<Served>> {
        let Some(key) = MediaKey::parse(raw_key) else {
            return Ok(None);
        };
        let bytes = self.objects.get(&key).await.map_err(AppError::Internal)?;
        Ok(bytes.map(|bytes| Served { bytes, content_type: key.format().content_type(), etag: key.etag() }))
    }

    /// Deletes the objects no account points at that are older than `grace`; returns how many.
    pub async fn sweep_orphans(&self, grace: chrono::Duration) -> AppResult<u64> {
        let before = self.clock.now() - grace;
        let mut swept = 0;
        for object in self.objects.list().await.map_err(AppError::Internal)? {
            if object.last_modified >= before
                || self.store.reader().await?.media_key_in_use(object.key.as_str()).await?
            {
                continue;
            }
            self.objects.delete(&object.key).await.map_err(AppError::Internal)?;
            swept += 1;
        }
        Ok(swept)
    }
}

#[async_trait::async_trait]
impl JobHandler<DeleteMedia> for Arc<Media> {
    async fn run(&self, job: DeleteMedia) -> Result<(), JobFailure> {
        let Some(key) = MediaKey::parse(&job.key) else {
            return Err(JobFailure::Permanent(format!("{} is not a media key", job.key)));
        };
        // Keys are never reused, so this holds only if something went badly wrong; even
        // then, never delete what a profile points at.
        if self.store.reader().await?.media_key_in_use(key.as_str()).await? {
            return Err(JobFailure::Permanent(format!("{key} is in use")));
        }
        self.objects.delete(&key).await.map_err(|error| JobFailure::Retry(error.to_string()))
    }
}

#[async_trait::async_trait]
impl JobHandler<SweepMedia> for Arc<Media> {
    async fn run(&self, _: SweepMedia) -> Result<(), JobFailure> {
        let swept = self.sweep_orphans(ORPHAN_GRACE).await.map_err(|error| JobFailure::Retry(error.to_string()))?;
        if swept > 0 {
            tracing::info!(swept, "removed orphaned media objects");
        }
        Ok(())
    }
}
