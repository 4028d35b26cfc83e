//! The commit-ordered feed, as the features that stream or deliver events use it
//! (activity streams with `Last-Event-ID`, webhook delivery).
//!
//! A use case appends an event inside the transaction that makes the change
//! ([`Feed::append`]), so the event exists exactly when the change does. A consumer keeps
//! the position of the last event it handled and reads after it ([`Feed::read_after`]):
//! events come in commit order, none skipped, none twice, on every node. To wait for
//! more, it takes [`Feed::changed`] *before* reading, reads, and waits on it when the read
//! came back empty; the position is the SSE event id, so a client resumes with
//! `Last-Event-ID` as long as the events are kept ([`RETENTION`]).
//!
//! On PostgreSQL a commit notifies every node (`LISTEN/NOTIFY`), whose follower numbers
//! the new rows and wakes its waiters within milliseconds; a missed notification costs up
//! to [`accountd_store::FEED_POLL`] of latency, never an event. The account cache reads
//! the account topic itself (see [`crate::account_cache`]).

use std::sync::Arc;
use std::time::Duration;

use accountd_core::UserId;
use accountd_store::{Conn, FeedEvent, FeedPosition, FeedTopic, Store, StoreError};
use tokio::sync::watch;

/// How long events are kept once every node has read them, so that a stream's client can
/// resume from its `Last-Event-ID` after a disconnection.
pub const RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

pub struct Feed {
    store: Arc<dyn Store>,
}

impl Feed {
    /// The feed of `store`. Starts following it on the current Tokio runtime (on
    /// PostgreSQL the follower also numbers every node's rows, so each serving node runs one).
    pub fn new(store: Arc<dyn Store>) -> Self {
        drop(store.feed_signal());
        Self { store }
    }

    /// Appends an event to `topic` in the caller's transaction.
    pub async fn append(
        conn: &mut dyn Conn,
        topic: FeedTopic,
        user: Option<UserId>,
        payload: &serde_json::Value,
    ) -> Result<(), StoreError> {
        conn.append_feed_event(topic, user, payload).await
    }

    /// Up to `limit` events of `topic` after `after`, oldest first.
    pub async fn read_after(
        &self,
        topic: FeedTopic,
        after: FeedPosition,
        limit: i64,
    ) -> Result<Vec<FeedEvent>, StoreError> {
        self.store.reader().await?.feed_events_after(topic, after, limit).await
    }

    /// Where "from now on" starts: the rows committed so far are numbered first (on
    /// PostgreSQL), so reading after the returned position yields only events committed later.
    pub async fn head(&self) -> Result<FeedPosition, StoreError> {
        self.store.reader().await?.sequence_feed().await
    }

    /// Changes when events may have been added to any topic. Take it before reading, so
    /// that an event committed between the read and the wait still wakes the waiter.
    pub fn changed(&self) -> watch::Receiver<u64> {
        self.store.feed_signal()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOPIC: FeedTopic = FeedTopic::named("test.feed");

    #[tokio::test]
    async fn a_waiter_is_woken_by_an_append_and_reads_it_after_its_cursor() {
        let path = std::env::temp_dir().join(format!("accountd-feed-{}.db", uuid::Uuid::now_v7().simple()));
        let store = accountd_store::connect(&format!("sqlite://{}", path.display())).await.unwrap();
        store.migrate().await.unwrap();
        let feed = Feed::new(store.clone());
        let mut changed = feed.changed();
        let cursor = FeedPosition(0);
        assert!(feed.read_after(TOPIC, cursor, 10).await.unwrap().is_empty());

        let mut tx = store.begin().await.unwrap();
        Feed::append(tx.as_mut(), TOPIC, None, &serde_json::json!({ "hello": "world" })).await.unwrap();
        tx.commit().await.unwrap();
        tokio::time::timeout(Duration::from_millis(500), changed.changed()).await.unwrap().unwrap();

        let events = feed.read_after(TOPIC, cursor, 10).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].payload["hello"], "world");
        assert!(feed.read_after(TOPIC, events[0].position, 10).await.unwrap().is_empty());
        drop((feed, store));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
