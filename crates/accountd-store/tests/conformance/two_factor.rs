//! The TOTP factor, recovery codes, login steps, and account erasure.

use accountd_store::{FeedPosition, FeedTopic, MfaChallenge, EVERY_ACCOUNT};

use crate::accounts::token;
use crate::harness::{hours, insert_user, now, on_each_store, session_of};

#[tokio::test]
async fn a_pending_factor_is_saved_confirmed_enabled_and_deleted() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "vic").await;
        let mut conn = store.reader().await.unwrap();
        assert!(conn.two_factor_of(id).await.unwrap().is_none());
        assert!(conn.save_pending_two_factor(id, "secret-1", now()).await.unwrap());
        assert!(conn.save_pending_two_factor(id, "secret-2", now()).await.unwrap(), "replaces a pending one");
        let record = conn.two_factor_of(id).await.unwrap().expect("pending");
        assert_eq!((record.secret_sealed.as_str(), record.enabled_at, record.last_step), ("secret-2", None, -1));

        let expires = now() + hours(1);
        conn.set_two_factor_email_code(id, Some((&token("code"), expires))).await.unwrap();
        let record = conn.two_factor_of(id).await.unwrap().unwrap();
        assert_eq!((record.email_code_hash, record.email_code_expires_at), (Some(token("code").0), Some(expires)));
        conn.fail_two_factor_email_code(id, 2).await.unwrap();
        assert!(conn.two_factor_of(id).await.unwrap().unwrap().email_code_hash.is_some(), "one failure of two");
        conn.fail_two_factor_email_code(id, 2).await.unwrap();
        assert!(conn.two_factor_of(id).await.unwrap().unwrap().email_code_hash.is_none(), "cleared at the limit");
        conn.set_two_factor_email_code(id, Some((&token("code"), expires))).await.unwrap();
        conn.set_two_factor_email_code(id, None).await.unwrap();
        assert!(conn.two_factor_of(id).await.unwrap().unwrap().email_code_hash.is_none());

        assert!(conn.accept_totp_step(id, 10).await.unwrap());
        assert!(!conn.accept_totp_step(id, 10).await.unwrap(), "a step is accepted once");
        assert!(!conn.accept_totp_step(id, 9).await.unwrap(), "and never an older one");
        assert!(conn.accept_totp_step(id, 11).await.unwrap());

        let at = now() + hours(1);
        assert!(conn.enable_two_factor(id, at).await.unwrap());
        assert!(!conn.enable_two_factor(id, at).await.unwrap(), "nothing pending");
        assert_eq!(conn.two_factor_of(id).await.unwrap().unwrap().enabled_at, Some(at));
        assert!(conn.user_by_id(id).await.unwrap().unwrap().two_factor_enabled);
        assert!(!conn.save_pending_two_factor(id, "secret-3", now()).await.unwrap(), "enabled already");
        assert_eq!(conn.two_factor_of(id).await.unwrap().unwrap().secret_sealed, "secret-2");

        conn.delete_two_factor(id, at).await.unwrap();
        assert!(conn.two_factor_of(id).await.unwrap().is_none());
        assert!(!conn.user_by_id(id).await.unwrap().unwrap().two_factor_enabled);
    })
    .await;
}

#[tokio::test]
async fn recovery_codes_are_replaced_used_once_and_their_sealed_set_revealed_once() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "wes").await;
        let mut conn = store.reader().await.unwrap();
        conn.save_pending_two_factor(id, "secret", now()).await.unwrap();
        let at = now();
        conn.replace_recovery_codes(id, &[token("r1"), token("r2")], "sealed-old", at).await.unwrap();
        conn.replace_recovery_codes(id, &[token("r3"), token("r4"), token("r5")], "sealed-new", at).await.unwrap();
        assert_eq!(conn.recovery_code_counts(id).await.unwrap(), (3, 3));
        assert_eq!(conn.two_factor_of(id).await.unwrap().unwrap().recovery_generated_at, Some(at));

        assert!(!conn.use_recovery_code(id, &token("r1"), at).await.unwrap(), "replaced");
        assert!(conn.use_recovery_code(id, &token("r3"), at).await.unwrap());
        assert!(!conn.use_recovery_code(id, &token("r3"), at).await.unwrap(), "used");
        assert_eq!(conn.recovery_code_counts(id).await.unwrap(), (3, 2));

        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.take_sealed_recovery_codes(id).await.unwrap().as_deref(), Some("sealed-new"));
        assert_eq!(tx.take_sealed_recovery_codes(id).await.unwrap(), None, "revealed once");
        tx.commit().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_login_step_counts_attempts_until_burned_expired_or_deleted() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "xena").await;
        let mut conn = store.reader().await.unwrap();
        let start = now();
        let challenge = MfaChallenge { user_id: id, method: "password".into() };
        conn.insert_mfa_token(&token("step"), &challenge, start, start + hours(1)).await.unwrap();
        conn.insert_mfa_token(&token("other"), &challenge, start, start + hours(1)).await.unwrap();

        let mut tx = store.begin().await.unwrap();
        let attempt = tx.begin_mfa_attempt(&token("step"), start, 2).await.unwrap().expect("live");
        assert_eq!((attempt.user_id, attempt.method.as_str()), (id, "password"));
        assert!(tx.begin_mfa_attempt(&token("step"), start, 2).await.unwrap().is_some());
        assert!(tx.begin_mfa_attempt(&token("step"), start, 2).await.unwrap().is_none(), "burned");
        assert!(tx.begin_mfa_attempt(&token("other"), start + hours(1), 2).await.unwrap().is_none(), "expired");
        assert!(tx.begin_mfa_attempt(&token("unknown"), start, 2).await.unwrap().is_none());
        tx.commit().await.unwrap();

        assert!(conn.delete_mfa_token(&token("other")).await.unwrap());
        assert!(!conn.delete_mfa_token(&token("other")).await.unwrap(), "single use");
    })
    .await;
}

#[tokio::test]
async fn erasing_an_account_removes_its_records_its_mail_and_its_name_from_the_feed() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "yara").await;
        let keep = insert_user(&store, "zed").await;
        let mut conn = store.reader().await.unwrap();
        conn.insert_session(&session_of(id, now()), &token("yara")).await.unwrap();
        let activity = |user| accountd_core::user::Activity {
            id: uuid::Uuid::now_v7(),
            user_id: Some(user),
            action: "login".into(),
            at: now(),
            ip: None,
            user_agent: None,
            metadata: serde_json::json!({}),
        };
        conn.insert_activity(&activity(id)).await.unwrap();
        conn.insert_activity(&activity(keep)).await.unwrap();
        let mail_to_yara = crate::jobs::mail_job("mailto:yara@example.com");
        let mail_to_zed = crate::jobs::mail_job("mailto:zed@example.com");
        conn.enqueue_job(&mail_to_yara.new_job(), now()).await.unwrap();
        conn.enqueue_job(&mail_to_zed.new_job(), now()).await.unwrap();
        let stream = FeedTopic::named("test.activity");
        conn.append_feed_event(stream, Some(id), &serde_json::json!({})).await.unwrap();
        conn.append_feed_event(stream, Some(keep), &serde_json::json!({})).await.unwrap();
        drop(conn);

        let mut tx = store.begin().await.unwrap();
        tx.erase_account(id, &["yara@example.com".into()]).await.unwrap();
        tx.commit().await.unwrap();

        let mut conn = store.reader().await.unwrap();
        assert!(conn.user_by_id(id).await.unwrap().is_none());
        assert!(conn.session_by_token(&token("yara"), now()).await.unwrap().is_none());
        assert_eq!(
            conn.all_activities(None, None, accountd_store::PageRequest { limit: 10, offset: 0 }).await.unwrap().total,
            1
        );
        let claimed = conn.claim_jobs("mail.send", now(), now() + hours(1), 10).await.unwrap();
        assert_eq!(
            claimed.iter().map(|job| job.id).collect::<Vec<_>>(),
            vec![mail_to_zed.id],
            "yara's mail is dropped"
        );
        let rows = conn.feed_rows_after(FeedTopic::ACCOUNT, FeedPosition(0)).await.unwrap();
        let changed = crate::harness::changed_users(&rows);
        assert!(!changed.contains(&id), "the feed does not name the erased account");
        assert!(changed.contains(&EVERY_ACCOUNT), "it tells every cache to start over");
        conn.sequence_feed().await.unwrap();
        let events = conn.feed_events_after(stream, FeedPosition(0), 10).await.unwrap();
        assert_eq!(events.iter().map(|event| event.user).collect::<Vec<_>>(), vec![Some(keep)], "no topic names it");
    })
    .await;
}
