//! Linked identities and the single-use records of social sign-ins in progress.

use accountd_core::oauth::{LinkedAccount, PendingAuthorization, PendingSignup, Purpose};
use accountd_core::UserId;
use accountd_store::{StoreError, UniqueKey};

use crate::accounts::token;
use crate::harness::{hours, insert_user, now, on_each_store};

fn linked(user: UserId, provider: &str, subject: &str) -> LinkedAccount {
    LinkedAccount {
        user_id: user,
        provider: provider.into(),
        subject: subject.into(),
        username: Some("octo".into()),
        email: Some("octo@example.com".into()),
        email_verified: true,
        avatar_url: None,
        access_token_sealed: Some("sealed".into()),
        linked_at: now(),
        updated_at: now(),
    }
}

#[tokio::test]
async fn a_pending_authorization_is_read_with_its_binding_taken_once_and_expired_ones_are_swept() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "sam").await;
        let mut conn = store.reader().await.unwrap();
        let start = now();
        let pending = |created_at| PendingAuthorization {
            provider: "github".into(),
            purpose: Purpose::Link,
            user_id: Some(id),
            redirect_uri: "https://accounts.example.com/callback".into(),
            pkce_verifier_sealed: "verifier".into(),
            nonce: "nonce".into(),
            created_at,
            expires_at: created_at + hours(1),
            binding: token("binding"),
        };
        conn.insert_pending_authorization(&token("old"), &pending(start)).await.unwrap();
        conn.insert_pending_authorization(&token("new"), &pending(start + hours(2))).await.unwrap();
        assert!(conn.take_pending_authorization(&token("old")).await.unwrap().is_none(), "swept as expired");

        let read = conn.pending_authorization(&token("new")).await.unwrap().expect("stored");
        assert_eq!((read.binding, read.user_id), (token("binding"), Some(id)), "the binding's hash is kept");
        assert!(conn.pending_authorization(&token("new")).await.unwrap().is_some(), "reading does not take it");
        assert!(conn.pending_authorization(&token("unknown")).await.unwrap().is_none());

        let taken = conn.take_pending_authorization(&token("new")).await.unwrap().expect("stored");
        assert_eq!((taken.purpose, taken.user_id, taken.nonce.as_str()), (Purpose::Link, Some(id), "nonce"));
        assert_eq!(taken.created_at, start + hours(2));
        assert!(conn.take_pending_authorization(&token("new")).await.unwrap().is_none(), "single use");
    })
    .await;
}

#[tokio::test]
async fn a_pending_signup_is_read_deleted_once_and_expired_ones_are_swept() {
    on_each_store(|store| async move {
        let mut conn = store.reader().await.unwrap();
        let start = now();
        let signup = |created_at| PendingSignup {
            provider: "google".into(),
            subject: "g-1".into(),
            username: None,
            email: "new@example.com".into(),
            email_verified: true,
            avatar_url: Some("https://example.com/a.png".into()),
            access_token_sealed: None,
            created_at,
            expires_at: created_at + hours(1),
        };
        conn.insert_pending_signup(&token("old"), &signup(start)).await.unwrap();
        conn.insert_pending_signup(&token("new"), &signup(start + hours(2))).await.unwrap();
        assert!(conn.pending_signup(&token("old")).await.unwrap().is_none(), "swept as expired");

        let found = conn.pending_signup(&token("new")).await.unwrap().expect("stored");
        assert_eq!((found.subject.as_str(), found.email_verified), ("g-1", true));
        assert_eq!(found.avatar_url.as_deref(), Some("https://example.com/a.png"));
        assert!(conn.delete_pending_signup(&token("new")).await.unwrap());
        assert!(!conn.delete_pending_signup(&token("new")).await.unwrap(), "single use");
    })
    .await;
}

#[tokio::test]
async fn linked_accounts_are_found_refreshed_and_unlinked_and_duplicates_conflict() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "tara").await;
        let other = insert_user(&store, "uma").await;
        let mut conn = store.reader().await.unwrap();
        let github = linked(id, "github", "gh-1");
        conn.insert_linked_account(&github).await.unwrap();
        conn.insert_linked_account(&linked(id, "google", "g-1")).await.unwrap();

        let error = conn.insert_linked_account(&linked(other, "github", "gh-1")).await.unwrap_err();
        assert!(matches!(error, StoreError::Conflict(UniqueKey::LinkedIdentity)), "{error:?}");
        let error = conn.insert_linked_account(&linked(id, "github", "gh-2")).await.unwrap_err();
        assert!(matches!(error, StoreError::Conflict(UniqueKey::LinkedProvider)), "{error:?}");

        let found = conn.linked_account_by_identity("github", "gh-1").await.unwrap().expect("linked");
        assert_eq!((found.user_id, found.email_verified), (id, true));
        assert!(conn.linked_account_by_identity("github", "gh-2").await.unwrap().is_none());
        let providers: Vec<_> = conn.linked_accounts_of(id).await.unwrap().into_iter().map(|a| a.provider).collect();
        assert_eq!(providers, vec!["github", "google"]);

        let refreshed = LinkedAccount {
            username: Some("octocat".into()),
            email: None,
            email_verified: false,
            avatar_url: Some("https://example.com/o.png".into()),
            access_token_sealed: None,
            updated_at: now() + hours(1),
            ..github.clone()
        };
        conn.refresh_linked_account(&refreshed).await.unwrap();
        let found = conn.linked_account_by_identity("github", "gh-1").await.unwrap().unwrap();
        assert_eq!((found.username.as_deref(), found.email.as_deref()), (Some("octocat"), None));
        assert_eq!((found.email_verified, found.updated_at), (false, refreshed.updated_at));
        assert_eq!(found.linked_at, github.linked_at);

        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.delete_linked_account(id, "github").await.unwrap(), Some(1));
        assert_eq!(tx.delete_linked_account(id, "github").await.unwrap(), None, "already gone");
        assert_eq!(tx.delete_linked_account(id, "google").await.unwrap(), Some(0));
        tx.commit().await.unwrap();
        assert!(store.reader().await.unwrap().linked_accounts_of(id).await.unwrap().is_empty());

        let mut conn = store.reader().await.unwrap();
        conn.insert_linked_account(&linked(id, "github", "gh-1")).await.unwrap();
        conn.insert_linked_account(&linked(id, "google", "g-1")).await.unwrap();
        conn.insert_linked_account(&linked(other, "discord", "d-1")).await.unwrap();
        assert_eq!(conn.delete_linked_accounts_of(id).await.unwrap(), 2);
        assert!(conn.linked_accounts_of(id).await.unwrap().is_empty());
        assert_eq!(conn.linked_accounts_of(other).await.unwrap().len(), 1, "only the account's own");
    })
    .await;
}
