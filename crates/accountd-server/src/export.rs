//! The data export archive: a ZIP of everything an account holds, in the API's shapes,
//! written as it is read so memory does not grow with the account's history.
//!
//! Reading happens on the async side, page by page; the ZIP is written on a blocking
//! thread that receives the bytes through a small bounded channel. At most
//! [`CHANNEL_DEPTH`] pieces of at most one page each are in flight, whatever the account's
//! size. Nothing secret goes in: tokens appear by name and prefix only, and no hash, TOTP
//! secret or recovery code is read at all.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use accountd_core::user::{Activity, User};
use accountd_core::UserId;
use accountd_store::{ActivityCursor, PageRequest, Store, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::{mpsc, watch};
use zip::write::SimpleFileOptions;

use crate::account_cache::CachedAccount;
use crate::http::dto::{
    ActivityDto, AddressDto, LinkedAccountDto, LoginHistoryEntry, PersonalAccessTokenDto, Profile, SessionDto,
};

/// The files of every archive, in the order they are written (`media/` last).
pub const ARCHIVE_FILES: [&str; 9] = [
    "profile.json",
    "sessions.json",
    "login-history.json",
    "linked-accounts.json",
    "tokens.json",
    "addresses.json",
    "credits.json",
    "referrals.json",
    "activity.json",
];

/// Rows read per query while walking the activity and the login history.
const PAGE: i64 = 500;
/// Pieces queued between the reader and the ZIP writer.
const CHANNEL_DEPTH: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("the account does not exist")]
    NoSuchAccount,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the archive: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing the archive: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("encoding the archive: {0}")]
    Json(#[from] serde_json::Error),
}

/// What the ZIP writer thread is told to do.
enum Piece {
    File(&'static str),
    Bytes(Vec<u8>),
    Directory(&'static str),
}

/// Writes the archive of `user` into `file` and returns its size in bytes. `progress` goes
/// from 0 to 100 as the archive is written (100 once it is complete on disk).
pub async fn write_archive(
    store: &Arc<dyn Store>,
    user: UserId,
    now: DateTime<Utc>,
    storage_limit: u64,
    file: std::fs::File,
    progress: &watch::Sender<u8>,
) -> Result<u64, ArchiveError> {
    let (pieces, mut received) = mpsc::channel::<Piece>(CHANNEL_DEPTH);
    let writer = tokio::task::spawn_blocking(move || -> Result<u64, ArchiveError> {
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o600)
            .large_file(true);
        while let Some(piece) = received.blocking_recv() {
            match piece {
                Piece::File(name) => zip.start_file(name, options)?,
                Piece::Bytes(bytes) => zip.write_all(&bytes)?,
                Piece::Directory(name) => zip.add_directory(name, options)?,
            }
        }
        let file = zip.finish()?.into_inner().map_err(std::io::IntoInnerError::into_error)?;
        file.sync_all()?;
        Ok(file.metadata()?.len())
    });
    let read = read_account(store, user, now, storage_limit, &pieces, progress).await;
    drop(pieces);
    let written = writer.await.map_err(|join| std::io::Error::other(join.to_string()))?;
    // A write that failed closes the channel, which the reader sees as a send error: the
    // writer's error is the one that explains it.
    let size = match (read, written) {
        (_, Err(error)) | (Err(error), _) => return Err(error),
        (Ok(()), Ok(size)) => size,
    };
    progress.send_replace(100);
    Ok(size)
}

/// The channel closed: the writer stopped, and its own error says why.
fn writer_gone<T>(_: mpsc::error::SendError<T>) -> ArchiveError {
    ArchiveError::Io(std::io::Error::other("the archive writer stopped"))
}

async fn json_file<T: Serialize>(
    pieces: &mpsc::Sender<Piece>,
    name: &'static str,
    value: &T,
) -> Result<(), ArchiveError> {
    let bytes = serde_json::to_vec_pretty(value)?;
    pieces.send(Piece::File(name)).await.map_err(writer_gone)?;
    pieces.send(Piece::Bytes(bytes)).await.map_err(writer_gone)
}

#[derive(Serialize)]
struct Items<T> {
    items: Vec<T>,
}

/// `credits.json`: this version keeps no credit ledger, so the balance is 0.
#[derive(Serialize)]
struct Credits {
    balance: i64,
    items: Vec<serde_json::Value>,
}

/// `referrals.json`: this version issues no referral codes.
#[derive(Serialize)]
struct Referrals {
    code: Option<String>,
    items: Vec<serde_json::Value>,
}

async fn read_account(
    store: &Arc<dyn Store>,
    user_id: UserId,
    now: DateTime<Utc>,
    storage_limit: u64,
    pieces: &mpsc::Sender<Piece>,
    progress: &watch::Sender<u8>,
) -> Result<(), ArchiveError> {
    let mut conn = store.reader().await?;
    let user: User = conn.user_by_id(user_id).await?.ok_or(ArchiveError::NoSuchAccount)?;
    let addresses = conn.addresses_of(user_id).await?;
    let linked_accounts = conn.linked_accounts_of(user_id).await?;
    let account = CachedAccount { user, addresses, linked_accounts };
    json_file(
        pieces,
        "profile.json",
        &Profile::new(&account.user, storage_limit, &account.addresses).with_linked_accounts(&account.linked_accounts),
    )
    .await?;

    let sessions = conn.sessions_of(user_id, now).await?;
    let items = sessions.iter().map(|session| SessionDto::new(session, false)).collect();
    json_file(pieces, "sessions.json", &Items { items }).await?;

    pieces.send(Piece::File("login-history.json")).await.map_err(writer_gone)?;
    let mut offset = 0;
    let mut list = JsonList::new();
    loop {
        let page = conn.login_attempts_of(user_id, PageRequest { limit: PAGE, offset }).await?;
        let count = page.items.len() as i64;
        let chunk = list.extend(page.items.iter().map(LoginHistoryEntry::from))?;
        pieces.send(Piece::Bytes(chunk)).await.map_err(writer_gone)?;
        offset += count;
        if count < PAGE {
            break;
        }
    }
    pieces.send(Piece::Bytes(list.close())).await.map_err(writer_gone)?;

    let items = account.linked_accounts.iter().map(LinkedAccountDto::from).collect();
    json_file(pieces, "linked-accounts.json", &Items { items }).await?;
    let tokens = conn.pats_of(user_id, now).await?;
    let items = tokens.iter().map(PersonalAccessTokenDto::from).collect();
    json_file(pieces, "tokens.json", &Items { items }).await?;
    let items = account.addresses.iter().map(AddressDto::from).collect();
    json_file(pieces, "addresses.json", &Items { items }).await?;
    json_file(pieces, "credits.json", &Credits { balance: 0, items: Vec::new() }).await?;
    json_file(pieces, "referrals.json", &Referrals { code: None, items: Vec::new() }).await?;
    progress.send_replace(5);

    // The activity is the part that grows with the account: walked by keyset, one page
    // in memory at a time.
    let total = conn.activities_of(user_id, PageRequest { limit: 1, offset: 0 }).await?.total.max(1);
    pieces.send(Piece::File("activity.json")).await.map_err(writer_gone)?;
    let mut list = JsonList::new();
    let mut cursor = None;
    let mut done = 0i64;
    loop {
        let rows: Vec<Activity> = conn.activities_after(user_id, cursor, PAGE).await?;
        let Some(last) = rows.last() else { break };
        cursor = Some(ActivityCursor { at: last.at, id: last.id });
        done += rows.len() as i64;
        let chunk = list.extend(rows.iter().map(ActivityDto::from))?;
        pieces.send(Piece::Bytes(chunk)).await.map_err(writer_gone)?;
        let share = 5 + 90 * done.min(total) / total;
        progress.send_replace(u8::try_from(share).unwrap_or(95));
    }
    pieces.send(Piece::Bytes(list.close())).await.map_err(writer_gone)?;

    // Avatar and banner files go here once media uploads exist; the folder is always there.
    pieces.send(Piece::Directory("media/")).await.map_err(writer_gone)?;
    progress.send_replace(99);
    Ok(())
}

/// `{"items": [ … ]}` written a page at a time.
struct JsonList {
    started: bool,
    empty: bool,
}

impl JsonList {
    fn new() -> Self {
        Self { started: false, empty: true }
    }

    fn extend<T: Serialize>(&mut self, items: impl Iterator<Item = T>) -> Result<Vec<u8>, ArchiveError> {
        let mut chunk = Vec::new();
        if !self.started {
            chunk.extend_from_slice(b"{\"items\": [");
            self.started = true;
        }
        for item in items {
            chunk.extend_from_slice(if self.empty { b"\n" } else { b",\n" });
            serde_json::to_writer(&mut chunk, &item)?;
            self.empty = false;
        }
        Ok(chunk)
    }

    fn close(self) -> Vec<u8> {
        let mut chunk = Vec::new();
        if !self.started {
            chunk.extend_from_slice(b"{\"items\": [");
        }
        chunk.extend_from_slice(b"\n]}\n");
        chunk
    }
}

/// Where finished archives are kept until they expire. Shaped like the media storage
/// port so that it can move onto it: a key per archive, put, open, delete.
#[async_trait]
pub trait ArchiveStore: Send + Sync + 'static {
    /// A new local file to build an archive in before it is stored.
    fn staging_path(&self, key: &str) -> PathBuf;
    /// Stores the staged archive under `key` (the staged file is consumed).
    async fn put(&self, key: &str, staged: &Path) -> std::io::Result<()>;
    /// The stored archive, for download.
    async fn open(&self, key: &str) -> std::io::Result<tokio::fs::File>;
    /// Deletes the archive; a missing one is not an error.
    async fn delete(&self, key: &str) -> std::io::Result<()>;
    /// Every stored archive and when it was written, for the sweep of orphans.
    async fn list(&self) -> std::io::Result<Vec<(String, DateTime<Utc>)>>;
}

/// Archives as files under `{data dir}/exports`.
pub struct LocalArchives {
    dir: PathBuf,
}

impl LocalArchives {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Keys are made by the server (`{export id}.zip`); anything else is refused rather
    /// than joined to a path.
    fn path(&self, key: &str) -> std::io::Result<PathBuf> {
        let safe = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'));
        if !safe || key.starts_with('.') {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "invalid archive key"));
        }
        Ok(self.dir.join(key))
    }
}

#[async_trait]
impl ArchiveStore for LocalArchives {
    fn staging_path(&self, key: &str) -> PathBuf {
        // One file per attempt: an interrupted attempt's writer may still be finishing.
        self.dir.join(format!(".{key}.{}.partial", uuid::Uuid::now_v7().simple()))
    }

    async fn put(&self, key: &str, staged: &Path) -> std::io::Result<()> {
        tokio::fs::rename(staged, self.path(key)?).await
    }

    async fn open(&self, key: &str) -> std::io::Result<tokio::fs::File> {
        tokio::fs::File::open(self.path(key)?).await
    }

    async fn delete(&self, key: &str) -> std::io::Result<()> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    async fn list(&self) -> std::io::Result<Vec<(String, DateTime<Utc>)>> {
        let mut entries = match tokio::fs::read_dir(&self.dir).await {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(error),
        };
        let mut archives = Vec::new();
        while let Some(entry) = entries.next_entry().await? {
            let key = entry.file_name().to_string_lossy().into_owned();
            if key.ends_with(".zip") && self.path(&key).is_ok() {
                archives.push((key, DateTime::<Utc>::from(entry.metadata().await?.modified()?)));
            }
        }
        Ok(archives)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_list_written_in_pages_is_one_valid_document() {
        let mut list = JsonList::new();
        let mut bytes = list.extend([1, 2].into_iter()).unwrap();
        bytes.extend(list.extend(std::iter::empty::<i32>()).unwrap());
        bytes.extend(list.extend([3].into_iter()).unwrap());
        bytes.extend(list.close());
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(value, serde_json::json!({ "items": [1, 2, 3] }));

        let empty = JsonList::new().close();
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&empty).unwrap(), serde_json::json!({ "items": [] }));
    }

    #[test]
    fn local_archive_keys_cannot_leave_the_directory() {
        let archives = LocalArchives::new(PathBuf::from("/data/exports"));
        for key in ["../secret.key", "a/b.zip", "", ".hidden", "x\\y"] {
            assert!(archives.path(key).is_err(), "{key}");
        }
        assert_eq!(archives.path("0190-ab.zip").unwrap(), PathBuf::from("/data/exports/0190-ab.zip"));
    }
}
