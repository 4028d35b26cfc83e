//! Server-sent event streams built on the commit-ordered feed ([`crate::feed`]).
//!
//! Each stream has one task that reads its topic after a cursor, turns the events it may
//! see into SSE events whose `id:` is the feed position (so `Last-Event-ID` resumes with no
//! gap and no duplicate), and hands them to the response through a bounded channel. A
//! client that stops reading fills that channel: the task then ends and the response ends
//! with an error, so the connection closes (or, when the socket itself is full, the
//! server's idle timeout closes it); memory per stream never grows past the buffer.
//! Streams are capped per account and per node, end when the server shuts down, and end
//! when their source says the client may no longer watch (a revoked session, a banned or
//! deleted account), which is checked on every wake-up and every few seconds.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use accountd_core::{DomainError, UserId};
use accountd_store::{FeedEvent, FeedPosition, FeedTopic};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use tokio::sync::{mpsc, watch};

use crate::feed::Feed;
use crate::usecases::{AppError, AppResult};

/// How often a stream asks its source whether it may go on while no event arrives.
const RECHECK: Duration = Duration::from_secs(2);
/// While events flow, the source is asked at most this often.
const MIN_RECHECK: Duration = Duration::from_secs(1);
/// Events read from the feed at once.
const BATCH: i64 = 100;

#[derive(Debug, Clone, Copy)]
pub struct StreamSettings {
    pub keep_alive: Duration,
    pub per_account: usize,
    pub per_node: usize,
    pub buffer: usize,
}

/// What a stream shows and for how long.
#[async_trait::async_trait]
pub trait StreamSource: Send + Sync + 'static {
    fn topic(&self) -> FeedTopic;
    /// The SSE event (without its id) for a feed event, or `None` when this client does
    /// not see it; `true` with it ends the stream after it (an export that finished).
    async fn event(&self, event: &FeedEvent) -> Option<(Event, bool)>;
    /// Whether the client may still watch (its session live, its account not banned).
    async fn still_allowed(&self) -> bool;
}

/// The open streams of this node.
pub struct Streams {
    settings: StreamSettings,
    feed: Arc<Feed>,
    total: AtomicUsize,
    per_account: Mutex<HashMap<UserId, usize>>,
    closing: watch::Sender<bool>,
}

/// A stream's place under the caps, given back when the stream ends.
pub struct StreamSlot {
    streams: Arc<Streams>,
    user: Option<UserId>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.streams.total.fetch_sub(1, Ordering::SeqCst);
        if let Some(user) = self.user {
            if let Ok(mut open) = self.streams.per_account.lock() {
                if let Some(count) = open.get_mut(&user) {
                    *count -= 1;
                    if *count == 0 {
                        open.remove(&user);
                    }
                }
            }
        }
        metrics::gauge!("accountd_streams_open").decrement(1.0);
    }
}

impl Streams {
    pub fn new(feed: Arc<Feed>, settings: StreamSettings) -> Arc<Self> {
        Arc::new(Self {
            settings,
            feed,
            total: AtomicUsize::new(0),
            per_account: Mutex::new(HashMap::new()),
            closing: watch::Sender::new(false),
        })
    }

    /// Streams open on this node now.
    pub fn open(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }

    /// Ends every stream (at shutdown, so that the drain of requests can finish).
    pub fn close_all(&self) {
        self.closing.send_replace(true);
    }

    /// A place for a new stream of `user` (or an anonymous one): `503 server:overloaded`
    /// past the node's cap, `429 rate_limited` past the account's.
    pub fn admit(self: &Arc<Self>, user: Option<UserId>) -> AppResult<StreamSlot> {
        if *self.closing.borrow() {
            return Err(AppError::Overloaded);
        }
        if self.total.fetch_add(1, Ordering::SeqCst) >= self.settings.per_node {
            self.total.fetch_sub(1, Ordering::SeqCst);
            return Err(AppError::Overloaded);
        }
        if let Some(user) = user {
            let mut open = self.per_account.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let count = open.entry(user).or_insert(0);
            if *count >= self.settings.per_account {
                drop(open);
                self.total.fetch_sub(1, Ordering::SeqCst);
                return Err(DomainError::RateLimited { retry_after_secs: 5 }.into());
            }
            *count += 1;
        }
        metrics::gauge!("accountd_streams_open").increment(1.0);
        Ok(StreamSlot { streams: self.clone(), user })
    }

    /// Where a stream starts: after `Last-Event-ID` when the client sent one, else at the
    /// feed's head (only what happens from now on).
    pub async fn start(&self, last_event_id: Option<&str>) -> AppResult<FeedPosition> {
        if let Some(position) = last_event_id.and_then(|id| id.trim().parse::<u64>().ok()) {
            return Ok(FeedPosition(position));
        }
        Ok(self.feed.head().await?)
    }

    /// The response of a stream that holds `slot`, reading `source` after `after`. `first`
    /// is sent before any feed event; with `finished` nothing follows it.
    pub fn respond(
        self: &Arc<Self>,
        slot: StreamSlot,
        source: impl StreamSource,
        after: FeedPosition,
        first: Option<Event>,
        finished: bool,
    ) -> Sse<impl Stream<Item = Result<Event, std::io::Error>>> {
        let (sender, receiver) = mpsc::channel::<Event>(self.settings.buffer.max(1));
        let (overrun_tx, overrun_rx) = watch::channel(false);
        if let Some(first) = first {
            let _ = sender.try_send(first.id(after.0.to_string()));
        }
        if !finished {
            tokio::spawn(pump(self.clone(), slot, source, after, sender, overrun_tx));
        }
        let events = futures::stream::unfold((receiver, overrun_rx), |(mut receiver, mut overrun)| async move {
            tokio::select! {
                biased;
                event = receiver.recv() => event.map(|event| (Ok(event), (receiver, overrun))),
                // The client fell behind: the response fails, which closes the connection.
                Ok(()) = overrun.changed() => Some((
                    Err(std::io::Error::other("the client does not read its stream")),
                    (receiver, overrun),
                )),
            }
        });
        Sse::new(events).keep_alive(KeepAlive::new().interval(self.settings.keep_alive))
    }
}

async fn pump(
    streams: Arc<Streams>,
    slot: StreamSlot,
    source: impl StreamSource,
    mut cursor: FeedPosition,
    sender: mpsc::Sender<Event>,
    overrun: watch::Sender<bool>,
) {
    let _slot = slot;
    let mut closing = streams.closing.subscribe();
    let topic = source.topic();
    let mut checked = tokio::time::Instant::now();
    loop {
        if *closing.borrow_and_update() {
            return;
        }
        // Taken before the read, so an event committed after the read still wakes us.
        let mut changed = streams.feed.changed();
        let events = match streams.feed.read_after(topic, cursor, BATCH).await {
            Ok(events) => events,
            Err(error) => {
                tracing::warn!(%error, "a stream could not read the feed");
                tokio::time::sleep(RECHECK).await;
                continue;
            }
        };
        let full_batch = events.len() as i64 == BATCH;
        if !events.is_empty() && checked.elapsed() >= MIN_RECHECK {
            if !source.still_allowed().await {
                return;
            }
            checked = tokio::time::Instant::now();
        }
        for event in events {
            cursor = event.position;
            let Some((shown, last)) = source.event(&event).await else { continue };
            match sender.try_send(shown.id(cursor.0.to_string())) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    metrics::counter!("accountd_streams_dropped_slow_total").increment(1);
                    overrun.send_replace(true);
                    return;
                }
                Err(mpsc::error::TrySendError::Closed(_)) => return,
            }
            if last {
                return;
            }
        }
        if full_batch {
            continue;
        }
        tokio::select! {
            _ = changed.changed() => {}
            () = tokio::time::sleep(RECHECK) => {
                if !source.still_allowed().await {
                    return;
                }
                checked = tokio::time::Instant::now();
            }
            _ = closing.changed() => return,
            () = sender.closed() => return,
        }
    }
}

/// An event whose data is `value` as JSON.
pub fn json_event(name: &str, value: &impl serde::Serialize) -> Option<Event> {
    Event::default().event(name).json_data(value).ok()
}
