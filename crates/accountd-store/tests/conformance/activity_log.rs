//! Activity beyond one account's page: the public feed, an export's walk, retention; and
//! the exports themselves.

use accountd_core::export::{Export, ExportStatus};
use accountd_core::user::{Activity, Device, LoginAttempt};
use accountd_core::UserId;
use accountd_store::{ActivityCursor, PageRequest, StoreError, UniqueKey};

use crate::harness::{hours, insert_user, now, on_each_store};

const ALL: PageRequest = PageRequest { limit: 50, offset: 0 };

fn activity(user: UserId, action: &str, at_hours: i64) -> Activity {
    Activity {
        id: uuid::Uuid::now_v7(),
        user_id: Some(user),
        action: action.into(),
        at: now() + hours(at_hours),
        ip: Some("203.0.113.7".into()),
        user_agent: Some("agent".into()),
        metadata: serde_json::json!({}),
    }
}

#[tokio::test]
async fn the_public_feed_lists_only_the_named_actions_of_accounts_not_banned_newest_first() {
    on_each_store(|store| async move {
        let jane = insert_user(&store, "jane").await;
        let spammer = insert_user(&store, "spammer").await;
        let mut conn = store.reader().await.unwrap();
        conn.insert_activity(&activity(jane, "user.registered", 0)).await.unwrap();
        conn.insert_activity(&activity(jane, "auth.login", 1)).await.unwrap();
        conn.insert_activity(&activity(jane, "username.changed", 2)).await.unwrap();
        conn.insert_activity(&activity(spammer, "user.registered", 3)).await.unwrap();
        conn.set_banned(spammer, true, Some("spam"), now()).await.unwrap();

        let public = ["user.registered", "username.changed"];
        let page = conn.public_activities(&public, ALL).await.unwrap();
        assert_eq!(page.total, 2);
        let actions: Vec<&str> = page.items.iter().map(|item| item.action.as_str()).collect();
        assert_eq!(actions, ["username.changed", "user.registered"]);
        assert!(page.items.iter().all(|item| item.actor_id == jane && item.actor_username == "jane"));

        let second = conn.public_activities(&public, PageRequest { limit: 1, offset: 1 }).await.unwrap();
        assert_eq!(second.items.len(), 1);
        assert_eq!(second.items[0].action, "user.registered");
    })
    .await;
}

#[tokio::test]
async fn walking_an_accounts_activity_returns_every_row_once_oldest_first() {
    on_each_store(|store| async move {
        let jane = insert_user(&store, "jane").await;
        let other = insert_user(&store, "other").await;
        let mut conn = store.reader().await.unwrap();
        // Two rows at the same moment: the walk orders them by id and loses neither.
        let same_moment = activity(jane, "auth.login", 1);
        let mut twin = activity(jane, "auth.logout", 1);
        twin.at = same_moment.at;
        for row in [activity(jane, "user.registered", 0), same_moment, twin, activity(jane, "profile.updated", 2)] {
            conn.insert_activity(&row).await.unwrap();
        }
        conn.insert_activity(&activity(other, "auth.login", 0)).await.unwrap();

        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let rows = conn.activities_after(jane, cursor, 2).await.unwrap();
            let Some(last) = rows.last() else { break };
            cursor = Some(ActivityCursor { at: last.at, id: last.id });
            seen.extend(rows.into_iter().map(|row| row.action));
        }
        assert_eq!(seen, ["user.registered", "auth.login", "auth.logout", "profile.updated"]);
    })
    .await;
}

#[tokio::test]
async fn pruning_deletes_only_activity_and_login_attempts_older_than_the_cut() {
    on_each_store(|store| async move {
        let jane = insert_user(&store, "jane").await;
        let mut conn = store.reader().await.unwrap();
        conn.insert_activity(&activity(jane, "auth.login", -48)).await.unwrap();
        conn.insert_activity(&activity(jane, "auth.logout", 0)).await.unwrap();
        for at in [-48, 0] {
            let attempt = LoginAttempt {
                user_id: jane,
                at: now() + hours(at),
                ip: None,
                user_agent: None,
                device: Device::unknown(),
                success: true,
                method: "password".into(),
                failure_reason: None,
            };
            conn.insert_login_attempt(&attempt).await.unwrap();
        }

        assert_eq!(conn.prune_activities(now() - hours(24)).await.unwrap(), 1);
        assert_eq!(conn.prune_login_attempts(now() - hours(24)).await.unwrap(), 1);
        let left = conn.activities_of(jane, ALL).await.unwrap();
        assert_eq!(left.items.iter().map(|row| row.action.as_str()).collect::<Vec<_>>(), ["auth.logout"]);
        assert_eq!(conn.login_attempts_of(jane, ALL).await.unwrap().total, 1);
    })
    .await;
}

#[tokio::test]
async fn an_account_has_one_export_in_progress_at_a_time() {
    on_each_store(|store| async move {
        let jane = insert_user(&store, "jane").await;
        let mut conn = store.reader().await.unwrap();
        let first = Export::requested(jane, now());
        conn.insert_export(&first).await.unwrap();
        let second = Export::requested(jane, now());
        assert!(matches!(conn.insert_export(&second).await, Err(StoreError::Conflict(UniqueKey::ExportInProgress))));

        assert!(conn.set_export_progress(first.id, 40).await.unwrap());
        let running = conn.export_by_id(first.id).await.unwrap().unwrap();
        assert_eq!((running.status, running.progress), (ExportStatus::Running, 40));
        assert!(matches!(conn.insert_export(&second).await, Err(StoreError::Conflict(UniqueKey::ExportInProgress))));

        conn.finish_export(first.id, "exports/a.zip", 1234, now()).await.unwrap();
        let done = conn.export_by_id(first.id).await.unwrap().unwrap();
        assert_eq!((done.status, done.progress), (ExportStatus::Done, 100));
        assert_eq!(done.archive_key.as_deref(), Some("exports/a.zip"));
        assert_eq!(done.size_bytes, Some(1234));
        assert!(!conn.set_export_progress(first.id, 50).await.unwrap(), "a finished export stays finished");
        conn.insert_export(&second).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn expired_exports_are_listed_and_deleted() {
    on_each_store(|store| async move {
        let jane = insert_user(&store, "jane").await;
        let mut conn = store.reader().await.unwrap();
        let old = Export::requested(jane, now() - hours(24 * 8));
        conn.insert_export(&old).await.unwrap();
        conn.fail_export(old.id, "boom", now()).await.unwrap();
        let fresh = Export::requested(jane, now());
        conn.insert_export(&fresh).await.unwrap();

        let expired = conn.expired_exports(now(), 10).await.unwrap();
        assert_eq!(expired.iter().map(|export| export.id).collect::<Vec<_>>(), [old.id]);
        assert_eq!(expired[0].status, ExportStatus::Failed);
        conn.delete_export(old.id).await.unwrap();
        assert!(conn.export_by_id(old.id).await.unwrap().is_none());
        assert!(conn.export_by_id(fresh.id).await.unwrap().is_some());
    })
    .await;
}
