//! Passkeys, WebAuthn ceremonies, and sign-ins by email (migration 0013).

use accountd_core::mail::{EmailToken, TokenPurpose};
use accountd_store::{Ceremony, CeremonyPurpose, EmailLogin, PasskeyRecord, PasskeyUse, StoreError, UniqueKey};
use uuid::Uuid;

use crate::accounts::token;
use crate::harness::{hours, insert_user, now, on_each_store};

fn passkey(user: accountd_core::UserId, credential_id: &str, backup_eligible: bool) -> PasskeyRecord {
    PasskeyRecord {
        id: Uuid::now_v7(),
        user_id: user,
        credential_id: credential_id.into(),
        credential: "{}".into(),
        name: "Passkey".into(),
        backup_eligible,
        backed_up: false,
        transports: vec!["internal".into(), "hybrid".into()],
        sign_count: 5,
        created_at: now(),
        last_used_at: None,
    }
}

fn used(sign_count: i64) -> PasskeyUse {
    PasskeyUse { credential: format!("{{\"counter\":{sign_count}}}"), sign_count, backed_up: true, at: now() }
}

#[tokio::test]
async fn credential_ids_are_unique_across_accounts_and_deletion_counts_what_is_left() {
    on_each_store(|store| async move {
        let ann = insert_user(&store, "ann").await;
        let ben = insert_user(&store, "ben").await;
        let mut conn = store.reader().await.unwrap();
        let first = passkey(ann, "cred-1", false);
        conn.insert_passkey(&first).await.unwrap();
        let taken = conn.insert_passkey(&passkey(ben, "cred-1", false)).await;
        assert!(matches!(taken, Err(StoreError::Conflict(UniqueKey::PasskeyCredential))), "{taken:?}");
        let second = passkey(ann, "cred-2", false);
        conn.insert_passkey(&second).await.unwrap();

        let found = conn.passkey_by_credential_id("cred-1").await.unwrap().unwrap();
        assert_eq!((found.id, found.user_id, found.transports.clone()), (first.id, ann, first.transports.clone()));
        assert_eq!(conn.passkeys_of(ann).await.unwrap().len(), 2);
        assert!(conn.passkeys_of(ben).await.unwrap().is_empty());

        assert!(!conn.rename_passkey(ben, first.id, "Mine").await.unwrap(), "not ben's");
        assert!(conn.rename_passkey(ann, first.id, "Phone").await.unwrap());
        assert_eq!(conn.passkey_by_credential_id("cred-1").await.unwrap().unwrap().name, "Phone");

        assert_eq!(conn.delete_passkey(ben, first.id).await.unwrap(), None);
        assert_eq!(conn.delete_passkey(ann, first.id).await.unwrap(), Some(1));
        assert_eq!(conn.delete_passkeys_of(ann).await.unwrap(), 1);
        assert!(conn.passkeys_of(ann).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_use_records_only_a_counter_that_moves_forward_unless_the_key_is_backup_eligible() {
    on_each_store(|store| async move {
        let ann = insert_user(&store, "ann").await;
        let mut conn = store.reader().await.unwrap();
        let bound = passkey(ann, "bound", false);
        let synced = passkey(ann, "synced", true);
        conn.insert_passkey(&bound).await.unwrap();
        conn.insert_passkey(&synced).await.unwrap();

        assert!(!conn.record_passkey_use(bound.id, &used(5)).await.unwrap(), "the same counter");
        assert!(!conn.record_passkey_use(bound.id, &used(4)).await.unwrap(), "a counter gone back");
        assert!(conn.record_passkey_use(bound.id, &used(6)).await.unwrap());
        let stored = conn.passkey_by_credential_id("bound").await.unwrap().unwrap();
        assert_eq!((stored.sign_count, stored.backed_up, stored.credential.as_str()), (6, true, "{\"counter\":6}"));
        assert!(stored.last_used_at.is_some());
        assert!(conn.record_passkey_use(bound.id, &used(0)).await.unwrap(), "no counter at all");

        assert!(conn.record_passkey_use(synced.id, &used(1)).await.unwrap(), "not compared");
    })
    .await;
}

#[tokio::test]
async fn a_ceremony_is_taken_once_and_expired_ones_are_swept() {
    on_each_store(|store| async move {
        let ann = insert_user(&store, "ann").await;
        let mut conn = store.reader().await.unwrap();
        let ceremony = |created_at, purpose| Ceremony {
            id: Uuid::now_v7(),
            user_id: Some(ann),
            purpose,
            mfa_token: Some(token("mfa")),
            state: "{\"state\":1}".into(),
            created_at,
            expires_at: created_at + chrono::Duration::minutes(5),
        };
        let old = ceremony(now() - hours(1), CeremonyPurpose::Login);
        conn.insert_ceremony(&old).await.unwrap();
        let live = ceremony(now(), CeremonyPurpose::SecondFactor);
        conn.insert_ceremony(&live).await.unwrap();
        assert!(conn.take_ceremony(old.id).await.unwrap().is_none(), "swept when the next one was stored");

        let taken = conn.take_ceremony(live.id).await.unwrap().unwrap();
        assert_eq!(
            (taken.purpose, taken.user_id, taken.mfa_token),
            (CeremonyPurpose::SecondFactor, Some(ann), Some(token("mfa")))
        );
        assert_eq!(taken.state, live.state);
        assert!(conn.take_ceremony(live.id).await.unwrap().is_none(), "single-use");

        let discoverable = Ceremony { user_id: None, mfa_token: None, ..ceremony(now(), CeremonyPurpose::Register) };
        conn.insert_ceremony(&discoverable).await.unwrap();
        assert_eq!(conn.take_ceremony(discoverable.id).await.unwrap().unwrap().user_id, None);
    })
    .await;
}

#[tokio::test]
async fn a_sign_in_by_email_is_spent_once_by_link_code_failures_or_retirement() {
    on_each_store(|store| async move {
        let ann = insert_user(&store, "ann").await;
        let mut conn = store.reader().await.unwrap();
        let login = EmailLogin {
            user_id: ann,
            email: "ann@example.com".into(),
            code_hash: token("code"),
            created_at: now(),
            expires_at: now() + chrono::Duration::minutes(15),
        };
        conn.insert_email_login(&token("link-1"), &login).await.unwrap();
        let (hash, live) = conn.live_email_login("ann@example.com", now()).await.unwrap().unwrap();
        assert_eq!((hash, live.code_hash, live.user_id), (token("link-1"), token("code"), ann));
        assert!(conn.live_email_login("ann@example.com", now() + hours(1)).await.unwrap().is_none(), "expired");
        assert!(conn.consume_email_login(&token("link-1"), now()).await.unwrap().is_some());
        assert!(conn.consume_email_login(&token("link-1"), now()).await.unwrap().is_none(), "single-use");
        assert!(conn.live_email_login("ann@example.com", now()).await.unwrap().is_none());

        conn.insert_email_login(&token("link-2"), &login).await.unwrap();
        conn.fail_email_login_code(&token("link-2"), 2).await.unwrap();
        assert!(conn.live_email_login("ann@example.com", now()).await.unwrap().is_some(), "one failure of two");
        conn.fail_email_login_code(&token("link-2"), 2).await.unwrap();
        assert!(conn.consume_email_login(&token("link-2"), now()).await.unwrap().is_none(), "spent at the limit");

        conn.insert_email_login(&token("link-3"), &login).await.unwrap();
        conn.retire_email_logins(ann, now()).await.unwrap();
        assert!(conn.consume_email_login(&token("link-3"), now()).await.unwrap().is_none(), "retired");

        // Sign-ins count toward the per-recipient mail cap with the other mailed tokens.
        let verify = EmailToken {
            user_id: ann,
            purpose: TokenPurpose::VerifyEmail,
            email: "Ann@example.com".into(),
            address_id: None,
            created_at: now(),
            expires_at: now() + hours(24),
        };
        conn.insert_email_token(&token("verify"), &verify).await.unwrap();
        assert_eq!(conn.count_email_tokens_since("ann@example.com", now() - hours(1)).await.unwrap(), 4);
    })
    .await;
}
