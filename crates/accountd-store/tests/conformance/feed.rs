//! The commit-ordered feed: appends and reads from a cursor, the account triggers, commit
//! order across transactions that commit out of id order, racing sequencers, pruning, and
//! the wake-ups of other store instances.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use accountd_core::UserId;
use accountd_store::{FeedEvent, FeedPosition, FeedTopic, Store};
use serde_json::json;
use uuid::Uuid;

use crate::accounts::token;
use crate::harness::{changed_users, insert_user, now, on_each_store, on_each_store_pair, session_of};

const STREAM: FeedTopic = FeedTopic::named("test.stream");
const OTHER: FeedTopic = FeedTopic::named("test.other");
const HOUR: Duration = Duration::from_secs(3600);

/// Numbers what has committed (PostgreSQL) as every node's feed follower does, and
/// returns the head.
async fn sequence(store: &Arc<dyn Store>) -> FeedPosition {
    store.reader().await.unwrap().sequence_feed().await.unwrap()
}

/// Appends event `n` in a transaction of its own.
async fn append(store: &Arc<dyn Store>, topic: FeedTopic, user: Option<UserId>, n: i64) {
    let mut tx = store.begin().await.unwrap();
    tx.append_feed_event(topic, user, &json!({ "n": n })).await.unwrap();
    tx.commit().await.unwrap();
}

async fn read(store: &Arc<dyn Store>, after: FeedPosition, limit: i64) -> Vec<FeedEvent> {
    store.reader().await.unwrap().feed_events_after(STREAM, after, limit).await.unwrap()
}

fn numbers(events: &[FeedEvent]) -> Vec<i64> {
    events.iter().map(|event| event.payload["n"].as_i64().unwrap()).collect()
}

fn last(events: &[FeedEvent]) -> FeedPosition {
    events.last().unwrap().position
}

#[tokio::test]
async fn events_of_a_topic_are_read_in_commit_order_from_a_cursor() {
    on_each_store(|store| async move {
        let alice = insert_user(&store, "alice").await;
        append(&store, STREAM, Some(alice), 1).await;
        append(&store, OTHER, None, 100).await;
        append(&store, STREAM, None, 2).await;
        append(&store, STREAM, None, 3).await;
        let mut rolled_back = store.begin().await.unwrap();
        rolled_back.append_feed_event(STREAM, None, &json!({ "n": 4 })).await.unwrap();
        drop(rolled_back);
        let head = sequence(&store).await;

        let all = read(&store, FeedPosition(0), 10).await;
        assert_eq!(numbers(&all), vec![1, 2, 3], "only this topic, only what committed");
        assert!(all.windows(2).all(|pair| pair[0].position < pair[1].position), "{all:?}");
        assert_eq!(all[0].user, Some(alice));
        assert_eq!(all[1].user, None);
        assert!((chrono::Utc::now() - all[0].created_at).num_seconds().abs() < 60);
        assert_eq!(last(&all), head, "the head is the newest position");

        let first_two = read(&store, FeedPosition(0), 2).await;
        assert_eq!(numbers(&first_two), vec![1, 2]);
        assert_eq!(numbers(&read(&store, last(&first_two), 10).await), vec![3], "resumes after the cursor");
        assert!(read(&store, head, 10).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn the_triggers_write_every_account_change_to_the_account_topic() {
    on_each_store(|store| async move {
        let alice = insert_user(&store, "alice").await;
        let bob = insert_user(&store, "bob").await;
        let mut conn = store.reader().await.unwrap();
        let session = session_of(bob, now());
        conn.insert_session(&session, &token("bob")).await.unwrap();
        let start = conn.sequence_feed().await.unwrap();
        assert!(conn.feed_rows_after(FeedTopic::ACCOUNT, start).await.unwrap().is_empty());

        conn.set_last_login(alice, now()).await.unwrap();
        let rows = conn.feed_rows_after(FeedTopic::ACCOUNT, start).await.unwrap();
        assert_eq!(changed_users(&rows), vec![alice], "seen at once, numbered or not");

        assert!(conn.delete_session(bob, session.id).await.unwrap());
        let rows = conn.feed_rows_after(FeedTopic::ACCOUNT, start).await.unwrap();
        assert!(changed_users(&rows).contains(&bob), "a session going away is a change: {rows:?}");
        let ids: HashSet<i64> = rows.iter().map(|row| row.id).collect();

        let head = conn.sequence_feed().await.unwrap();
        let numbered = conn.feed_rows_after(FeedTopic::ACCOUNT, start).await.unwrap();
        assert_eq!(numbered.iter().map(|row| row.id).collect::<HashSet<_>>(), ids, "the same rows, by id");
        assert!(numbered.iter().all(|row| row.position.is_some_and(|position| position <= head)));
        assert!(conn.feed_rows_after(FeedTopic::ACCOUNT, head).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_transaction_that_commits_after_a_later_one_is_read_after_it_and_never_skipped() {
    on_each_store(|store| async move {
        let start = sequence(&store).await;
        let mut earlier = store.begin().await.unwrap();
        earlier.append_feed_event(STREAM, None, &json!({ "n": 1 })).await.unwrap();
        if store.backend() == "postgres" {
            // The later transaction (a higher row id) commits first, and is read first.
            append(&store, STREAM, None, 2).await;
            sequence(&store).await;
            let first = read(&store, start, 10).await;
            assert_eq!(numbers(&first), vec![2], "the open transaction's event is not visible yet");

            earlier.commit().await.unwrap();
            sequence(&store).await;
            let then = read(&store, last(&first), 10).await;
            assert_eq!(numbers(&then), vec![1], "the late commit is read after the cursor");
            assert!(last(&then) > last(&first));
            assert_eq!(numbers(&read(&store, start, 10).await), vec![2, 1], "in commit order, once each");
        } else {
            // SQLite commits one transaction at a time: the writer queues the second.
            earlier.commit().await.unwrap();
            append(&store, STREAM, None, 2).await;
            assert_eq!(numbers(&read(&store, start, 10).await), vec![1, 2]);
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_writers_and_sequencers_give_a_follower_every_event_once_in_commit_order() {
    const WRITERS: i64 = 4;
    const EACH: i64 = 25;
    on_each_store(|store| async move {
        let start = sequence(&store).await;
        let mut tasks = Vec::new();
        for writer in 0..WRITERS {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for k in 0..EACH {
                    append(&store, STREAM, None, writer * 1000 + k).await;
                }
            }));
        }
        let writing = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let mut sequencers = Vec::new();
        for _ in 0..2 {
            let (store, writing) = (store.clone(), writing.clone());
            sequencers.push(tokio::spawn(async move {
                while writing.load(std::sync::atomic::Ordering::SeqCst) {
                    sequence(&store).await;
                }
            }));
        }
        let follower = {
            let store = store.clone();
            tokio::spawn(async move {
                let (mut cursor, mut seen) = (start, Vec::new());
                let deadline = Instant::now() + Duration::from_secs(60);
                while seen.len() < usize::try_from(WRITERS * EACH).unwrap() && Instant::now() < deadline {
                    let events = read(&store, cursor, 7).await;
                    if let Some(event) = events.last() {
                        cursor = event.position;
                    }
                    seen.extend(events);
                }
                seen
            })
        };
        for task in tasks {
            task.await.unwrap();
        }
        // Whatever committed last is numbered by a sequencer that starts after it.
        sequence(&store).await;
        writing.store(false, std::sync::atomic::Ordering::SeqCst);
        for task in sequencers {
            task.await.unwrap();
        }
        let seen = follower.await.unwrap();

        let got = numbers(&seen);
        assert_eq!(got.iter().collect::<HashSet<_>>().len(), got.len(), "no event twice: {got:?}");
        assert_eq!(got.len(), usize::try_from(WRITERS * EACH).unwrap(), "no event skipped");
        for writer in 0..WRITERS {
            let mine: Vec<i64> = got.iter().copied().filter(|n| n / 1000 == writer).collect();
            assert!(mine.windows(2).all(|pair| pair[0] < pair[1]), "one writer's commits in order: {mine:?}");
        }
        let positions: Vec<u64> = read(&store, start, 1000).await.iter().map(|event| event.position.0).collect();
        assert!(positions.windows(2).all(|pair| pair[1] == pair[0] + 1), "unique and contiguous: {positions:?}");
    })
    .await;
}

#[tokio::test]
async fn pruning_deletes_only_what_every_live_reader_has_passed() {
    on_each_store(|store| async move {
        let (node, laggard) = (Uuid::now_v7(), Uuid::now_v7());
        let mut conn = store.reader().await.unwrap();
        let start = conn.sequence_feed().await.unwrap();
        conn.record_feed_reader(node, start).await.unwrap();
        conn.record_feed_reader(laggard, start).await.unwrap();
        for n in 1..=3 {
            append(&store, STREAM, None, n).await;
        }
        conn.sequence_feed().await.unwrap();
        let events = read(&store, start, 10).await;
        conn.record_feed_reader(node, events[2].position).await.unwrap();
        assert_eq!(conn.prune_feed(HOUR, Duration::ZERO).await.unwrap(), 0, "the laggard has read none");

        conn.record_feed_reader(laggard, events[1].position).await.unwrap();
        assert_eq!(conn.prune_feed(HOUR, Duration::ZERO).await.unwrap(), 2);
        assert_eq!(numbers(&read(&store, start, 10).await), vec![3], "the one the laggard has not read stays");
    })
    .await;
}

#[tokio::test]
async fn pruning_keeps_events_younger_than_the_retention_so_a_stream_can_resume() {
    on_each_store(|store| async move {
        let mut conn = store.reader().await.unwrap();
        let start = conn.sequence_feed().await.unwrap();
        append(&store, STREAM, None, 1).await;
        let head = conn.sequence_feed().await.unwrap();
        conn.record_feed_reader(Uuid::now_v7(), head).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;

        assert_eq!(conn.prune_feed(HOUR, HOUR).await.unwrap(), 0, "read by every node, but young");
        assert_eq!(numbers(&read(&store, start, 10).await), vec![1]);
        assert_eq!(conn.prune_feed(HOUR, Duration::from_secs(1)).await.unwrap(), 1, "past the retention it goes");
        assert!(read(&store, start, 10).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn an_event_committed_late_is_not_pruned_before_every_reader_has_read_it() {
    on_each_store(|store| async move {
        let node = Uuid::now_v7();
        let mut reader = store.reader().await.unwrap();
        let start = reader.sequence_feed().await.unwrap();
        reader.record_feed_reader(node, start).await.unwrap();
        // However old its row is when it commits, the reader has not read it.
        let mut late = store.begin().await.unwrap();
        late.append_feed_event(STREAM, None, &json!({ "n": 1 })).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        if store.backend() == "postgres" {
            // Meanwhile the reader reads past later events, and they are pruned.
            append(&store, STREAM, None, 2).await;
            let head = reader.sequence_feed().await.unwrap();
            assert_eq!(numbers(&read(&store, start, 10).await), vec![2]);
            reader.record_feed_reader(node, head).await.unwrap();
            assert_eq!(reader.prune_feed(HOUR, Duration::ZERO).await.unwrap(), 1);
        }
        late.commit().await.unwrap();
        let head = reader.sequence_feed().await.unwrap();
        assert_eq!(reader.prune_feed(HOUR, Duration::ZERO).await.unwrap(), 0, "the reader has not read it");
        assert_eq!(numbers(&read(&store, start, 10).await), vec![1]);

        reader.record_feed_reader(node, head).await.unwrap();
        assert_eq!(reader.prune_feed(HOUR, Duration::ZERO).await.unwrap(), 1, "once read, it goes");
    })
    .await;
}

#[tokio::test]
async fn a_reader_silent_past_the_limit_no_longer_holds_pruning_back() {
    on_each_store(|store| async move {
        let mut conn = store.reader().await.unwrap();
        let start = conn.sequence_feed().await.unwrap();
        conn.record_feed_reader(Uuid::now_v7(), start).await.unwrap();
        append(&store, STREAM, None, 1).await;
        let head = conn.sequence_feed().await.unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        conn.record_feed_reader(Uuid::now_v7(), head).await.unwrap();
        assert_eq!(conn.prune_feed(HOUR, Duration::ZERO).await.unwrap(), 0, "the first reader is live");

        assert_eq!(conn.prune_feed(Duration::from_secs(1), Duration::ZERO).await.unwrap(), 1);
        assert!(read(&store, start, 10).await.is_empty());
    })
    .await;
}

/// Waits for the head to move and returns how long that took.
async fn moved_within(signal: &mut tokio::sync::watch::Receiver<u64>, bound: Duration) -> Duration {
    let started = Instant::now();
    tokio::time::timeout(bound, signal.changed())
        .await
        .unwrap_or_else(|_| panic!("the feed signal did not move within {bound:?}"))
        .unwrap();
    started.elapsed()
}

#[tokio::test]
async fn a_commit_wakes_the_feed_signal_of_its_own_store_at_once() {
    on_each_store(|store| async move {
        let mut signal = store.feed_signal();
        // The follower starts with the signal; let it settle on the head.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        for n in 0..5 {
            signal.borrow_and_update();
            append(&store, STREAM, None, n).await;
            moved_within(&mut signal, Duration::from_millis(400)).await;
            assert_eq!(*signal.borrow(), sequence(&store).await.0, "it announces the head");
        }
    })
    .await;
}

#[tokio::test]
async fn a_commit_through_one_store_wakes_the_feed_signal_of_another() {
    on_each_store_pair(|writer, other| async move {
        let mut signal = other.feed_signal();
        tokio::time::sleep(Duration::from_millis(1200)).await;
        // PostgreSQL notifies every listener after the commit: within milliseconds, well
        // inside the follower's one-second poll, every time (a test that passed by the
        // poll would miss here). SQLite has no notification across processes: the other
        // store's poll wakes it within a second (plus a margin for a busy machine).
        let bound =
            if other.backend() == "postgres" { Duration::from_millis(400) } else { Duration::from_millis(2500) };
        for n in 0..6 {
            signal.borrow_and_update();
            append(&writer, STREAM, None, n).await;
            moved_within(&mut signal, bound).await;
        }
        assert_eq!(numbers(&read(&other, FeedPosition(0), 10).await), vec![0, 1, 2, 3, 4, 5]);
    })
    .await;
}
