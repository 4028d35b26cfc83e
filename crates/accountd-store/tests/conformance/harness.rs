//! Fresh stores for each test, and the records the tests put in them.

use std::future::Future;
use std::sync::Arc;

use accountd_core::password::PasswordHashString;
use accountd_core::user::{Device, Role, Session};
use accountd_core::{SessionId, UserId};
use accountd_store::{FeedRow, NewUser, Store};
use chrono::{DateTime, Duration, SubsecRound, Utc};

/// Runs `test` on a new SQLite store, then on a new PostgreSQL store when
/// `ACCOUNTD_TEST_DATABASE_URL` names a server.
pub async fn on_each_store<F, Fut>(test: F)
where
    F: Fn(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    let sqlite = TestDatabase::sqlite();
    test(sqlite.open().await).await;
    if let Some(postgres) = TestDatabase::postgres().await {
        test(postgres.open().await).await;
    }
}

/// As [`on_each_store`], with two stores on one database, as two nodes (or processes) have.
pub async fn on_each_store_pair<F, Fut>(test: F)
where
    F: Fn(Arc<dyn Store>, Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    let sqlite = TestDatabase::sqlite();
    test(sqlite.open().await, sqlite.open().await).await;
    if let Some(postgres) = TestDatabase::postgres().await {
        test(postgres.open().await, postgres.open().await).await;
    }
}

/// Like [`on_each_store`], with the database's URL, for tests that must also write to
/// the database past the store (as an operator's SQL would).
pub async fn on_each_database<F, Fut>(test: F)
where
    F: Fn(Arc<dyn Store>, String) -> Fut,
    Fut: Future<Output = ()>,
{
    let sqlite = TestDatabase::sqlite();
    test(sqlite.open().await, sqlite.url()).await;
    if let Some(postgres) = TestDatabase::postgres().await {
        test(postgres.open().await, postgres.url()).await;
    }
}

enum TestDatabase {
    Sqlite { path: std::path::PathBuf },
    Postgres { admin_url: String, schema: String },
}

impl TestDatabase {
    fn sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("accountd-store-{}.db", uuid::Uuid::now_v7().simple()));
        Self::Sqlite { path }
    }

    async fn postgres() -> Option<Self> {
        let admin_url = std::env::var("ACCOUNTD_TEST_DATABASE_URL").ok().filter(|url| !url.is_empty())?;
        let schema = format!("s_{}", uuid::Uuid::now_v7().simple());
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
            .await
            .expect("connect to ACCOUNTD_TEST_DATABASE_URL");
        sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut conn).await.expect("create schema");
        Some(Self::Postgres { admin_url, schema })
    }

    fn url(&self) -> String {
        match self {
            Self::Sqlite { path } => format!("sqlite://{}", path.display()),
            Self::Postgres { admin_url, schema } => {
                let separator = if admin_url.contains('?') { '&' } else { '?' };
                format!("{admin_url}{separator}application_name={schema}&options=-c%20search_path%3D{schema}")
            }
        }
    }

    async fn open(&self) -> Arc<dyn Store> {
        let store = accountd_store::connect(&self.url()).await.expect("connect");
        store.migrate().await.expect("migrate");
        store
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self {
            Self::Sqlite { path } => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Self::Postgres { admin_url, schema } => {
                let (admin_url, schema) = (admin_url.clone(), schema.clone());
                // Drop runs inside the test's runtime, which can't block on itself.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                    runtime.block_on(async {
                        if let Ok(mut conn) = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url).await {
                            let _ = sqlx::query(
                                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                            )
                            .bind(&schema)
                            .execute(&mut conn)
                            .await;
                            let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(&mut conn).await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// Now, to the second: both backends give back what they were given.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

pub fn hours(n: i64) -> Duration {
    Duration::hours(n)
}

pub fn new_user(name: &str) -> NewUser {
    NewUser {
        id: UserId::new(),
        email: format!("{name}@Example.com"),
        email_normalized: format!("{}@example.com", name.to_lowercase()),
        username: name.to_string(),
        display_name: Some(format!("{name} display")),
        password_hash: Some(PasswordHashString(format!("$argon2id$first-{name}"))),
        role: Role::User,
        email_verified: false,
        created_at: now(),
    }
}

/// Stores a new account named `name` and returns its id.
pub async fn insert_user(store: &Arc<dyn Store>, name: &str) -> UserId {
    let user = new_user(name);
    store.reader().await.unwrap().insert_user(&user).await.unwrap();
    user.id
}

pub fn session_of(user: UserId, created_at: DateTime<Utc>) -> Session {
    Session {
        id: SessionId::new(),
        user_id: user,
        created_at,
        last_seen_at: created_at,
        expires_at: created_at + hours(24),
        ip: Some("203.0.113.7".into()),
        user_agent: Some("test".into()),
        device: Device::unknown(),
    }
}

/// The accounts named by rows of the feed.
pub fn changed_users(rows: &[FeedRow]) -> Vec<UserId> {
    rows.iter().filter_map(|row| row.user).collect()
}
