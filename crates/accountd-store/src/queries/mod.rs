//! Every query of the store, written once for both backends.
//!
//! The SQL is the same on SQLite and PostgreSQL: `$N` placeholders (SQLite accepts them),
//! `TRUE`/`NOT` for booleans (SQLite stores them as 1 and 0). What truly differs is a
//! fragment of [`Dialect`], which each backend's connection implements, spliced in as
//! `Self::FOR_UPDATE` and the like. The feed's numbering differs too (SQLite at insert,
//! PostgreSQL in a sequencer): two statements of [`Dialect`].

/// Stamps the repository impls in its body once per backend: in there `BackendConn` is the
/// backend's connection type, whose `db()` is the connection sqlx runs the query on, and
/// `Self::…` names its [`Dialect`] fragments.
macro_rules! for_each_backend {
    ($($body:item)*) => {
        mod on_sqlite {
            use super::*;
            #[allow(unused_imports)]
            use crate::queries::Dialect;
            use crate::sqlite::SqliteConn as BackendConn;
            $($body)*
        }
        mod on_postgres {
            use super::*;
            #[allow(unused_imports)]
            use crate::queries::Dialect;
            use crate::postgres::PostgresConn as BackendConn;
            $($body)*
        }
    };
}

mod access;
mod accounts;
mod activity;
mod exports;
mod feed;
mod jobs;
mod limits;
mod mail;
mod media;
mod oauth;
mod passkeys;
mod rewards;
mod two_factor;

/// The pieces of SQL that differ between the backends.
pub(crate) trait Dialect {
    /// Locks the selected rows until the transaction ends. Empty on SQLite, where
    /// transactions run one at a time on the writer connection.
    const FOR_UPDATE: &'static str;
    /// Locks the selected rows, passing over the ones another transaction holds instead of
    /// waiting for them. Empty on SQLite (one writer at a time).
    const FOR_UPDATE_SKIP_LOCKED: &'static str;
    /// Types a UUID parameter that may be NULL and is tested with `IS NULL` (`$1::uuid`),
    /// which PostgreSQL must be told; SQLite has no casts of this kind.
    const UUID_CAST: &'static str;
    /// Types a text parameter that may be NULL (`$1::text`), as [`Dialect::UUID_CAST`].
    const TEXT_CAST: &'static str;
    /// The database's clock, as a value comparable with the `DEFAULT` timestamps it writes.
    const NOW: &'static str;
    /// The newest position the feed has given out (migration 0012).
    const FEED_HEAD: &'static str;
    /// Numbers the committed rows of the feed that have none and returns the head; `None`
    /// where rows are numbered as they are written (SQLite).
    const SEQUENCE_FEED: Option<&'static str>;
    /// Holds a lock named by the text parameter `$1` until the transaction ends; `None` on
    /// SQLite, where transactions run one at a time on the writer connection.
    const TRANSACTION_LOCK: Option<&'static str>;
    /// The larger of two values (`MAX(a, b)` on SQLite, `GREATEST(a, b)` on PostgreSQL).
    const GREATEST: &'static str;

    /// The database's clock minus the number of seconds (a float) in the parameter `param`
    /// (`"$1"`), comparable with what [`Dialect::NOW`] gives.
    fn seconds_ago(param: &str) -> String;
}
