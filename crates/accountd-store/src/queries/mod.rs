//! Every query of the store, written once for both backends.
//!
//! The SQL is the same on SQLite and PostgreSQL: `$N` placeholders (SQLite accepts them),
//! `TRUE`/`NOT` for booleans (SQLite stores them as 1 and 0). What truly differs is a
//! fragment of [`Dialect`], which each backend's connection implements, spliced in as
//! `Self::FOR_UPDATE` and the like. The account-change feed, whose cursor is a different
//! thing per backend, is the one repository each backend implements itself.

/// Stamps the repository impls in its body once per backend: in there `BackendConn` is the
/// backend's connection type, whose `db()` is the connection sqlx runs the query on, and
/// `Self::…` names its [`Dialect`] fragments.
macro_rules! for_each_backend {
    ($($body:item)*) => {
        mod on_sqlite {
            use super::*;
            use crate::queries::Dialect;
            use crate::sqlite::SqliteConn as BackendConn;
            $($body)*
        }
        mod on_postgres {
            use super::*;
            use crate::queries::Dialect;
            use crate::postgres::PostgresConn as BackendConn;
            $($body)*
        }
    };
}

mod access;
mod accounts;
mod mail;
mod oauth;
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
}
