//! Seeds accounts straight into the database accountd migrated: one Argon2id hash
//! of the shared password computed once, and one session per account whose token is
//! kept here and whose SHA-256 is stored, exactly as accountd stores its own.

use accountd_core::token::{self, TokenKind};
use accountd_core::user::{Device, Notifications, Preferences};
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret as _, SecretString};
use sqlx::types::Json;
use sqlx::{PgPool, QueryBuilder, SqlitePool};

/// The password of every seeded account.
pub const PASSWORD: &str = "Bench-Kettle-2026!";

/// Rows per INSERT: far below both backends' limits on bound parameters.
const BATCH: usize = 1000;
/// Rows per transaction.
const TRANSACTION: usize = 50_000;

pub fn username(index: usize) -> String {
    format!("user{index}")
}

pub fn email(index: usize) -> String {
    format!("{}@bench.example", username(index))
}

/// The session tokens of the seeded accounts, in account order.
pub struct Seeded {
    pub tokens: Vec<String>,
}

struct Fixed {
    hash: String,
    now: DateTime<Utc>,
    /// Every session was last seen over a minute before seeding began, so the warm-up's
    /// first request of each one slides it (a write), in every run alike, and none comes
    /// due in the middle of a measured scenario however long seeding took.
    last_seen: DateTime<Utc>,
    expires: DateTime<Utc>,
    device: Json<Device>,
    preferences: Json<Preferences>,
    notifications: Json<Notifications>,
}

fn fixed() -> Fixed {
    let now = Utc::now();
    Fixed {
        hash: accountd_core::password::hash(&SecretString::from(PASSWORD)).0,
        now,
        last_seen: now - chrono::Duration::seconds(61),
        expires: now + chrono::Duration::days(14),
        device: Json(Device::unknown()),
        preferences: Json(Preferences::default()),
        notifications: Json(Notifications::default()),
    }
}

fn issue_tokens(accounts: usize) -> (Vec<String>, Vec<String>) {
    let mut tokens = Vec::with_capacity(accounts);
    let mut hashes = Vec::with_capacity(accounts);
    for _ in 0..accounts {
        let issued = token::issue(TokenKind::Session);
        tokens.push(issued.secret.expose_secret().to_string());
        hashes.push(issued.hash.0);
    }
    (tokens, hashes)
}

/// Both backends take the same SQL; only the pool type differs, so the two are
/// spelled out by one macro rather than a generic over sqlx's database traits.
macro_rules! seed_backend {
    ($name:ident, $pool:ty) => {
        pub async fn $name(pool: &$pool, accounts: usize) -> anyhow::Result<Seeded> {
            let fixed = fixed();
            let (tokens, hashes) = issue_tokens(accounts);
            let ids: Vec<uuid::Uuid> = (0..accounts).map(|_| uuid::Uuid::now_v7()).collect();
            for start in (0..accounts).step_by(TRANSACTION) {
                let end = (start + TRANSACTION).min(accounts);
                let mut tx = pool.begin().await.context("starting a seeding transaction")?;
                for chunk in (start..end).step_by(BATCH) {
                    let rows = chunk..(chunk + BATCH).min(end);
                    let mut users = QueryBuilder::new(
                        "INSERT INTO users (id, email, email_normalized, email_verified, username, display_name, \
                         password_hash, preferences, notifications, created_at, updated_at) ",
                    );
                    users.push_values(rows.clone(), |mut row, index| {
                        let email = email(index);
                        row.push_bind(ids[index])
                            .push_bind(email.clone())
                            .push_bind(email)
                            .push_bind(true)
                            .push_bind(username(index))
                            .push_bind(format!("Bench User {index}"))
                            .push_bind(fixed.hash.clone())
                            .push_bind(fixed.preferences.clone())
                            .push_bind(fixed.notifications.clone())
                            .push_bind(fixed.now)
                            .push_bind(fixed.now);
                    });
                    users.build().execute(&mut *tx).await.context("inserting users")?;
                    let mut sessions = QueryBuilder::new(
                        "INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at, device) ",
                    );
                    sessions.push_values(rows, |mut row, index| {
                        row.push_bind(uuid::Uuid::now_v7())
                            .push_bind(ids[index])
                            .push_bind(hashes[index].clone())
                            .push_bind(fixed.last_seen)
                            .push_bind(fixed.last_seen)
                            .push_bind(fixed.expires)
                            .push_bind(fixed.device.clone());
                    });
                    sessions.build().execute(&mut *tx).await.context("inserting sessions")?;
                }
                tx.commit().await.context("committing seeded accounts")?;
            }
            Ok(Seeded { tokens })
        }
    };
}

seed_backend!(seed_sqlite, SqlitePool);
seed_backend!(seed_postgres, PgPool);
