//! Who a session token belongs to, and that account's profile records, kept in memory so
//! that the hottest request (`GET /v1/me`) does not go to the database.
//!
//! Never stale. The database's triggers write every change to what a cached entry holds
//! (the account's row, its sessions going away, its addresses and linked accounts) into
//! the feed's account topic (migrations 0006 and 0012), whoever makes it: this node,
//! another node, `accountd user promote`, an operator's SQL. An entry is served only after
//! a *check* that started after the request arrived has read the feed and dropped what
//! changed, so a change committed before a request is always seen by it: a revoked session
//! or a ban stops working at once on every node. A check reads the rows past its cursor
//! and also the committed rows the PostgreSQL sequencer has not numbered yet, so it does
//! not wait for the sequencer; it applies each row once, by its id. Requests that arrive
//! together share one check, so under load a check costs a small part of one query per
//! request.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use accountd_core::mail::Address;
use accountd_core::oauth::LinkedAccount;
use accountd_core::token::TokenHash;
use accountd_core::user::{Session, User};
use accountd_core::UserId;
use accountd_store::{FeedPosition, FeedRow, FeedTopic, Store, StoreError, EVERY_ACCOUNT};
use async_trait::async_trait;
use tokio::sync::{watch, Notify};
use uuid::Uuid;

/// Sessions held at most; past it an arbitrary one makes room.
const CAPACITY: usize = 50_000;
/// How often a node records where it reads the feed (its heartbeat) and prunes the rows
/// every live node has read.
const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// A node whose last heartbeat is older than this may have missed pruned rows, so it
/// starts over with an empty cache.
const MAX_SILENCE: Duration = Duration::from_secs(4 * 60);
/// Pruning waits for nodes heard from within this; it is longer than [`MAX_SILENCE`], by a
/// margin for a check under way and the clocks, so a node it ignores has started over.
const READER_SILENCE: Duration = Duration::from_secs(5 * 60);
/// The account changes remembered for the fills under way (see [`FillTicket`]); a fill
/// that started before the oldest of them is refused.
const RECENT_CHANGES: usize = 10_000;

/// The part of the store the cache reads: the feed's account topic.
#[async_trait]
trait ChangeFeed: Send + Sync + 'static {
    async fn head(&self) -> Result<FeedPosition, StoreError>;
    async fn rows_after(&self, after: FeedPosition) -> Result<Vec<FeedRow>, StoreError>;
    async fn record(&self, reader: Uuid, position: FeedPosition) -> Result<(), StoreError>;
    async fn prune(&self, silence: Duration) -> Result<u64, StoreError>;
}

#[async_trait]
impl ChangeFeed for Arc<dyn Store> {
    async fn head(&self) -> Result<FeedPosition, StoreError> {
        self.reader().await?.feed_head().await
    }

    async fn rows_after(&self, after: FeedPosition) -> Result<Vec<FeedRow>, StoreError> {
        self.reader().await?.feed_rows_after(FeedTopic::ACCOUNT, after).await
    }

    async fn record(&self, reader: Uuid, position: FeedPosition) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.record_feed_reader(reader, position).await?;
        tx.commit().await
    }

    async fn prune(&self, silence: Duration) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let pruned = tx.prune_feed(silence, crate::feed::RETENTION).await?;
        tx.commit().await?;
        Ok(pruned)
    }
}

/// An account as the owner sees it: its row and the records its profile lists.
pub struct CachedAccount {
    pub user: User,
    pub addresses: Vec<Address>,
    pub linked_accounts: Vec<LinkedAccount>,
}

#[derive(Clone)]
pub struct CachedSession {
    pub session: Session,
    pub account: Arc<CachedAccount>,
}

/// Marks the moment a request started reading the database, so that what it read is not
/// cached if a change to its account was applied meanwhile (or the cache started over).
///
/// Only the filled account's changes refuse a fill, not every change: a fill of an account
/// that is not cached yet must still be refused for a change to that account read while
/// it ran (its session may have been revoked in between), while changes to other
/// accounts, or rows read again, refuse nothing, so the cache keeps caching under a steady
/// stream of changes elsewhere.
#[derive(Clone, Copy)]
pub struct FillTicket {
    generation: u64,
    changes: u64,
}

pub struct AccountCache {
    shared: Arc<Shared>,
}

struct Shared {
    feed: Box<dyn ChangeFeed>,
    /// This node, as the feed's readers table knows it.
    node: Uuid,
    max_silence: Duration,
    entries: Mutex<Entries>,
    /// Checks started so far; a request waits for the one after those started before it.
    started: AtomicU64,
    /// Checks completed so far.
    completed: watch::Sender<u64>,
    wake: Notify,
    /// `accountd_account_cache_total{result="hit"|"miss"}`, looked up once: a lookup in
    /// the metrics registry on every request cost a few percent of `me`'s throughput.
    /// Taken at the first request, when the process's recorder is installed.
    counters: OnceLock<(metrics::Counter, metrics::Counter)>,
}

#[derive(Default)]
struct Entries {
    sessions: HashMap<TokenHash, CachedSession>,
    tokens_of: HashMap<UserId, Vec<TokenHash>>,
    /// Where the next check reads the feed from: the newest position read. `None` until
    /// the first check placed it, and after the feed could not be read. Without it nothing
    /// is served or stored.
    cursor: Option<FeedPosition>,
    /// When this node last recorded its cursor (taken before the write).
    last_heartbeat: Option<Instant>,
    last_prune: Option<Instant>,
    /// Bumped when the whole cache is dropped (see [`FillTicket`]).
    generation: u64,
    /// Account changes applied so far, and the latest of them with their number: a fill
    /// is refused when its account is among those applied after its ticket.
    changes: u64,
    recent: VecDeque<(u64, UserId)>,
    /// The newest change number that `recent` no longer holds.
    forgotten: u64,
    /// The ids of applied rows that had no position yet (PostgreSQL, before the
    /// sequencer ran): they are read again, numbered or not, until they are behind the
    /// cursor, and are not applied twice.
    applied: HashSet<i64>,
}

impl AccountCache {
    /// A cache over `store`. Its checks run on a task of the current Tokio runtime;
    /// outside one, the cache stays empty and every lookup goes to the database.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self::over(Box::new(store), MAX_SILENCE)
    }

    fn over(feed: Box<dyn ChangeFeed>, max_silence: Duration) -> Self {
        // The first prune waits its turn, so that start-up writes nothing.
        let entries = Entries { last_prune: Some(Instant::now()), ..Entries::default() };
        let shared = Arc::new(Shared {
            feed,
            node: Uuid::now_v7(),
            max_silence,
            entries: Mutex::new(entries),
            started: AtomicU64::new(0),
            completed: watch::Sender::new(0),
            wake: Notify::new(),
            counters: OnceLock::new(),
        });
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(checks(shared.clone()));
        }
        Self { shared }
    }

    /// The cached session for this token, once a check that started after this call has
    /// dropped every change committed before it. `None`: go to the database.
    pub async fn session(&self, token: &TokenHash) -> Option<CachedSession> {
        {
            let entries = self.shared.lock();
            if entries.cursor.is_none() {
                // The feed could not be read: try again in the background, serve nothing.
                self.shared.wake.notify_one();
                return self.counted(None);
            }
            if !entries.sessions.contains_key(token) {
                return self.counted(None);
            }
        }
        // SeqCst pairs with the increment in `checks`: if this load sees n, check n+1
        // has not read the feed yet, so its read comes after this request arrived.
        let wanted = self.shared.started.load(Ordering::SeqCst) + 1;
        let mut completed = self.shared.completed.subscribe();
        self.shared.wake.notify_one();
        if completed.wait_for(|done| *done >= wanted).await.is_err() {
            return self.counted(None);
        }
        let found = self.shared.lock().sessions.get(token).cloned();
        self.counted(found)
    }

    /// Counts a lookup in `accountd_account_cache_total`, so that `/metrics` shows whether
    /// the cache serves anything at all.
    fn counted(&self, found: Option<CachedSession>) -> Option<CachedSession> {
        let (hit, miss) = self.shared.counters.get_or_init(|| {
            (
                metrics::counter!("accountd_account_cache_total", "result" => "hit"),
                metrics::counter!("accountd_account_cache_total", "result" => "miss"),
            )
        });
        if found.is_some() { hit } else { miss }.increment(1);
        found
    }

    /// Taken before reading what [`Self::store`] will be given.
    pub fn ticket(&self) -> FillTicket {
        let entries = self.shared.lock();
        FillTicket { generation: entries.generation, changes: entries.changes }
    }

    /// Keeps what a request read from the database, unless a change to its account was
    /// applied since its ticket (it may have read the state before that change).
    pub fn store(&self, token: TokenHash, entry: CachedSession, ticket: FillTicket) {
        let mut entries = self.shared.lock();
        if entries.cursor.is_none()
            || entries.generation != ticket.generation
            || entries.changed_since(entry.account.user.id, ticket.changes)
        {
            return;
        }
        if entries.sessions.len() >= CAPACITY && !entries.sessions.contains_key(&token) {
            if let Some(victim) = entries.sessions.keys().next().cloned() {
                entries.remove(&victim);
            }
        }
        let user = entry.account.user.id;
        if entries.sessions.insert(token.clone(), entry).is_none() {
            entries.tokens_of.entry(user).or_default().push(token);
        }
    }

    /// Drops a token's entry, e.g. when the database no longer knows it.
    pub fn forget(&self, token: &TokenHash) {
        self.shared.lock().remove(token);
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Entries> {
        // The entries stay consistent across a panic elsewhere (every change is a
        // single insert or removal), so a poisoned lock is still usable.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Reads the feed past the cursor and drops what it names.
    async fn check(&self) {
        // A node silent for long may have missed pruned rows: it starts over.
        let resume = {
            let entries = self.lock();
            let silent_too_long = entries.last_heartbeat.is_none_or(|at| at.elapsed() > self.max_silence);
            entries.cursor.filter(|_| !silent_too_long)
        };
        let result = match resume {
            Some(cursor) => self.feed.rows_after(cursor).await.map(|rows| (cursor, rows)),
            // Starting over: an empty cache needs no changes, only where the feed stands.
            // The cursor is recorded before any fill, so that no row a fill may not have
            // seen is pruned before this node reads it.
            None => {
                async {
                    let at = Instant::now();
                    let head = self.feed.head().await?;
                    self.feed.record(self.node, head).await?;
                    self.lock().last_heartbeat = Some(at);
                    Ok((head, Vec::new()))
                }
                .await
            }
        };
        let mut entries = self.lock();
        match result {
            Ok((cursor, rows)) => {
                if resume.is_none() {
                    entries.clear();
                    entries.applied.clear();
                }
                let mut next = cursor;
                let mut unnumbered = HashSet::new();
                for row in rows {
                    match row.position {
                        Some(position) => next = next.max(position),
                        None => {
                            unnumbered.insert(row.id);
                        }
                    }
                    if entries.applied.contains(&row.id) {
                        continue;
                    }
                    match row.user {
                        Some(EVERY_ACCOUNT) => entries.clear(),
                        Some(user) => entries.apply(user),
                        None => {}
                    }
                }
                // Every numbered row read is at or behind the new cursor and is not read
                // again; the others are read again until they are numbered.
                entries.applied = unnumbered;
                entries.cursor = Some(next);
            }
            Err(error) => {
                tracing::warn!(%error, "account cache: the change feed could not be read; cache emptied");
                entries.clear();
                entries.applied.clear();
                entries.cursor = None;
            }
        }
    }

    /// Records where this node reads (its heartbeat), then prunes behind every live node.
    async fn prune_if_due(&self) {
        let cursor = {
            let mut entries = self.lock();
            if entries.last_prune.is_some_and(|at| at.elapsed() < PRUNE_EVERY) {
                return;
            }
            entries.last_prune = Some(Instant::now());
            entries.cursor
        };
        let Some(cursor) = cursor else { return };
        let at = Instant::now();
        let heartbeat_and_prune = async {
            self.feed.record(self.node, cursor).await?;
            self.lock().last_heartbeat = Some(at);
            self.feed.prune(READER_SILENCE).await
        };
        if let Err(error) = heartbeat_and_prune.await {
            tracing::warn!(%error, "account cache: recording the heartbeat or pruning the change feed failed");
        }
    }
}

impl Entries {
    fn remove(&mut self, token: &TokenHash) {
        if let Some(entry) = self.sessions.remove(token) {
            let user = entry.account.user.id;
            if let Some(tokens) = self.tokens_of.get_mut(&user) {
                tokens.retain(|held| held != token);
                if tokens.is_empty() {
                    self.tokens_of.remove(&user);
                }
            }
        }
    }

    /// Drops the account's entries and refuses the fills of it under way.
    fn apply(&mut self, user: UserId) {
        for token in self.tokens_of.remove(&user).unwrap_or_default() {
            self.sessions.remove(&token);
        }
        self.changes += 1;
        self.recent.push_back((self.changes, user));
        if self.recent.len() > RECENT_CHANGES {
            if let Some((number, _)) = self.recent.pop_front() {
                self.forgotten = number;
            }
        }
    }

    /// Whether a change to `user` was applied after change number `since`, as far as
    /// the cache remembers (when it no longer does, it answers yes).
    fn changed_since(&self, user: UserId, since: u64) -> bool {
        since < self.forgotten
            || self.recent.iter().rev().take_while(|(number, _)| *number > since).any(|(_, changed)| *changed == user)
    }

    fn clear(&mut self) {
        self.sessions.clear();
        self.tokens_of.clear();
        self.generation += 1;
    }
}

/// Runs checks one after the other for as long as requests ask for them: every request
/// that arrives while a check runs is served by the next one.
async fn checks(shared: Arc<Shared>) {
    let mut wanted = true; // the first check places the cursor
    loop {
        if !wanted {
            shared.wake.notified().await;
        }
        wanted = false;
        let number = shared.started.fetch_add(1, Ordering::SeqCst) + 1;
        shared.check().await;
        shared.completed.send_replace(number);
        shared.prune_if_due().await;
    }
}

#[cfg(test)]
mod tests {
    use accountd_core::email::Email;
    use accountd_core::user::{Device, Notifications, Preferences, Role};
    use accountd_core::username::Username;
    use accountd_core::SessionId;
    use chrono::Utc;

    use super::*;

    /// A feed in memory: rows are numbered at once or (as on PostgreSQL before the
    /// sequencer runs) later, and a read can be made to fail.
    #[derive(Default)]
    struct FakeFeed {
        state: Mutex<FeedState>,
    }

    #[derive(Default)]
    struct FeedState {
        rows: Vec<FeedRow>,
        head: u64,
        failing: bool,
        placements: u32,
    }

    impl FeedState {
        /// A committed change to `user`, numbered or not yet; returns its id.
        fn change(&mut self, user: UserId, numbered: bool) -> i64 {
            let id = i64::try_from(self.rows.len()).unwrap() + 1;
            self.rows.push(FeedRow { id, position: None, user: Some(user) });
            if numbered {
                self.number(id);
            }
            id
        }

        /// What the sequencer does to a row.
        fn number(&mut self, id: i64) {
            self.head += 1;
            let head = FeedPosition(self.head);
            if let Some(row) = self.rows.iter_mut().find(|row| row.id == id) {
                row.position = Some(head);
            }
        }
    }

    impl FakeFeed {
        fn state(&self) -> MutexGuard<'_, FeedState> {
            self.state.lock().unwrap()
        }

        fn read(&self) -> Result<MutexGuard<'_, FeedState>, StoreError> {
            let state = self.state();
            if state.failing {
                return Err(StoreError::Corrupt("the feed is unreachable".into()));
            }
            Ok(state)
        }
    }

    #[async_trait]
    impl ChangeFeed for Arc<FakeFeed> {
        async fn head(&self) -> Result<FeedPosition, StoreError> {
            let mut state = self.read()?;
            state.placements += 1;
            Ok(FeedPosition(state.head))
        }

        async fn rows_after(&self, after: FeedPosition) -> Result<Vec<FeedRow>, StoreError> {
            let state = self.read()?;
            Ok(state.rows.iter().filter(|row| row.position.is_none_or(|position| position > after)).copied().collect())
        }

        async fn record(&self, _reader: Uuid, _position: FeedPosition) -> Result<(), StoreError> {
            self.read().map(|_| ())
        }

        async fn prune(&self, _silence: Duration) -> Result<u64, StoreError> {
            Ok(0)
        }
    }

    fn cache_over(feed: &Arc<FakeFeed>, max_silence: Duration) -> AccountCache {
        AccountCache::over(Box::new(feed.clone()), max_silence)
    }

    /// Runs one check that starts after this call, and waits for it.
    async fn check_now(cache: &AccountCache) {
        let wanted = cache.shared.started.load(Ordering::SeqCst) + 1;
        let mut completed = cache.shared.completed.subscribe();
        cache.shared.wake.notify_one();
        completed.wait_for(|done| *done >= wanted).await.unwrap();
    }

    fn session_of(name: &str) -> (TokenHash, CachedSession) {
        let now = Utc::now();
        let user = User {
            id: UserId::new(),
            email: Email::parse(&format!("{name}@example.com")).unwrap(),
            email_verified: true,
            username: Username::parse(name).unwrap(),
            display_name: None,
            bio: String::new(),
            avatar_url: None,
            banner_url: None,
            role: Role::User,
            banned: false,
            password_hash: None,
            two_factor_enabled: false,
            preferences: Preferences::default(),
            notifications: Notifications::default(),
            discord_webhook_url: None,
            created_at: now,
            updated_at: now,
            last_login_at: None,
            media_bytes: 0,
            upload_domain: None,
        };
        let session = Session {
            id: SessionId::new(),
            user_id: user.id,
            created_at: now,
            last_seen_at: now,
            expires_at: now + chrono::Duration::days(1),
            ip: None,
            user_agent: None,
            device: Device::unknown(),
        };
        let account = Arc::new(CachedAccount { user, addresses: Vec::new(), linked_accounts: Vec::new() });
        (TokenHash::of(&format!("ses_{name}")), CachedSession { session, account })
    }

    #[tokio::test]
    async fn a_fill_that_read_before_a_change_is_not_served() {
        let feed = Arc::new(FakeFeed::default());
        let cache = cache_over(&feed, MAX_SILENCE);
        check_now(&cache).await;
        let (token, entry) = session_of("jane");

        let ticket = cache.ticket();
        feed.state().change(entry.account.user.id, true);
        check_now(&cache).await;
        cache.store(token.clone(), entry.clone(), ticket);
        assert!(cache.session(&token).await.is_none(), "the fill read the account before the change");

        cache.store(token.clone(), entry, cache.ticket());
        assert!(cache.session(&token).await.is_some(), "a fill that read after the change is served");
    }

    #[tokio::test]
    async fn nothing_is_served_after_a_failed_feed_read_until_a_check_succeeds() {
        let feed = Arc::new(FakeFeed::default());
        let cache = cache_over(&feed, MAX_SILENCE);
        check_now(&cache).await;
        let (token, entry) = session_of("jane");
        cache.store(token.clone(), entry.clone(), cache.ticket());
        assert!(cache.session(&token).await.is_some());

        feed.state().failing = true;
        check_now(&cache).await;
        assert!(cache.session(&token).await.is_none(), "an entry outlived a failed feed read");
        cache.store(token.clone(), entry.clone(), cache.ticket());
        check_now(&cache).await;
        assert!(cache.session(&token).await.is_none(), "a fill was kept while the feed could not be read");

        feed.state().failing = false;
        check_now(&cache).await;
        cache.store(token.clone(), entry, cache.ticket());
        assert!(cache.session(&token).await.is_some(), "the cache serves again once a check succeeded");
    }

    #[tokio::test]
    async fn a_node_silent_past_its_limit_starts_over_empty() {
        let feed = Arc::new(FakeFeed::default());
        let silence = Duration::from_millis(50);
        let cache = cache_over(&feed, silence);
        check_now(&cache).await;
        let (token, entry) = session_of("jane");
        cache.store(token.clone(), entry.clone(), cache.ticket());
        assert!(cache.session(&token).await.is_some());

        // While the node was silent, jane changed and that row was pruned: the feed no
        // longer names her, so only starting over keeps the stale entry from being served.
        tokio::time::sleep(silence * 2).await;
        assert!(cache.session(&token).await.is_none(), "an entry outlived a silence past the limit");
        assert_eq!(feed.state().placements, 2, "the cursor was placed afresh");

        cache.store(token.clone(), entry, cache.ticket());
        assert!(cache.session(&token).await.is_some(), "the cache fills again after starting over");
    }

    #[tokio::test]
    async fn a_row_read_before_and_after_it_is_numbered_is_applied_once() {
        let feed = Arc::new(FakeFeed::default());
        let cache = cache_over(&feed, MAX_SILENCE);
        check_now(&cache).await;
        let (token, entry) = session_of("jane");
        let id = feed.state().change(entry.account.user.id, false);
        check_now(&cache).await;

        let ticket = cache.ticket();
        check_now(&cache).await;
        feed.state().number(id);
        check_now(&cache).await;
        cache.store(token.clone(), entry.clone(), ticket);
        assert!(cache.session(&token).await.is_some(), "a row read again refused the fill");
        assert!(cache.session(&token).await.is_some(), "a row read again dropped the entry");

        feed.state().change(entry.account.user.id, false);
        assert!(cache.session(&token).await.is_none(), "a new change is still applied before it is numbered");
    }

    #[tokio::test]
    async fn changes_to_other_accounts_refuse_no_fill_and_drop_no_entry() {
        let feed = Arc::new(FakeFeed::default());
        let cache = cache_over(&feed, MAX_SILENCE);
        check_now(&cache).await;
        let (jane_token, jane) = session_of("jane");
        let (john_token, john) = session_of("john");
        cache.store(jane_token.clone(), jane, cache.ticket());

        let ticket = cache.ticket();
        for _ in 0..3 {
            feed.state().change(UserId::new(), true);
            feed.state().change(UserId::new(), false);
            check_now(&cache).await;
        }
        cache.store(john_token.clone(), john, ticket);
        assert!(cache.session(&john_token).await.is_some(), "a change to another account refused the fill");
        assert!(cache.session(&jane_token).await.is_some(), "a change to another account dropped an entry");
    }

    #[tokio::test]
    async fn a_change_to_every_account_refuses_every_fill_and_drops_every_entry() {
        let feed = Arc::new(FakeFeed::default());
        let cache = cache_over(&feed, MAX_SILENCE);
        check_now(&cache).await;
        let (jane_token, jane) = session_of("jane");
        let (john_token, john) = session_of("john");
        cache.store(jane_token.clone(), jane, cache.ticket());

        let ticket = cache.ticket();
        feed.state().change(EVERY_ACCOUNT, false);
        check_now(&cache).await;
        cache.store(john_token.clone(), john, ticket);
        assert!(cache.session(&john_token).await.is_none());
        assert!(cache.session(&jane_token).await.is_none());
    }
}
