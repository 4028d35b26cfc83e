//! The avatar and banner of accounts.

use accountd_core::media::{MediaObject, MediaSlot};
use accountd_core::UserId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{MediaRepo, StoreError};

#[derive(sqlx::FromRow)]
struct MediaRow {
    user_id: Uuid,
    slot: String,
    object_key: String,
    bytes: i64,
    created_at: DateTime<Utc>,
}

impl TryFrom<MediaRow> for MediaObject {
    type Error = StoreError;

    fn try_from(row: MediaRow) -> Result<Self, StoreError> {
        let slot =
            MediaSlot::parse(&row.slot).ok_or_else(|| StoreError::Corrupt(format!("media slot {}", row.slot)))?;
        Ok(Self {
            user_id: UserId::from_uuid(row.user_id),
            slot,
            key: row.object_key,
            bytes: row.bytes,
            created_at: row.created_at,
        })
    }
}

const MEDIA_COLUMNS: &str = "user_id, slot, object_key, bytes, created_at";

/// The profile column that holds the URL of a slot's picture.
fn url_column(slot: MediaSlot) -> &'static str {
    match slot {
        MediaSlot::Avatar => "avatar_url",
        MediaSlot::Banner => "banner_url",
    }
}

for_each_backend! {

#[async_trait]
impl MediaRepo for BackendConn {
    async fn media_of(&mut self, user: UserId) -> Result<Vec<MediaObject>, StoreError> {
        let rows: Vec<MediaRow> =
            sqlx::query_as(&format!("SELECT {MEDIA_COLUMNS} FROM media WHERE user_id = $1 ORDER BY slot"))
                .bind(user.as_uuid())
                .fetch_all(self.db())
                .await?;
        rows.into_iter().map(MediaObject::try_from).collect()
    }

    async fn replace_media(&mut self, object: &MediaObject, url: &str) -> Result<Option<MediaObject>, StoreError> {
        // The account's row first: it is the lock that orders every change of the
        // account's media, so the byte count below sees the others' committed rows.
        sqlx::query(&format!("UPDATE users SET {} = $1, updated_at = $2 WHERE id = $3", url_column(object.slot)))
            .bind(url)
            .bind(object.created_at)
            .bind(object.user_id.as_uuid())
            .execute(self.db())
            .await?;
        let old: Option<MediaRow> = sqlx::query_as(&format!(
            "SELECT {MEDIA_COLUMNS} FROM media WHERE user_id = $1 AND slot = $2 {}",
            Self::FOR_UPDATE
        ))
        .bind(object.user_id.as_uuid())
        .bind(object.slot.as_str())
        .fetch_optional(self.db())
        .await?;
        sqlx::query(
            "INSERT INTO media (user_id, slot, object_key, bytes, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (user_id, slot) DO UPDATE SET object_key = excluded.object_key, \
             bytes = excluded.bytes, created_at = excluded.created_at",
        )
        .bind(object.user_id.as_uuid())
        .bind(object.slot.as_str())
        .bind(&object.key)
        .bind(object.bytes)
        .bind(object.created_at)
        .execute(self.db())
        .await?;
        recount_media_bytes(self, object.user_id).await?;
        old.map(MediaObject::try_from).transpose()
    }

    async fn remove_media(
        &mut self,
        user: UserId,
        slot: MediaSlot,
        at: DateTime<Utc>,
    ) -> Result<Option<MediaObject>, StoreError> {
        sqlx::query(&format!("UPDATE users SET {} = NULL, updated_at = $1 WHERE id = $2", url_column(slot)))
            .bind(at)
            .bind(user.as_uuid())
            .execute(self.db())
            .await?;
        let old: Option<MediaRow> = sqlx::query_as(&format!(
            "DELETE FROM media WHERE user_id = $1 AND slot = $2 RETURNING {MEDIA_COLUMNS}"
        ))
        .bind(user.as_uuid())
        .bind(slot.as_str())
        .fetch_optional(self.db())
        .await?;
        recount_media_bytes(self, user).await?;
        old.map(MediaObject::try_from).transpose()
    }

    async fn media_key_in_use(&mut self, key: &str) -> Result<bool, StoreError> {
        let used: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM media WHERE object_key = $1)")
            .bind(key)
            .fetch_one(self.db())
            .await?;
        Ok(used)
    }
}

/// Sets `users.media_bytes` to the sum of the account's media rows. Called after the
/// account's row was locked in this transaction, so the sum is of committed rows plus
/// this transaction's own (at most two rows: avatar and banner).
async fn recount_media_bytes(conn: &mut BackendConn, user: UserId) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE users SET media_bytes = \
         (SELECT CAST(COALESCE(SUM(media.bytes), 0) AS BIGINT) FROM media WHERE media.user_id = $1) WHERE id = $1",
    )
    .bind(user.as_uuid())
    .execute(conn.db())
    .await?;
    Ok(())
}

}
