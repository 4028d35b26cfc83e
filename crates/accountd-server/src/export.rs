//! The data export archive: a ZIP of everything an account holds, in the API's shapes,
//! written as it is read so memory does not grow with the account's history.
//!
//! Reading happens on the async side, page by page; the ZIP is written on a blocking
//! thread that receives the bytes through a small bounded channel. At most
//! [`CHANNEL_DEPTH`] pieces of at most one page each are in flight, whatever the account's
//! size. Nothing secret goes in: tokens appear by name and prefix only, and no hash, TOTP
//! secret or recovery code is read at all.

use std::io::Write as _;
use std::sync::Arc;

use accountd_core::user::{Activity, User};
use accountd_core::UserId;
use accountd_store::{ActivityCursor, PageRequest, Store, StoreError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::{mpsc, watch};
use zip::write::SimpleFileOptions;

use crate::account_cache::CachedAccount;
use crate::http::dto::{
    ActivityDto, AddressDto, CreditEntryDto, LinkedAccountDto, LoginHistoryEntry, PersonalAccessTokenDto, Profile,
    ReferralHistoryEntry, SessionDto,
};
use crate::media::{MediaKey, MediaStore};
use crate::usecases::uploads::UploadDomains;

/// What an archive is written from besides the database: the stored pictures, and the
/// settings the API's own answers are shaped with.
#[derive(Clone)]
pub struct ArchiveSources {
    pub objects: Arc<dyn MediaStore>,
    /// The configured storage limit, as the profile shows it.
    pub storage_limit: u64,
    /// For the profile's `uploadDomain`, resolved as `GET /v1/me` resolves it.
    pub upload_domains: Arc<UploadDomains>,
    /// For the referral link, as `GET /v1/me/referrals` makes it.
    pub public_url: url::Url,
}

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
    #[error("reading a stored picture: {0}")]
    Media(crate::usecases::BoxError),
}

/// What the ZIP writer thread is told to do.
enum Piece {
    File(String),
    Bytes(Vec<u8>),
    Directory(&'static str),
}

/// Writes the archive of `user` into `file` and returns its size in bytes. `progress` goes
/// from 0 to 100 as the archive is written (100 once it is complete on disk).
pub async fn write_archive(
    store: &Arc<dyn Store>,
    sources: &ArchiveSources,
    user: UserId,
    now: DateTime<Utc>,
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
    let read = read_account(store, sources, user, now, &pieces, progress).await;
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
    pieces.send(Piece::File(name.to_owned())).await.map_err(writer_gone)?;
    pieces.send(Piece::Bytes(bytes)).await.map_err(writer_gone)
}

#[derive(Serialize)]
struct Items<T> {
    items: Vec<T>,
}

/// `credits.json`: `GET /v1/me/credits` with the whole ledger, newest first.
#[derive(Serialize)]
struct Credits {
    balance: i64,
    items: Vec<CreditEntryDto>,
}

/// `referrals.json`: the account's code and link (`GET /v1/me/referrals`; `null` when the
/// account never had one), its stats (`?view=stats`) and its whole history
/// (`?view=history`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Referrals {
    code: Option<String>,
    url: Option<String>,
    total_referrals: i64,
    rewards_earned: i64,
    items: Vec<ReferralHistoryEntry>,
}

async fn read_account(
    store: &Arc<dyn Store>,
    sources: &ArchiveSources,
    user_id: UserId,
    now: DateTime<Utc>,
    pieces: &mpsc::Sender<Piece>,
    progress: &watch::Sender<u8>,
) -> Result<(), ArchiveError> {
    let mut conn = store.reader().await?;
    let user: User = conn.user_by_id(user_id).await?.ok_or(ArchiveError::NoSuchAccount)?;
    let addresses = conn.addresses_of(user_id).await?;
    let linked_accounts = conn.linked_accounts_of(user_id).await?;
    let account = CachedAccount { user, addresses, linked_accounts };
    json_file(pieces, "profile.json", &Profile::of_account(&account, sources.storage_limit, &sources.upload_domains))
        .await?;

    let sessions = conn.sessions_of(user_id, now).await?;
    let items = sessions.iter().map(|session| SessionDto::new(session, false)).collect();
    json_file(pieces, "sessions.json", &Items { items }).await?;

    pieces.send(Piece::File("login-history.json".into())).await.map_err(writer_gone)?;
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
    let balance = conn.credit_balance(user_id).await?;
    // The ledger and the referrals stay small (a row per reward or adjustment): read
    // whole, a page per query.
    let mut items: Vec<CreditEntryDto> = Vec::new();
    loop {
        let page = conn.credit_entries_of(user_id, PageRequest { limit: PAGE, offset: items.len() as i64 }).await?;
        let count = page.items.len() as i64;
        items.extend(page.items.iter().map(CreditEntryDto::from));
        if count < PAGE {
            break;
        }
    }
    json_file(pieces, "credits.json", &Credits { balance, items }).await?;
    let code = conn.referral_code_of(user_id).await?;
    let (total_referrals, rewards_earned) = conn.referral_stats(user_id).await?;
    let mut items: Vec<ReferralHistoryEntry> = Vec::new();
    loop {
        let page = conn.referrals_of(user_id, PageRequest { limit: PAGE, offset: items.len() as i64 }).await?;
        let count = page.items.len() as i64;
        items.extend(page.items.into_iter().map(|referral| ReferralHistoryEntry {
            username: referral.username,
            joined_at: referral.joined_at,
            reward: referral.reward,
        }));
        if count < PAGE {
            break;
        }
    }
    let url = code.as_deref().map(|code| crate::usecases::referrals::referral_url(&sources.public_url, code));
    json_file(pieces, "referrals.json", &Referrals { code, url, total_referrals, rewards_earned, items }).await?;
    progress.send_replace(5);

    // The activity is the part that grows with the account: walked by keyset, one page
    // in memory at a time.
    let total = conn.activities_of(user_id, PageRequest { limit: 1, offset: 0 }).await?.total.max(1);
    pieces.send(Piece::File("activity.json".into())).await.map_err(writer_gone)?;
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

    // The avatar and banner as stored (`media/avatar.png`, `media/banner.jpg`); the
    // folder is there also when the account has neither. Each is at most a few MiB.
    pieces.send(Piece::Directory("media/")).await.map_err(writer_gone)?;
    for object in conn.media_of(user_id).await? {
        let Some(key) = MediaKey::parse(&object.key) else {
            continue;
        };
        let Some(bytes) = sources.objects.get(&key).await.map_err(ArchiveError::Media)? else {
            // Gone from the store (an operator's hand): the archive says what is there.
            tracing::warn!(%key, "a stored picture is missing; the archive goes without it");
            continue;
        };
        let name = format!("media/{}.{}", object.slot.as_str(), key.format().extension());
        pieces.send(Piece::File(name)).await.map_err(writer_gone)?;
        pieces.send(Piece::Bytes(bytes.to_vec())).await.map_err(writer_gone)?;
    }
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
}
