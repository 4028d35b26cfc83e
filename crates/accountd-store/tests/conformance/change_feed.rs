//! The feed of account changes that the database's triggers write.

use std::time::Duration;

use uuid::Uuid;

use crate::accounts::token;
use crate::harness::{insert_user, now, on_each_store, session_of};

#[tokio::test]
async fn the_feed_names_accounts_changed_since_the_cursor() {
    on_each_store(|store| async move {
        let alice = insert_user(&store, "alice").await;
        let bob = insert_user(&store, "bob").await;
        let mut conn = store.reader().await.unwrap();
        let session = session_of(bob, now());
        conn.insert_session(&session, &token("bob")).await.unwrap();
        let start = conn.account_changes_cursor().await.unwrap();
        let (unchanged, nothing) = crate::harness::changed_users(conn.account_changes_since(start).await.unwrap());
        assert!(nothing.is_empty(), "{nothing:?}");

        conn.set_last_login(alice, now()).await.unwrap();
        let (after_alice, changed) =
            crate::harness::changed_users(conn.account_changes_since(unchanged).await.unwrap());
        assert_eq!(changed, vec![alice]);

        assert!(conn.delete_session(bob, session.id).await.unwrap());
        let (_, changed) = crate::harness::changed_users(conn.account_changes_since(after_alice).await.unwrap());
        assert!(changed.contains(&bob), "a session going away is a change: {changed:?}");
        let (_, changed) = crate::harness::changed_users(conn.account_changes_since(start).await.unwrap());
        assert!(changed.contains(&alice) && changed.contains(&bob));
    })
    .await;
}

#[tokio::test]
async fn a_transaction_that_commits_after_a_later_one_is_not_skipped() {
    on_each_store(|store| async move {
        let alice = insert_user(&store, "alice").await;
        let bob = insert_user(&store, "bob").await;
        let mut reader = store.reader().await.unwrap();
        let start = reader.account_changes_cursor().await.unwrap();

        let mut earlier = store.begin().await.unwrap();
        earlier.set_last_login(alice, now()).await.unwrap();
        let cursor = if store.backend() == "postgres" {
            // The later transaction commits first, and the feed is read in between.
            let mut later = store.begin().await.unwrap();
            later.set_last_login(bob, now()).await.unwrap();
            later.commit().await.unwrap();
            let (cursor, changed) = crate::harness::changed_users(reader.account_changes_since(start).await.unwrap());
            assert_eq!(changed, vec![bob], "the uncommitted change is not visible yet");
            earlier.commit().await.unwrap();
            cursor
        } else {
            // SQLite commits one transaction at a time: the writer queues the second.
            earlier.commit().await.unwrap();
            let (cursor, changed) = crate::harness::changed_users(reader.account_changes_since(start).await.unwrap());
            assert_eq!(changed, vec![alice]);
            let mut later = store.begin().await.unwrap();
            later.set_last_login(bob, now()).await.unwrap();
            later.commit().await.unwrap();
            cursor
        };
        let (_, changed) = crate::harness::changed_users(reader.account_changes_since(cursor).await.unwrap());
        let expected = if store.backend() == "postgres" { alice } else { bob };
        assert!(changed.contains(&expected), "{changed:?}");
    })
    .await;
}

#[tokio::test]
async fn a_change_committed_late_is_not_pruned_before_every_reader_has_read_it() {
    on_each_store(|store| async move {
        let alice = insert_user(&store, "alice").await;
        let reader_node = Uuid::now_v7();
        let mut reader = store.reader().await.unwrap();
        let cursor = reader.account_changes_cursor().await.unwrap();
        reader.record_feed_reader(reader_node, cursor).await.unwrap();
        // However old its row is when it commits, the reader has not read it.
        let mut late = store.begin().await.unwrap();
        late.set_last_login(alice, now()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        late.commit().await.unwrap();
        assert_eq!(reader.prune_account_changes(Duration::from_secs(3600)).await.unwrap(), 0);
        let (after, changed) = crate::harness::changed_users(reader.account_changes_since(cursor).await.unwrap());
        assert!(changed.contains(&alice), "{changed:?}");

        // Once read (PostgreSQL: once no other transaction on the server holds the
        // horizon back), it goes.
        let mut read_to = after;
        for _ in 0..50 {
            reader.record_feed_reader(reader_node, read_to).await.unwrap();
            if reader.prune_account_changes(Duration::from_secs(3600)).await.unwrap() > 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            read_to = reader.account_changes_since(read_to).await.unwrap().0;
        }
        panic!("the change was never pruned after every reader had read it");
    })
    .await;
}

#[tokio::test]
async fn a_reader_silent_past_the_limit_no_longer_holds_pruning_back() {
    on_each_store(|store| async move {
        let alice = insert_user(&store, "alice").await;
        let mut conn = store.reader().await.unwrap();
        let start = conn.account_changes_cursor().await.unwrap();
        conn.record_feed_reader(Uuid::now_v7(), start).await.unwrap();
        conn.set_last_login(alice, now()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(conn.prune_account_changes(Duration::from_secs(3600)).await.unwrap(), 0, "the reader is live");

        let live = Uuid::now_v7();
        let mut read_to = conn.account_changes_since(start).await.unwrap().0;
        for _ in 0..50 {
            conn.record_feed_reader(live, read_to).await.unwrap();
            if conn.prune_account_changes(Duration::from_secs(1)).await.unwrap() > 0 {
                let (_, changed) = crate::harness::changed_users(conn.account_changes_since(start).await.unwrap());
                assert!(!changed.contains(&alice), "{changed:?}");
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            read_to = conn.account_changes_since(read_to).await.unwrap().0;
        }
        panic!("the silent reader still held pruning back");
    })
    .await;
}
