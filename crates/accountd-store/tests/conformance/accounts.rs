//! Accounts, their identity fields, credentials, sessions, the login history and activity.

use accountd_core::password::PasswordHashString;
use accountd_core::user::{Activity, Device, LoginAttempt, Notifications, Preferences, Role, Theme};
use accountd_core::UserId;
use accountd_store::{PageRequest, ProfileChanges, StoreError, UniqueKey};

use crate::harness::{hours, insert_user, new_user, now, on_each_store, session_of};

const ALL: PageRequest = PageRequest { limit: 50, offset: 0 };

#[tokio::test]
async fn an_inserted_user_is_found_by_id_login_and_username() {
    on_each_store(|store| async move {
        let mut conn = store.reader().await.unwrap();
        let user = new_user("Alice");
        conn.insert_user(&user).await.unwrap();

        let by_id = conn.user_by_id(user.id).await.unwrap().expect("by id");
        assert_eq!(by_id.email.to_string(), "Alice@Example.com");
        assert_eq!(by_id.username.to_string(), "Alice");
        assert_eq!(by_id.display_name.as_deref(), Some("Alice display"));
        assert_eq!(by_id.role, Role::User);
        assert!(!by_id.email_verified && !by_id.banned && !by_id.two_factor_enabled);
        assert_eq!(by_id.password_hash, user.password_hash);
        assert_eq!(by_id.created_at, user.created_at);
        assert_eq!(by_id.preferences, Preferences::default());

        assert_eq!(conn.user_by_login("alice@example.com").await.unwrap().map(|u| u.id), Some(user.id));
        assert_eq!(conn.user_by_login("alice").await.unwrap().map(|u| u.id), Some(user.id));
        assert!(conn.user_by_login("nobody").await.unwrap().is_none());
        assert_eq!(conn.user_by_username("ALICE").await.unwrap().map(|u| u.id), Some(user.id));
        assert!(conn.username_exists("aLiCe").await.unwrap());
        assert!(!conn.username_exists("bob").await.unwrap());
        assert!(conn.user_by_id(UserId::new()).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn a_taken_email_or_username_is_a_conflict_naming_the_key() {
    on_each_store(|store| async move {
        let mut conn = store.reader().await.unwrap();
        conn.insert_user(&new_user("alice")).await.unwrap();

        let same_email = accountd_store::NewUser { username: "other".into(), ..new_user("alice") };
        let error = conn.insert_user(&same_email).await.unwrap_err();
        assert!(matches!(error, StoreError::Conflict(UniqueKey::UserEmail)), "{error:?}");

        let same_username = accountd_store::NewUser {
            email: "x@example.com".into(),
            email_normalized: "x@example.com".into(),
            username: "ALICE".into(),
            ..new_user("alice")
        };
        let error = conn.insert_user(&same_username).await.unwrap_err();
        assert!(matches!(error, StoreError::Conflict(UniqueKey::UserUsername)), "{error:?}");

        let bob = insert_user(&store, "bob").await;
        let error = conn.set_email(bob, "Alice@Example.com", "alice@example.com", now()).await.unwrap_err();
        assert!(matches!(error, StoreError::Conflict(UniqueKey::UserEmail)), "{error:?}");
        let error = conn.set_username(bob, "Alice", now()).await.unwrap_err();
        assert!(matches!(error, StoreError::Conflict(UniqueKey::UserUsername)), "{error:?}");
    })
    .await;
}

#[tokio::test]
async fn search_finds_unbanned_accounts_by_username_or_display_name_prefix() {
    on_each_store(|store| async move {
        let anna = insert_user(&store, "anna").await;
        let annex = insert_user(&store, "annex").await;
        insert_user(&store, "bob").await;
        let mut conn = store.reader().await.unwrap();
        conn.set_banned(annex, true, Some("spam"), now()).await.unwrap();

        let page = conn.search_users("ANN", ALL).await.unwrap();
        assert_eq!(page.total, 1);
        assert_eq!(page.items.iter().map(|u| u.id).collect::<Vec<_>>(), vec![anna]);
        // Display names count too, and LIKE wildcards in the prefix are literal.
        assert_eq!(conn.search_users("bob disp", ALL).await.unwrap().total, 1);
        assert_eq!(conn.search_users("%", ALL).await.unwrap().total, 0);
        let second = conn.search_users("", PageRequest { limit: 1, offset: 1 }).await.unwrap();
        assert_eq!((second.total, second.items.len()), (2, 1));
        assert_eq!(second.items[0].username.to_string(), "bob");
    })
    .await;
}

#[tokio::test]
async fn profile_role_last_login_email_and_username_changes_are_stored() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "carol").await;
        let mut conn = store.reader().await.unwrap();
        let at = now() + hours(1);
        let preferences = Preferences { theme: Theme::Dark, streamer_mode: true, locale: "de".into() };
        let changes = ProfileChanges {
            display_name: None,
            bio: "hello".into(),
            preferences: preferences.clone(),
            notifications: Notifications::default(),
            discord_webhook_url: Some("https://discord.com/api/webhooks/1/x".into()),
            updated_at: at,
        };
        conn.update_profile(id, &changes).await.unwrap();
        conn.set_role(id, Role::Admin, at).await.unwrap();
        conn.set_last_login(id, at).await.unwrap();
        let user = conn.user_by_id(id).await.unwrap().unwrap();
        assert_eq!(user.display_name, None);
        assert_eq!(user.bio, "hello");
        assert_eq!(user.preferences, preferences);
        assert_eq!(user.discord_webhook_url, changes.discord_webhook_url);
        assert_eq!(user.role, Role::Admin);
        assert_eq!(user.updated_at, at);
        assert_eq!(user.last_login_at, Some(at));

        conn.set_email(id, "New@Example.com", "new@example.com", at).await.unwrap();
        conn.set_username(id, "caroline", at).await.unwrap();
        let user = conn.user_by_id(id).await.unwrap().unwrap();
        assert_eq!(user.email.to_string(), "New@Example.com");
        assert!(user.email_verified, "a changed email was confirmed");
        assert_eq!(user.username.to_string(), "caroline");
        assert!(conn.email_in_use("new@example.com").await.unwrap());
        assert!(!conn.email_in_use("carol@example.com").await.unwrap());
    })
    .await;
}

#[tokio::test]
async fn set_password_keeps_the_last_four_earlier_hashes_newest_first() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "dave").await;
        let mut conn = store.reader().await.unwrap();
        for n in 1..=5 {
            conn.set_password(id, &PasswordHashString(format!("hash-{n}")), now() + hours(n)).await.unwrap();
        }
        let user = conn.user_by_id(id).await.unwrap().unwrap();
        assert_eq!(user.password_hash, Some(PasswordHashString("hash-5".into())));
        let history = conn.password_history(id, 10).await.unwrap();
        let history: Vec<_> = history.into_iter().map(|hash| hash.0).collect();
        assert_eq!(history, vec!["hash-4", "hash-3", "hash-2", "hash-1"]);
        assert_eq!(conn.password_history(id, 2).await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn remove_password_leaves_no_password_and_no_history() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "dora").await;
        let mut conn = store.reader().await.unwrap();
        for n in 1..=2 {
            conn.set_password(id, &PasswordHashString(format!("hash-{n}")), now() + hours(n)).await.unwrap();
        }
        conn.remove_password(id, now() + hours(3)).await.unwrap();
        let user = conn.user_by_id(id).await.unwrap().unwrap();
        assert_eq!(user.password_hash, None);
        assert!(conn.password_history(id, 10).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn sessions_are_found_by_token_while_live_and_deleted_by_owner() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "erin").await;
        let other = insert_user(&store, "frank").await;
        let mut conn = store.reader().await.unwrap();
        let start = now();
        let first = session_of(id, start);
        let second = session_of(id, start + hours(1));
        let foreign = session_of(other, start);
        conn.insert_session(&first, &token("first")).await.unwrap();
        conn.insert_session(&second, &token("second")).await.unwrap();
        conn.insert_session(&foreign, &token("foreign")).await.unwrap();

        let (session, user) = conn.session_by_token(&token("first"), start).await.unwrap().expect("live");
        assert_eq!((session.id, user.id), (first.id, id));
        assert_eq!(session.device, Device::unknown());
        assert!(conn.session_by_token(&token("first"), first.expires_at).await.unwrap().is_none());

        let later = start + hours(30);
        conn.touch_session(first.id, later, later + hours(24)).await.unwrap();
        let (session, _) = conn.session_by_token(&token("first"), later).await.unwrap().expect("extended");
        assert_eq!(session.last_seen_at, later);

        let live: Vec<_> = conn.sessions_of(id, start).await.unwrap().into_iter().map(|s| s.id).collect();
        assert_eq!(live, vec![second.id, first.id], "newest first");
        assert_eq!(conn.sessions_of(id, later).await.unwrap().len(), 1, "the second expired");

        assert!(!conn.delete_session(other, first.id).await.unwrap(), "not the owner's");
        assert!(conn.delete_session(id, second.id).await.unwrap());
        let third = session_of(id, start);
        conn.insert_session(&third, &token("third")).await.unwrap();
        assert_eq!(conn.delete_sessions_of(id, Some(first.id)).await.unwrap(), 1);
        assert_eq!(conn.sessions_of(id, start).await.unwrap().len(), 1);
        assert_eq!(conn.delete_sessions_of(id, None).await.unwrap(), 1);

        assert_eq!(conn.delete_expired_sessions(foreign.expires_at).await.unwrap(), 1);
        assert!(conn.session_by_token(&token("foreign"), start).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn login_attempts_and_activity_page_newest_first() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "gina").await;
        let mut conn = store.reader().await.unwrap();
        for n in 0..3 {
            let attempt = LoginAttempt {
                user_id: id,
                at: now() + hours(n),
                ip: None,
                user_agent: None,
                device: Device::unknown(),
                success: n == 2,
                method: "password".into(),
                failure_reason: (n != 2).then(|| "wrong_password".into()),
            };
            conn.insert_login_attempt(&attempt).await.unwrap();
            conn.insert_activity(&activity(Some(id), &format!("action_{n}"), n)).await.unwrap();
        }
        conn.insert_activity(&activity(None, "action_0", 5)).await.unwrap();

        let attempts = conn.login_attempts_of(id, PageRequest { limit: 2, offset: 0 }).await.unwrap();
        assert_eq!(attempts.total, 3);
        assert_eq!(attempts.items.len(), 2);
        assert!(attempts.items[0].success);
        assert_eq!(attempts.items[1].failure_reason.as_deref(), Some("wrong_password"));

        let activities = conn.activities_of(id, ALL).await.unwrap();
        assert_eq!(activities.total, 3);
        assert_eq!(activities.items[0].action, "action_2");
        assert_eq!(activities.items[0].metadata, serde_json::json!({ "n": 2 }));

        assert_eq!(conn.all_activities(None, None, ALL).await.unwrap().total, 4);
        assert_eq!(conn.all_activities(Some(id), None, ALL).await.unwrap().total, 3);
        let of_action = conn.all_activities(None, Some("action_0"), ALL).await.unwrap();
        assert_eq!(of_action.total, 2);
        assert_eq!(of_action.items[0].user_id, None, "newest first");
        assert_eq!(conn.all_activities(Some(id), Some("action_0"), ALL).await.unwrap().total, 1);

        assert_eq!(conn.count_activities_since(id, "action_1", now()).await.unwrap(), 1);
        assert_eq!(conn.count_activities_since(id, "action_1", now() + hours(2)).await.unwrap(), 0, "older");
        assert_eq!(conn.count_activities_since(id, "action_0", now() - hours(1)).await.unwrap(), 1, "its own only");
    })
    .await;
}

pub fn token(name: &str) -> accountd_core::token::TokenHash {
    accountd_core::token::TokenHash(format!("hash-of-{name}"))
}

fn activity(user: Option<UserId>, action: &str, n: i64) -> Activity {
    Activity {
        id: uuid::Uuid::now_v7(),
        user_id: user,
        action: action.into(),
        at: now() + hours(n),
        ip: Some("203.0.113.7".into()),
        user_agent: None,
        metadata: serde_json::json!({ "n": n }),
    }
}
