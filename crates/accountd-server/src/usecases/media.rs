//! Avatars and banners: an upload (or a linked account's picture) is judged, decoded and
//! re-encoded on the media worker pool, stored under a fresh key, and then the account
//! is pointed at it in one transaction that also checks the storage limit and records
//! the activity. The object it replaces is deleted after that commit; a crash between the
//! two leaves at worst an orphan, which the sweep removes, never a profile pointing at
//! nothing.

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
use crate::media::picture::{self, Picture};
use crate::media::{MediaKey, MediaStore};
use crate::outbound::OutboundGuard;
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
    fetcher: reqwest::Client,
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
        pool: BoundedPool<()>,
        urls: MediaUrls,
        default_limits: Limits,
        fetcher: reqwest::Client,
    ) -> Self {
        Self { store, clock, objects, pool, urls, default_limits, fetcher }
    }

    /// An HTTP client for linked accounts' pictures: every host goes through the SSRF
    /// guard's resolver, and redirects are followed only to https, a few times.
    pub fn fetcher(guard: OutboundGuard, extra_roots: &[reqwest::Certificate]) -> reqwest::Result<reqwest::Client> {
        let redirects = reqwest::redirect::Policy::custom(|attempt| {
            if attempt.previous().len() >= 3 || attempt.url().scheme() != "https" {
                attempt.stop()
            } else {
                attempt.follow()
            }
        });
        let mut builder = reqwest::Client::builder()
            .dns_resolver(Arc::new(guard))
            .https_only(true)
            .redirect(redirects)
            .timeout(FETCH_TIMEOUT)
            .user_agent("accountd");
        for root in extra_roots {
            builder = builder.add_root_certificate(root.clone());
        }
        builder.build()
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
        let mut response = self.fetcher.get(url).send().await.map_err(failed)?;
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
        self.objects.put(&key, Bytes::from(picture.bytes)).await.map_err(AppError::Internal)?;
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
            tx.commit().await?;
            AppResult::Ok(replaced)
        }
        .await;
        match committed {
            Ok(replaced) => {
                if let Some(replaced) = replaced {
                    self.discard(&replaced.key).await;
                }
                Ok(url)
            }
            Err(error) => {
                // Nothing points at the new object; left behind, the sweep would take it.
                self.discard(object.key.as_str()).await;
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
        tx.commit().await?;
        if let Some(removed) = removed {
            self.discard(&removed.key).await;
        }
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

    /// Deletes the objects of an account that is gone.
    pub async fn discard_all(&self, keys: impl Iterator<Item = &str>) {
        for key in keys {
            self.discard(key).await;
        }
    }

    /// Deletes an object no account points at any more.
    async fn discard(&self, key: &str) {
        let Some(key) = MediaKey::parse(key) else {
            return;
        };
        if let Err(error) = self.objects.delete(&key).await {
            tracing::warn!(%error, %key, "deleting a media object failed; the sweep will remove it");
        }
    }
}
