//! The scale-out backend: any number of accountd nodes share one PostgreSQL.

use std::str::FromStr;
use std::time::Duration;

use accountd_core::UserId;
use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::queries::Dialect;
use crate::{AccountChange, AccountChangeRepo, ChangeCursor, Conn, Store, StoreError};

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        // Lazy, so that a node starts (and reports itself not ready) while the database is down.
        // No ping before each acquire: it is a round trip per query on the hot path, and a
        // connection that broke is closed by the query that finds out and replaced.
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .test_before_acquire(false)
            .connect_lazy_with(options);
        Ok(Self { pool })
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn reader(&self) -> Result<Box<dyn Conn>, StoreError> {
        Ok(Box::new(PostgresConn::Pooled(self.pool.acquire().await?)))
    }

    async fn begin(&self) -> Result<Box<dyn Conn>, StoreError> {
        Ok(Box::new(PostgresConn::Tx(self.pool.begin().await?)))
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/postgres").run(&self.pool).await?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}

pub enum PostgresConn {
    Pooled(PoolConnection<Postgres>),
    Tx(Transaction<'static, Postgres>),
}

impl PostgresConn {
    pub(crate) fn db(&mut self) -> &mut PgConnection {
        match self {
            Self::Pooled(conn) => conn,
            Self::Tx(tx) => tx,
        }
    }
}

#[async_trait]
impl Conn for PostgresConn {
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        match *self {
            Self::Pooled(_) => Ok(()),
            Self::Tx(tx) => Ok(tx.commit().await?),
        }
    }
}

impl Dialect for PostgresConn {
    const FOR_UPDATE: &'static str = "FOR UPDATE";
    const FOR_UPDATE_SKIP_LOCKED: &'static str = "FOR UPDATE SKIP LOCKED";
    const UUID_CAST: &'static str = "::uuid";
    const TEXT_CAST: &'static str = "::text";
}

#[async_trait]
impl AccountChangeRepo for PostgresConn {
    async fn account_changes_cursor(&mut self) -> Result<ChangeCursor, StoreError> {
        let horizon: String =
            sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text").fetch_one(self.db()).await?;
        Ok(ChangeCursor(parse_xact(&horizon)?))
    }

    async fn account_changes_since(
        &mut self,
        cursor: ChangeCursor,
    ) -> Result<(ChangeCursor, Vec<AccountChange>), StoreError> {
        // Transactions commit out of id order, so read by the writing transaction's id
        // from the oldest one that was still running at the previous read: whatever had
        // not committed then is at or past that horizon. The new horizon comes from this
        // statement's own snapshot. Rows at or past it are read again by the next read.
        let rows: Vec<(String, Option<String>, Option<Uuid>)> = sqlx::query_as(
            "SELECT now_.horizon::text, account_changes.xact::text, account_changes.user_id \
             FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS horizon) AS now_ \
             LEFT JOIN account_changes ON account_changes.xact >= $1::text::xid8",
        )
        .bind(cursor.0.to_string())
        .fetch_all(self.db())
        .await?;
        let next = match rows.first() {
            Some((horizon, _, _)) => ChangeCursor(parse_xact(horizon)?),
            None => cursor,
        };
        let mut changes = Vec::with_capacity(rows.len());
        for (_, xact, user) in rows {
            if let (Some(xact), Some(user)) = (xact, user) {
                changes.push(AccountChange { user: UserId::from_uuid(user), position: parse_xact(&xact)? });
            }
        }
        Ok((next, changes))
    }

    async fn record_feed_reader(&mut self, reader: Uuid, cursor: ChangeCursor) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO feed_readers (node_id, position) VALUES ($1, $2::text::xid8) \
             ON CONFLICT (node_id) DO UPDATE SET position = excluded.position, seen_at = clock_timestamp()",
        )
        .bind(reader)
        .bind(cursor.0.to_string())
        .execute(self.db())
        .await?;
        Ok(())
    }

    async fn prune_account_changes(&mut self, silence: Duration) -> Result<u64, StoreError> {
        sqlx::query("DELETE FROM feed_readers WHERE seen_at < clock_timestamp() - make_interval(secs => $1)")
            .bind(silence.as_secs_f64())
            .execute(self.db())
            .await?;
        // A reader's cursor is a horizon: it reads again every change at or past it.
        let result = sqlx::query("DELETE FROM account_changes WHERE xact < (SELECT min(position) FROM feed_readers)")
            .execute(self.db())
            .await?;
        Ok(result.rows_affected())
    }
}

fn parse_xact(text: &str) -> Result<u64, StoreError> {
    text.parse().map_err(|_| StoreError::Corrupt(format!("not a transaction id: {text}")))
}
