//! The in-process side of the feed: one task per store follows the feed and announces its
//! head on a `watch` channel that streams wait on (see [`crate::Store::feed_signal`]).

use std::future::Future;
use std::sync::{Arc, Once, Weak};

use tokio::sync::{watch, Notify};

use crate::{FeedPosition, StoreError};

/// The head announced to this process's readers, the nudge that makes the follower look
/// at once, and whether the follower has been started.
pub(crate) struct FeedWatch {
    head: Arc<watch::Sender<u64>>,
    nudge: Arc<Notify>,
    started: Once,
}

impl FeedWatch {
    pub(crate) fn new() -> Self {
        Self { head: Arc::new(watch::Sender::new(0)), nudge: Arc::new(Notify::new()), started: Once::new() }
    }

    /// Makes the follower look at the feed now instead of at its next poll.
    pub(crate) fn nudge(&self) -> Arc<Notify> {
        self.nudge.clone()
    }

    /// A receiver of the head; the first call spawns `follow` on the current Tokio runtime
    /// (outside one nothing follows the feed, and the head never changes).
    pub(crate) fn subscribe<F, Fut>(&self, follow: F) -> watch::Receiver<u64>
    where
        F: FnOnce(Follower) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.started.call_once(|| {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let follower = Follower { head: Arc::downgrade(&self.head), nudge: self.nudge.clone() };
                runtime.spawn(follow(follower));
            }
        });
        self.head.subscribe()
    }
}

/// What the follower task holds: the head, weakly, so that the task ends with its store.
pub(crate) struct Follower {
    head: Weak<watch::Sender<u64>>,
    pub(crate) nudge: Arc<Notify>,
}

impl Follower {
    /// Whether the store is still there.
    pub(crate) fn alive(&self) -> bool {
        self.head.strong_count() > 0
    }

    /// Whether anyone waits on the head.
    pub(crate) fn watched(&self) -> bool {
        self.head.upgrade().is_some_and(|head| head.receiver_count() > 0)
    }

    /// Announces the head, waking the receivers only when it moved; logs a failed look
    /// once per run of failures. Returns whether the store is still there.
    pub(crate) fn announce(&self, looked: Result<FeedPosition, StoreError>, failing: &mut bool) -> bool {
        let Some(head) = self.head.upgrade() else { return false };
        match looked {
            Ok(position) => {
                if *failing {
                    tracing::info!("feed: following the feed again");
                    *failing = false;
                }
                head.send_if_modified(|seen| {
                    let moved = *seen != position.0;
                    *seen = position.0;
                    moved
                });
            }
            Err(error) => {
                if !*failing {
                    tracing::warn!(%error, "feed: looking at the feed failed; trying again");
                    *failing = true;
                }
            }
        }
        true
    }
}
