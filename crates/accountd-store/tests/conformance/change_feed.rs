//! The feed of account changes that the database's triggers write.

use std::time::Duration;

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
async fn pruning_deletes_only_changes_older_than_the_age() {
    on_each_store(|store| async move {
        let alice = insert_user(&store, "alice").await;
        let mut conn = store.reader().await.unwrap();
        let start = conn.account_changes_cursor().await.unwrap();
        conn.set_last_login(alice, now()).await.unwrap();
        assert_eq!(conn.prune_account_changes(Duration::from_secs(3600)).await.unwrap(), 0);
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(conn.prune_account_changes(Duration::from_secs(1)).await.unwrap(), 1);
        let (_, changed) = crate::harness::changed_users(conn.account_changes_since(start).await.unwrap());
        assert!(changed.is_empty(), "{changed:?}");
    })
    .await;
}
