//! The embedded backend. WAL lets readers run beside the one writer; every
//! transaction goes through a single writer connection so that concurrent
//! writers queue in the pool instead of failing with SQLITE_BUSY.

use std::str::FromStr;
use std::time::Duration;

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection as _, Sqlite, SqliteConnection, SqlitePool, Transaction};
use tokio::sync::{watch, Notify};

use crate::feed_watch::{FeedWatch, Follower};
use crate::queries::Dialect;
use crate::{Conn, FeedRepo, Store, StoreError, FEED_POLL};

pub struct SqliteStore {
    readers: SqlitePool,
    writer: SqlitePool,
    feed: FeedWatch,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL in WAL mode is durable across a crash of the process (kill -9);
            // only an OS crash or power loss can lose the last transactions.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // No ping before each acquire: every ping is another round trip to the
        // connection's worker thread, on every query.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            // A COMMIT that fails with SQLITE_FULL leaves sqlx counting an open transaction
            // on the connection (SQLite rolled it back itself, so sqlx's ROLLBACK fails too),
            // and every later BEGIN on it is refused: such a connection is closed and a new
            // one opened, so writes resume when the disk has room again.
            .before_acquire(|connection, _| Box::pin(async move { Ok(!connection.is_in_transaction()) }))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.read_only(false))
            .await?;
        Ok(Self { readers, writer, feed: FeedWatch::new() })
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn reader(&self) -> Result<Box<dyn Conn>, StoreError> {
        Ok(Box::new(SqliteConn::Pooled(self.readers.acquire().await?)))
    }

    async fn begin(&self) -> Result<Box<dyn Conn>, StoreError> {
        // IMMEDIATE takes the write lock at once, waiting for it under the busy timeout. A
        // deferred transaction that read first and then writes fails at once with
        // SQLITE_BUSY when another process wrote in between (the busy timeout does not
        // apply), which two processes on one file (`accountd user …` beside a server) hit.
        let tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        Ok(Box::new(SqliteConn::Tx(tx, self.feed.nudge())))
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/sqlite").run(&self.writer).await?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.readers).await?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn feed_signal(&self) -> watch::Receiver<u64> {
        self.feed.subscribe(|follower| follow(self.readers.clone(), follower))
    }
}

/// Rows are numbered as they are written, so following the feed is reading its head:
/// after each commit of this process, and every [`FEED_POLL`] for the commits of others
/// (`accountd user promote`, an operator's SQL). Only while someone waits on the head.
async fn follow(readers: SqlitePool, follower: Follower) {
    let mut failing = false;
    while follower.alive() {
        if follower.watched() {
            let looked = async { SqliteConn::Pooled(readers.acquire().await?).feed_head().await }.await;
            if !follower.announce(looked, &mut failing) {
                return;
            }
        }
        tokio::select! {
            () = follower.nudge.notified() => {}
            () = tokio::time::sleep(FEED_POLL) => {}
        }
    }
}

pub enum SqliteConn {
    Pooled(PoolConnection<Sqlite>),
    /// A transaction, and the nudge of the store's feed follower for when it commits.
    Tx(Transaction<'static, Sqlite>, Arc<Notify>),
}

impl SqliteConn {
    pub(crate) fn db(&mut self) -> &mut SqliteConnection {
        match self {
            Self::Pooled(conn) => conn,
            Self::Tx(tx, _) => tx,
        }
    }
}

#[async_trait]
impl Conn for SqliteConn {
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        match *self {
            Self::Pooled(_) => Ok(()),
            Self::Tx(tx, feed) => {
                tx.commit().await?;
                // It may have appended to the feed (its triggers do, unseen from here).
                feed.notify_one();
                Ok(())
            }
        }
    }
}

/// One write transaction runs at a time, so there is nothing to lock rows against.
impl Dialect for SqliteConn {
    const FOR_UPDATE: &'static str = "";
    const FOR_UPDATE_SKIP_LOCKED: &'static str = "";
    const UUID_CAST: &'static str = "";
    const TEXT_CAST: &'static str = "";
    const NOW: &'static str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
    // AUTOINCREMENT's counter: never lowered, also when pruning deletes the newest rows.
    const FEED_HEAD: &'static str = "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'feed_events'), 0)";
    const SEQUENCE_FEED: Option<&'static str> = None;
    const GREATEST: &'static str = "MAX";
    const TRANSACTION_LOCK: Option<&'static str> = None;

    fn seconds_ago(param: &str) -> String {
        format!("strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || {param} || ' seconds')")
    }
}
