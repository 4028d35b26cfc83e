//! The embedded backend. WAL lets readers run beside the one writer; every
//! transaction goes through a single writer connection so that concurrent
//! writers queue in the pool instead of failing with SQLITE_BUSY.

use std::str::FromStr;
use std::time::Duration;

use accountd_core::UserId;
use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use uuid::Uuid;

use crate::queries::Dialect;
use crate::{AccountChange, AccountChangeRepo, ChangeCursor, Conn, Store, StoreError};

pub struct SqliteStore {
    readers: SqlitePool,
    writer: SqlitePool,
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
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.read_only(false))
            .await?;
        Ok(Self { readers, writer })
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn reader(&self) -> Result<Box<dyn Conn>, StoreError> {
        Ok(Box::new(SqliteConn::Pooled(self.readers.acquire().await?)))
    }

    async fn begin(&self) -> Result<Box<dyn Conn>, StoreError> {
        Ok(Box::new(SqliteConn::Tx(self.writer.begin().await?)))
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
}

pub enum SqliteConn {
    Pooled(PoolConnection<Sqlite>),
    Tx(Transaction<'static, Sqlite>),
}

impl SqliteConn {
    pub(crate) fn db(&mut self) -> &mut SqliteConnection {
        match self {
            Self::Pooled(conn) => conn,
            Self::Tx(tx) => tx,
        }
    }
}

#[async_trait]
impl Conn for SqliteConn {
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        match *self {
            Self::Pooled(_) => Ok(()),
            Self::Tx(tx) => Ok(tx.commit().await?),
        }
    }
}

/// One write transaction runs at a time, so there is nothing to lock rows against.
impl Dialect for SqliteConn {
    const FOR_UPDATE: &'static str = "";
    const FOR_UPDATE_SKIP_LOCKED: &'static str = "";
    const UUID_CAST: &'static str = "";
    const TEXT_CAST: &'static str = "";
}

#[async_trait]
impl AccountChangeRepo for SqliteConn {
    async fn account_changes_cursor(&mut self) -> Result<ChangeCursor, StoreError> {
        let seq: i64 =
            sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM account_changes").fetch_one(self.db()).await?;
        Ok(ChangeCursor(u64::try_from(seq).unwrap_or(0)))
    }

    async fn account_changes_since(
        &mut self,
        cursor: ChangeCursor,
    ) -> Result<(ChangeCursor, Vec<AccountChange>), StoreError> {
        // One writer commits at a time, so sequence numbers follow commit order.
        let after = i64::try_from(cursor.0).unwrap_or(i64::MAX);
        let rows: Vec<(i64, Uuid)> =
            sqlx::query_as("SELECT seq, user_id FROM account_changes WHERE seq > ? ORDER BY seq")
                .bind(after)
                .fetch_all(self.db())
                .await?;
        let next = rows.last().map_or(cursor, |(seq, _)| ChangeCursor(u64::try_from(*seq).unwrap_or(cursor.0)));
        let changes = rows
            .into_iter()
            .map(|(seq, user)| AccountChange {
                user: UserId::from_uuid(user),
                position: u64::try_from(seq).unwrap_or(0),
            })
            .collect();
        Ok((next, changes))
    }

    async fn record_feed_reader(&mut self, reader: Uuid, cursor: ChangeCursor) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO feed_readers (node_id, position) VALUES (?, ?) \
             ON CONFLICT (node_id) DO UPDATE SET position = excluded.position, \
             seen_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        )
        .bind(reader)
        .bind(i64::try_from(cursor.0).unwrap_or(i64::MAX))
        .execute(self.db())
        .await?;
        Ok(())
    }

    async fn prune_account_changes(&mut self, silence: Duration) -> Result<u64, StoreError> {
        sqlx::query("DELETE FROM feed_readers WHERE seen_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)")
            .bind(format!("-{} seconds", silence.as_secs()))
            .execute(self.db())
            .await?;
        // A reader's cursor is the last sequence number it read.
        let result = sqlx::query("DELETE FROM account_changes WHERE seq <= (SELECT min(position) FROM feed_readers)")
            .execute(self.db())
            .await?;
        Ok(result.rows_affected())
    }
}
