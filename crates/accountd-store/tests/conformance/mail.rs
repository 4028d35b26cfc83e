//! The outbox, email tokens and additional addresses.

use std::collections::HashSet;

use accountd_core::mail::{Address, EmailToken, OutgoingMail, TokenPurpose};
use accountd_core::UserId;
use accountd_store::{StoreError, UniqueKey};
use chrono::Duration;

use crate::accounts::token;
use crate::harness::{hours, insert_user, now, on_each_store};

fn mail(recipient: &str) -> OutgoingMail {
    OutgoingMail {
        id: uuid::Uuid::now_v7(),
        recipient: recipient.into(),
        subject: "Subject".into(),
        text_body: "text".into(),
        html_body: "<p>html</p>".into(),
    }
}

#[tokio::test]
async fn due_mail_is_claimed_once_per_lease_and_leaves_the_queue_when_sent_or_failed() {
    on_each_store(|store| async move {
        let mut conn = store.reader().await.unwrap();
        let start = now();
        let (sent, retried, failed, later) = (mail("a@x.org"), mail("b@x.org"), mail("c@x.org"), mail("d@x.org"));
        for message in [&sent, &retried, &failed] {
            conn.enqueue_mail(message, start).await.unwrap();
        }
        conn.enqueue_mail(&later, start + hours(1)).await.unwrap();

        let lease = start + Duration::minutes(5);
        let claimed = conn.claim_due_mail(start, lease, 10).await.unwrap();
        let ids: HashSet<_> = claimed.iter().map(|queued| queued.mail.id).collect();
        assert_eq!(ids, HashSet::from([sent.id, retried.id, failed.id]), "only what is due");
        assert_eq!(claimed.iter().find(|queued| queued.mail.id == sent.id).unwrap().mail, sent);
        assert!(claimed.iter().all(|queued| queued.attempts == 0));
        assert!(conn.claim_due_mail(start, lease, 10).await.unwrap().is_empty(), "leased");

        conn.mark_mail_sent(sent.id, start).await.unwrap();
        conn.mark_mail_retry(retried.id, 1, start + Duration::minutes(1), "busy").await.unwrap();
        conn.mark_mail_failed(failed.id, 3, "rejected").await.unwrap();

        let after_retry = start + Duration::minutes(1);
        let claimed = conn.claim_due_mail(after_retry, after_retry + Duration::minutes(5), 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!((claimed[0].mail.id, claimed[0].attempts), (retried.id, 1));

        let after_lease = start + hours(2);
        let claimed = conn.claim_due_mail(after_lease, after_lease + Duration::minutes(5), 1).await.unwrap();
        assert_eq!(claimed.len(), 1, "at most `limit`");
        let claimed_too = conn.claim_due_mail(after_lease, after_lease + Duration::minutes(5), 10).await.unwrap();
        let ids: HashSet<_> = claimed.iter().chain(&claimed_too).map(|queued| queued.mail.id).collect();
        assert_eq!(ids, HashSet::from([retried.id, later.id]), "sent and failed mail is never claimed again");
    })
    .await;
}

#[tokio::test]
async fn two_concurrent_claimers_claim_each_mail_once() {
    on_each_store(|store| async move {
        let start = now();
        let mut conn = store.reader().await.unwrap();
        let mut queued = HashSet::new();
        for n in 0..10 {
            let message = mail(&format!("r{n}@x.org"));
            conn.enqueue_mail(&message, start).await.unwrap();
            queued.insert(message.id);
        }
        drop(conn);

        // Each claims in its own transaction and holds it open while the other claims.
        let claimer = || async {
            let mut tx = store.begin().await.unwrap();
            let claimed = tx.claim_due_mail(start, start + Duration::minutes(5), 6).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            tx.commit().await.unwrap();
            claimed.into_iter().map(|queued| queued.mail.id).collect::<Vec<_>>()
        };
        let (first, second) = tokio::join!(claimer(), claimer());
        assert_eq!(first.len() + second.len(), 10, "{first:?} {second:?}");
        let all: HashSet<_> = first.iter().chain(&second).copied().collect();
        assert_eq!(all, queued, "each mail claimed once");
    })
    .await;
}

fn email_token(user: UserId, purpose: TokenPurpose, email: &str, created_hours_ago: i64) -> EmailToken {
    let created_at = now() - hours(created_hours_ago);
    EmailToken {
        user_id: user,
        purpose,
        email: email.into(),
        address_id: None,
        created_at,
        expires_at: created_at + hours(24),
    }
}

#[tokio::test]
async fn email_tokens_are_peeked_consumed_once_retired_and_counted() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "pia").await;
        let mut conn = store.reader().await.unwrap();
        let verify = email_token(id, TokenPurpose::VerifyEmail, "Pia@Example.com", 0);
        conn.insert_email_token(&token("verify"), &verify).await.unwrap();
        let old_change = email_token(id, TokenPurpose::ChangeEmail, "old@example.com", 2);
        let new_change = EmailToken {
            address_id: Some(uuid::Uuid::now_v7()),
            ..email_token(id, TokenPurpose::ChangeEmail, "new@example.com", 1)
        };
        conn.insert_email_token(&token("old-change"), &old_change).await.unwrap();
        conn.insert_email_token(&token("new-change"), &new_change).await.unwrap();

        let peeked = conn.peek_email_token(&token("verify"), TokenPurpose::VerifyEmail, now()).await.unwrap();
        assert_eq!(peeked.map(|t| t.email), Some("Pia@Example.com".into()));
        assert!(conn.peek_email_token(&token("verify"), TokenPurpose::ResetPassword, now()).await.unwrap().is_none());
        assert!(
            conn.consume_email_token(&token("verify"), TokenPurpose::VerifyEmail, now() + hours(25))
                .await
                .unwrap()
                .is_none(),
            "expired"
        );
        let consumed =
            conn.consume_email_token(&token("verify"), TokenPurpose::VerifyEmail, now()).await.unwrap().expect("live");
        assert_eq!(
            (consumed.user_id, consumed.purpose, consumed.created_at),
            (id, TokenPurpose::VerifyEmail, verify.created_at)
        );
        assert!(
            conn.consume_email_token(&token("verify"), TokenPurpose::VerifyEmail, now()).await.unwrap().is_none(),
            "used"
        );
        assert!(conn.peek_email_token(&token("verify"), TokenPurpose::VerifyEmail, now()).await.unwrap().is_none());

        let live = conn.live_email_token(id, TokenPurpose::ChangeEmail, now()).await.unwrap().expect("newest");
        assert_eq!((live.email.as_str(), live.address_id), ("new@example.com", new_change.address_id));
        assert_eq!(conn.count_email_tokens_since("pia@example.com", now() - hours(1)).await.unwrap(), 1);
        assert_eq!(conn.count_email_tokens_since("new@example.com", now() - hours(3)).await.unwrap(), 1);
        assert_eq!(conn.count_email_tokens_since("old@example.com", now() - hours(1)).await.unwrap(), 0);

        conn.retire_email_tokens(id, TokenPurpose::ChangeEmail, now()).await.unwrap();
        assert!(conn.live_email_token(id, TokenPurpose::ChangeEmail, now()).await.unwrap().is_none());
        assert!(conn
            .consume_email_token(&token("new-change"), TokenPurpose::ChangeEmail, now())
            .await
            .unwrap()
            .is_none());
    })
    .await;
}

fn address(user: UserId, text: &str) -> Address {
    Address {
        id: uuid::Uuid::now_v7(),
        user_id: user,
        address: text.into(),
        is_verified: false,
        added_at: now(),
        verified_at: None,
    }
}

#[tokio::test]
async fn addresses_are_listed_verified_and_deleted_and_a_taken_one_conflicts() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "quinn").await;
        let other = insert_user(&store, "ralf").await;
        let mut conn = store.reader().await.unwrap();
        let first = address(id, "Work@Example.com");
        let second = address(id, "home@example.com");
        conn.insert_address(&first, "work@example.com").await.unwrap();
        conn.insert_address(&second, "home@example.com").await.unwrap();
        let error = conn.insert_address(&address(other, "WORK@example.com"), "work@example.com").await.unwrap_err();
        assert!(matches!(error, StoreError::Conflict(UniqueKey::Address)), "{error:?}");

        let listed: Vec<_> = conn.addresses_of(id).await.unwrap().into_iter().map(|a| a.id).collect();
        assert_eq!(listed, vec![first.id, second.id], "oldest first");
        assert!(conn.email_in_use("home@example.com").await.unwrap(), "additional addresses count");
        assert!(conn.address_of(other, first.id).await.unwrap().is_none(), "not the owner's");

        let at = now() + hours(1);
        assert!(!conn.is_verified_address("work@example.com").await.unwrap(), "not verified yet");
        conn.mark_address_verified(id, first.id, at).await.unwrap();
        assert!(conn.is_verified_address("work@example.com").await.unwrap());
        assert!(!conn.is_verified_address("home@example.com").await.unwrap());
        let verified = conn.address_of(id, first.id).await.unwrap().unwrap();
        assert!(verified.is_verified);
        assert_eq!((verified.address.as_str(), verified.verified_at), ("Work@Example.com", Some(at)));

        assert!(!conn.delete_address(other, first.id).await.unwrap());
        assert!(conn.delete_address(id, first.id).await.unwrap());
        assert_eq!(conn.addresses_of(id).await.unwrap().len(), 1);
        conn.insert_address(&address(other, "other@example.com"), "other@example.com").await.unwrap();
        assert_eq!(conn.delete_addresses_of(id).await.unwrap(), 1);
        assert!(conn.addresses_of(id).await.unwrap().is_empty());
        assert_eq!(conn.addresses_of(other).await.unwrap().len(), 1, "only the account's own");
    })
    .await;
}
