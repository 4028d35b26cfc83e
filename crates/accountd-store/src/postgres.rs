//! The scale-out backend: any number of accountd nodes share one PostgreSQL.

use std::str::FromStr;
use std::time::Duration;

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use tokio::sync::{watch, Notify};

use crate::feed_watch::{FeedWatch, Follower};
use crate::queries::Dialect;
use crate::{Conn, FeedRepo, Store, StoreError, FEED_POLL};

/// The channel the feed's trigger notifies (migration 0012), with the schema as payload.
const FEED_CHANNEL: &str = "accountd_feed";

pub struct PostgresStore {
    pool: PgPool,
    feed: FeedWatch,
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
        Ok(Self { pool, feed: FeedWatch::new() })
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

    fn feed_signal(&self) -> watch::Receiver<u64> {
        self.feed.subscribe(|follower| follow(self.pool.clone(), follower))
    }
}

/// Runs the sequencer whenever a commit that appended to the feed notifies this node (on
/// any node: NOTIFY is delivered after the commit), and every [`FEED_POLL`] in case a
/// notification was missed, then announces the head. Runs as long as the store lives,
/// watched or not: the rows of every node must get their positions.
async fn follow(pool: PgPool, follower: Follower) {
    // The listener waits on its own task, which is never cancelled mid-read; it nudges
    // this one. It holds one connection of the pool.
    let listening = tokio::spawn(listen(pool.clone(), follower.nudge.clone()));
    let mut failing = false;
    loop {
        let looked = async { PostgresConn::Pooled(pool.acquire().await?).sequence_feed().await }.await;
        if !follower.announce(looked, &mut failing) {
            break;
        }
        tokio::select! {
            () = follower.nudge.notified() => {}
            () = tokio::time::sleep(FEED_POLL) => {}
        }
    }
    listening.abort();
}

/// Listens on [`FEED_CHANNEL`] and nudges the follower for each notification of this
/// store's schema (other schemas on the database have their own nodes), reconnecting
/// after a lost connection (the follower's poll covers what was missed meanwhile).
async fn listen(pool: PgPool, nudge: Arc<Notify>) {
    let mut failing = false;
    loop {
        let Err(error) = listen_until_failure(&pool, &nudge, &mut failing).await;
        if !failing {
            tracing::warn!(%error, "feed: listening for notifications failed; polling meanwhile");
            failing = true;
        }
        tokio::time::sleep(FEED_POLL).await;
    }
}

async fn listen_until_failure(
    pool: &PgPool,
    nudge: &Notify,
    failing: &mut bool,
) -> Result<std::convert::Infallible, sqlx::Error> {
    let schema: String = sqlx::query_scalar("SELECT current_schema()::text").fetch_one(pool).await?;
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(FEED_CHANNEL).await?;
    if *failing {
        tracing::info!("feed: listening for notifications again");
        *failing = false;
    }
    loop {
        match listener.try_recv().await? {
            Some(notification) if notification.payload() == schema => nudge.notify_one(),
            Some(_) => {}
            // Lost and reconnected: what came meanwhile is unknown.
            None => nudge.notify_one(),
        }
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
    const NOW: &'static str = "clock_timestamp()";
    const FEED_HEAD: &'static str = "SELECT last_position FROM feed_sequencer";
    const SEQUENCE_FEED: Option<&'static str> = Some("SELECT feed_sequence()");
    const GREATEST: &'static str = "GREATEST";
    const TRANSACTION_LOCK: Option<&'static str> = Some("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))");

    fn seconds_ago(param: &str) -> String {
        format!("clock_timestamp() - make_interval(secs => {param})")
    }
}
