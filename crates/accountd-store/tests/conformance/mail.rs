//! Email tokens and additional addresses.

use accountd_core::mail::{Address, EmailToken, TokenPurpose};
use accountd_core::UserId;
use accountd_store::{StoreError, UniqueKey};

use crate::accounts::token;
use crate::harness::{hours, insert_user, now, on_each_store};

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
