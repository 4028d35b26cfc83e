//! Personal access tokens, the upload token, limits, login throttling and administration.

use accountd_core::access::{LimitOverrides, PersonalAccessToken};
use accountd_core::scope::Scope;
use accountd_core::user::Role;
use accountd_core::{TokenId, UserId};
use accountd_store::{account_subject, AuthFailureKind, PageRequest};

use crate::accounts::token;
use crate::harness::{hours, insert_user, now, on_each_store, session_of};

const ALL: PageRequest = PageRequest { limit: 50, offset: 0 };

fn pat(user: UserId, name: &str, expires_in_hours: Option<i64>) -> PersonalAccessToken {
    PersonalAccessToken {
        id: TokenId::new(),
        user_id: user,
        name: name.into(),
        scopes: vec![Scope::UserRead],
        prefix: format!("pat_{name}"),
        created_at: now(),
        last_used_at: None,
        expires_at: expires_in_hours.map(|n| now() + hours(n)),
    }
}

#[tokio::test]
async fn personal_access_tokens_are_listed_found_touched_and_deleted() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "hank").await;
        let other = insert_user(&store, "ivy").await;
        let mut conn = store.reader().await.unwrap();
        let forever = pat(id, "forever", None);
        let short = pat(id, "short", Some(1));
        conn.insert_pat(&forever, &token("forever")).await.unwrap();
        conn.insert_pat(&short, &token("short")).await.unwrap();
        conn.insert_pat(&pat(other, "theirs", None), &token("theirs")).await.unwrap();

        let names: Vec<_> = conn.pats_of(id, now()).await.unwrap().into_iter().map(|t| t.name).collect();
        assert_eq!(names.len(), 2);
        assert_eq!(conn.pats_of(id, now() + hours(2)).await.unwrap().len(), 1, "the short one expired");

        let (found, user) = conn.pat_by_token(&token("forever"), now()).await.unwrap().expect("found");
        assert_eq!((found.id, user.id), (forever.id, id));
        assert_eq!(found.scopes, vec![Scope::UserRead]);
        assert!(conn.pat_by_token(&token("short"), now() + hours(2)).await.unwrap().is_none());

        let used = now() + hours(1);
        conn.touch_pat(forever.id, used).await.unwrap();
        let (found, _) = conn.pat_by_token(&token("forever"), now()).await.unwrap().unwrap();
        assert_eq!(found.last_used_at, Some(used));

        assert!(!conn.delete_pat(other, forever.id).await.unwrap(), "not the owner's");
        assert!(conn.delete_pat(id, forever.id).await.unwrap());
        assert_eq!(conn.delete_pats_of(id).await.unwrap(), 1);
        assert!(conn.pats_of(id, now()).await.unwrap().is_empty());
        assert_eq!(conn.pats_of(other, now()).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn the_upload_token_is_kept_if_present_replaced_and_deleted() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "jack").await;
        let mut conn = store.reader().await.unwrap();
        assert!(conn.upload_token_of(id).await.unwrap().is_none());

        let first_at = now();
        conn.insert_upload_token_if_absent(id, &token("up1"), "sealed-1", first_at).await.unwrap();
        conn.insert_upload_token_if_absent(id, &token("up2"), "sealed-2", first_at + hours(1)).await.unwrap();
        assert_eq!(conn.upload_token_of(id).await.unwrap(), Some(("sealed-1".into(), first_at)));
        assert_eq!(conn.user_by_upload_token(&token("up1")).await.unwrap().map(|u| u.id), Some(id));
        assert!(conn.user_by_upload_token(&token("up2")).await.unwrap().is_none());

        let second_at = first_at + hours(2);
        conn.replace_upload_token(id, &token("up3"), "sealed-3", second_at).await.unwrap();
        assert_eq!(conn.upload_token_of(id).await.unwrap(), Some(("sealed-3".into(), second_at)));
        assert!(conn.user_by_upload_token(&token("up1")).await.unwrap().is_none());
        assert_eq!(conn.user_by_upload_token(&token("up3")).await.unwrap().map(|u| u.id), Some(id));

        conn.delete_upload_token(id).await.unwrap();
        assert!(conn.upload_token_of(id).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn limit_overrides_are_stored_and_sessions_counted_and_trimmed() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "kim").await;
        let mut conn = store.reader().await.unwrap();
        assert_eq!(conn.limit_overrides(id).await.unwrap(), LimitOverrides::default());
        let overrides = LimitOverrides {
            personal_access_tokens: Some(3),
            additional_addresses: None,
            sessions: Some(2),
            storage_bytes: Some(1 << 40),
        };
        conn.set_limit_overrides(id, &overrides).await.unwrap();
        assert_eq!(conn.limit_overrides(id).await.unwrap(), overrides);
        let cleared = LimitOverrides { sessions: Some(5), ..LimitOverrides::default() };
        conn.set_limit_overrides(id, &cleared).await.unwrap();
        assert_eq!(conn.limit_overrides(id).await.unwrap(), cleared);

        let start = now();
        let mut sessions = Vec::new();
        for n in 0..3 {
            let mut session = session_of(id, start);
            session.last_seen_at = start + hours(n);
            conn.insert_session(&session, &token(&format!("s{n}"))).await.unwrap();
            sessions.push(session.id);
        }
        assert_eq!(conn.count_sessions(id, start).await.unwrap(), 3);
        assert_eq!(conn.count_sessions(id, start + hours(25)).await.unwrap(), 0, "all expired");
        assert_eq!(conn.trim_sessions(id, 1).await.unwrap(), 2);
        let left: Vec<_> = conn.sessions_of(id, start).await.unwrap().into_iter().map(|s| s.id).collect();
        assert_eq!(left, vec![sessions[2]], "the most recently seen stays");
    })
    .await;
}

#[tokio::test]
async fn auth_failures_are_recorded_per_subject_prefix_and_kind_read_since_and_cleared() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "lena").await;
        let other = insert_user(&store, "mo").await;
        let (lena, mo) = (account_subject(id), account_subject(other));
        let mut conn = store.reader().await.unwrap();
        let start = now();
        let long_ago = start - hours(100);
        for n in 0..3 {
            conn.record_auth_failure(&lena, "203.0.113.7", AuthFailureKind::Password, start + hours(n), long_ago)
                .await
                .unwrap();
        }
        conn.record_auth_failure(&lena, "2001:db8::/64", AuthFailureKind::SecondFactor, start, long_ago).await.unwrap();
        conn.record_auth_failure(&mo, "203.0.113.7", AuthFailureKind::Password, start, long_ago).await.unwrap();
        let since = conn.auth_failures_since(&lena, AuthFailureKind::Password, start).await.unwrap();
        assert_eq!(
            since,
            vec![(start + hours(1), "203.0.113.7".to_string()), (start + hours(2), "203.0.113.7".to_string())],
            "after `since`, oldest first, of that kind only"
        );
        let second = conn.auth_failures_since(&lena, AuthFailureKind::SecondFactor, long_ago).await.unwrap();
        assert_eq!(second, vec![(start, "2001:db8::/64".to_string())]);

        conn.clear_client_auth_failures(&lena, "2001:db8::/64").await.unwrap();
        assert!(conn.auth_failures_since(&lena, AuthFailureKind::SecondFactor, long_ago).await.unwrap().is_empty());
        assert_eq!(conn.auth_failures_since(&lena, AuthFailureKind::Password, long_ago).await.unwrap().len(), 3);

        // Recording forgets every row older than the window, whoever's it was.
        conn.record_auth_failure(&mo, "198.51.100.1", AuthFailureKind::Password, start + hours(3), start + hours(1))
            .await
            .unwrap();
        assert_eq!(conn.auth_failures_since(&lena, AuthFailureKind::Password, long_ago).await.unwrap().len(), 2);
        assert_eq!(conn.auth_failures_since(&mo, AuthFailureKind::Password, long_ago).await.unwrap().len(), 1);

        conn.clear_login_failures(id).await.unwrap();
        assert!(conn.auth_failures_since(&lena, AuthFailureKind::Password, long_ago).await.unwrap().is_empty());
        assert_eq!(conn.auth_failures_since(&mo, AuthFailureKind::Password, long_ago).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn administrators_list_ban_verify_and_delete_accounts() {
    on_each_store(|store| async move {
        let nora = insert_user(&store, "nora").await;
        let oscar = insert_user(&store, "oscar").await;
        let mut conn = store.reader().await.unwrap();
        assert!(conn.lock_active_admins().await.unwrap().is_empty());
        conn.set_role(nora, Role::Admin, now()).await.unwrap();
        conn.set_role(oscar, Role::Admin, now()).await.unwrap();
        let mut admins = vec![nora, oscar];
        admins.sort_by_key(|id| id.as_uuid());
        assert_eq!(conn.lock_active_admins().await.unwrap(), admins, "every administrator, by id");
        conn.set_banned(oscar, true, Some("spam"), now()).await.unwrap();
        assert_eq!(conn.lock_active_admins().await.unwrap(), vec![nora], "banned ones do not count");
        conn.set_email_verified(nora, true, now()).await.unwrap();

        let everyone = conn.list_users(None, ALL).await.unwrap();
        assert_eq!(everyone.total, 2, "banned accounts too");
        assert_eq!(conn.list_users(Some("OSC"), ALL).await.unwrap().items[0].id, oscar);
        assert_eq!(conn.list_users(Some("nora@"), ALL).await.unwrap().total, 1, "by email");
        assert_eq!(conn.list_users(Some("nora disp"), ALL).await.unwrap().total, 1, "by display name");
        let page = conn.list_users(None, PageRequest { limit: 1, offset: 1 }).await.unwrap();
        assert_eq!((page.total, page.items.len()), (2, 1));

        assert!(conn.user_by_id(oscar).await.unwrap().unwrap().banned);
        assert!(conn.user_by_id(nora).await.unwrap().unwrap().email_verified);
        conn.set_banned(oscar, false, None, now()).await.unwrap();
        assert!(!conn.user_by_id(oscar).await.unwrap().unwrap().banned);

        conn.insert_session(&session_of(oscar, now()), &token("oscar")).await.unwrap();
        conn.erase_account(oscar, &[]).await.unwrap();
        assert!(conn.user_by_id(oscar).await.unwrap().is_none());
        assert!(conn.session_by_token(&token("oscar"), now()).await.unwrap().is_none(), "sessions go with it");
    })
    .await;
}
