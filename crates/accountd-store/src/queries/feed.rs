//! The commit-ordered feed (migration 0012). What differs per backend is how rows get
//! their position: [`Dialect::FEED_HEAD`] and [`Dialect::SEQUENCE_FEED`].

use std::time::Duration;

use accountd_core::UserId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{FeedEvent, FeedPosition, FeedRepo, FeedRow, FeedTopic, StoreError};

type EventRow = (i64, Option<Uuid>, String, DateTime<Utc>);

fn event_of((position, user, payload, created_at): EventRow) -> Result<FeedEvent, StoreError> {
    let payload = serde_json::from_str(&payload)
        .map_err(|error| StoreError::Corrupt(format!("feed event {position} has no JSON payload: {error}")))?;
    Ok(FeedEvent { position: FeedPosition::from_sql(position), user: user.map(UserId::from_uuid), payload, created_at })
}

for_each_backend! {

#[async_trait]
impl FeedRepo for BackendConn {
    async fn append_feed_event(
        &mut self,
        topic: FeedTopic,
        user: Option<UserId>,
        payload: &serde_json::Value,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO feed_events (topic, user_id, payload) VALUES ($1, $2, $3)")
            .bind(topic.as_str())
            .bind(user.map(|user| user.as_uuid()))
            .bind(payload.to_string())
            .execute(self.db())
            .await?;
        Ok(())
    }

    async fn feed_events_after(
        &mut self,
        topic: FeedTopic,
        after: FeedPosition,
        limit: i64,
    ) -> Result<Vec<FeedEvent>, StoreError> {
        let rows: Vec<EventRow> = sqlx::query_as(
            "SELECT position, user_id, payload, created_at FROM feed_events \
             WHERE topic = $1 AND position > $2 ORDER BY position LIMIT $3",
        )
        .bind(topic.as_str())
        .bind(after.to_sql())
        .bind(limit)
        .fetch_all(self.db())
        .await?;
        rows.into_iter().map(event_of).collect()
    }

    async fn feed_rows_after(&mut self, topic: FeedTopic, after: FeedPosition) -> Result<Vec<FeedRow>, StoreError> {
        // Two branches, so that each uses its index (the second is empty on SQLite).
        let rows: Vec<(i64, Option<i64>, Option<Uuid>)> = sqlx::query_as(
            "SELECT id, position, user_id FROM feed_events WHERE topic = $1 AND position > $2 \
             UNION ALL SELECT id, position, user_id FROM feed_events WHERE topic = $1 AND position IS NULL",
        )
        .bind(topic.as_str())
        .bind(after.to_sql())
        .fetch_all(self.db())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, position, user)| FeedRow {
                id,
                position: position.map(FeedPosition::from_sql),
                user: user.map(UserId::from_uuid),
            })
            .collect())
    }

    async fn feed_head(&mut self) -> Result<FeedPosition, StoreError> {
        let head: i64 = sqlx::query_scalar(Self::FEED_HEAD).fetch_one(self.db()).await?;
        Ok(FeedPosition::from_sql(head))
    }

    async fn sequence_feed(&mut self) -> Result<FeedPosition, StoreError> {
        match Self::SEQUENCE_FEED {
            Some(statement) => {
                let head: i64 = sqlx::query_scalar(statement).fetch_one(self.db()).await?;
                Ok(FeedPosition::from_sql(head))
            }
            None => self.feed_head().await,
        }
    }

    async fn record_feed_reader(&mut self, reader: Uuid, position: FeedPosition) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO feed_readers (node_id, position) VALUES ($1, $2) \
             ON CONFLICT (node_id) DO UPDATE SET position = excluded.position, seen_at = {}",
            Self::NOW
        ))
        .bind(reader)
        .bind(position.to_sql())
        .execute(self.db())
        .await?;
        Ok(())
    }

    async fn prune_feed(&mut self, silence: Duration, min_age: Duration) -> Result<u64, StoreError> {
        sqlx::query(&format!("DELETE FROM feed_readers WHERE seen_at < {}", Self::seconds_ago("$1")))
            .bind(silence.as_secs_f64())
            .execute(self.db())
            .await?;
        // A reader's position is the last one it read. Rows without a position are newer
        // than every reader's, whatever their age.
        let result = sqlx::query(&format!(
            "DELETE FROM feed_events WHERE position <= (SELECT min(position) FROM feed_readers) \
             AND created_at < {}",
            Self::seconds_ago("$1")
        ))
        .bind(min_age.as_secs_f64())
        .execute(self.db())
        .await?;
        Ok(result.rows_affected())
    }
}

}
