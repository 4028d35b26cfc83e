//! Referral codes, referrals, the append-only credit ledger, perk checks and the
//! upload-domain selection.

use accountd_core::referral::CreditEntry;
use accountd_core::UserId;
use accountd_store::{PageRequest, PerkCheck, StoreError, UniqueKey};

use crate::harness::{hours, insert_user, now, on_each_database, on_each_store};

/// Runs a statement on the database past the store; how many rows it returned or changed.
async fn raw(url: &str, statement: &str) -> Result<u64, sqlx::Error> {
    use sqlx::Connection as _;
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await?;
        if statement.starts_with("SELECT") {
            return Ok(sqlx::query(statement).fetch_all(&mut conn).await?.len() as u64);
        }
        Ok(sqlx::query(statement).execute(&mut conn).await?.rows_affected())
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await?;
        if statement.starts_with("SELECT") {
            return Ok(sqlx::query(statement).fetch_all(&mut conn).await?.len() as u64);
        }
        Ok(sqlx::query(statement).execute(&mut conn).await?.rows_affected())
    }
}

const ALL: PageRequest = PageRequest { limit: 50, offset: 0 };

fn entry(user: UserId, amount: i64, reason: &str, hours_later: i64) -> CreditEntry {
    CreditEntry {
        id: uuid::Uuid::now_v7(),
        user_id: user,
        amount,
        reason: reason.into(),
        at: now() + hours(hours_later),
    }
}

#[tokio::test]
async fn referral_codes_are_unique_case_insensitively_and_found_by_any_case() {
    on_each_store(|store| async move {
        let ann = insert_user(&store, "ann").await;
        let bob = insert_user(&store, "bob").await;
        let mut conn = store.reader().await.unwrap();
        conn.insert_referral_code_if_absent(ann, "ann-code", now()).await.unwrap();
        conn.insert_referral_code_if_absent(ann, "second", now()).await.unwrap();
        assert_eq!(conn.referral_code_of(ann).await.unwrap().as_deref(), Some("ann-code"), "the first code stays");

        let taken = conn.set_referral_code(bob, "ANN-CODE", now()).await;
        assert!(matches!(taken, Err(StoreError::Conflict(UniqueKey::ReferralCode))), "{taken:?}");
        conn.insert_referral_code_if_absent(bob, "Ann-Code", now()).await.unwrap();
        assert_eq!(conn.referral_code_of(bob).await.unwrap(), None, "a code another account holds is not given");

        conn.set_referral_code(ann, "ann-new", now()).await.unwrap();
        assert_eq!(conn.referral_code_of(ann).await.unwrap().as_deref(), Some("ann-new"));
        assert_eq!(conn.user_by_referral_code("ANN-NEW").await.unwrap().map(|user| user.id), Some(ann));
        assert!(conn.user_by_referral_code("ann-code").await.unwrap().is_none(), "the old code is free");
        conn.set_referral_code(bob, "ann-code", now()).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn referrals_are_listed_newest_first_and_counted() {
    on_each_store(|store| async move {
        let ann = insert_user(&store, "ann").await;
        let bob = insert_user(&store, "bob").await;
        let cat = insert_user(&store, "cat").await;
        let mut conn = store.reader().await.unwrap();
        conn.insert_referral(ann, bob, 100, now()).await.unwrap();
        conn.insert_referral(ann, cat, 50, now() + hours(1)).await.unwrap();
        let twice = conn.insert_referral(cat, bob, 100, now()).await;
        assert!(matches!(twice, Err(StoreError::Conflict(_))), "an account is referred once: {twice:?}");

        let page = conn.referrals_of(ann, ALL).await.unwrap();
        assert_eq!(page.total, 2);
        let names: Vec<_> = page.items.iter().map(|r| r.username.clone().unwrap()).collect();
        assert_eq!(names, ["cat", "bob"]);
        assert_eq!(page.items[0].reward, 50);
        assert_eq!(conn.referral_stats(ann).await.unwrap(), (2, 150));
        assert_eq!(conn.referral_stats(bob).await.unwrap(), (0, 0));

        conn.erase_account(cat, &[]).await.unwrap();
        let page = conn.referrals_of(ann, ALL).await.unwrap();
        assert_eq!(page.total, 2, "the referrer keeps the referral of a deleted account");
        assert_eq!(page.items[0].username, None, "without naming it");
    })
    .await;
}

#[tokio::test]
async fn the_ledger_sums_to_the_balance_and_pages_newest_first() {
    on_each_store(|store| async move {
        let ann = insert_user(&store, "ann").await;
        let bob = insert_user(&store, "bob").await;
        let mut conn = store.reader().await.unwrap();
        assert_eq!(conn.credit_balance(ann).await.unwrap(), 0);
        conn.append_credit(&entry(ann, 100, "referral", 0)).await.unwrap();
        conn.append_credit(&entry(ann, 250, "contest", 1)).await.unwrap();
        conn.append_credit(&entry(ann, -30, "refund", 2)).await.unwrap();
        conn.append_credit(&entry(bob, 7, "other", 0)).await.unwrap();
        assert_eq!(conn.credit_balance(ann).await.unwrap(), 320);

        let page = conn.credit_entries_of(ann, PageRequest { limit: 2, offset: 0 }).await.unwrap();
        assert_eq!(page.total, 3);
        let amounts: Vec<_> = page.items.iter().map(|e| e.amount).collect();
        assert_eq!(amounts, [-30, 250]);
        let rest = conn.credit_entries_of(ann, PageRequest { limit: 2, offset: 2 }).await.unwrap();
        assert_eq!(rest.items[0].reason, "referral");
    })
    .await;
}

#[tokio::test]
async fn the_database_refuses_to_change_or_remove_ledger_entries_but_lets_them_go_with_their_account() {
    on_each_database(|store, url| async move {
        let ann = insert_user(&store, "ann").await;
        let mut conn = store.reader().await.unwrap();
        conn.append_credit(&entry(ann, 100, "referral", 0)).await.unwrap();
        let zero = conn.append_credit(&entry(ann, 0, "nothing", 0)).await;
        assert!(zero.is_err(), "an entry of zero is refused");

        // The store has no method for either; the database refuses them from any writer.
        for statement in ["UPDATE credit_entries SET amount = 1000000", "DELETE FROM credit_entries"] {
            assert!(raw(&url, statement).await.is_err(), "{statement} went through");
        }
        assert_eq!(conn.credit_balance(ann).await.unwrap(), 100);

        conn.erase_account(ann, &[]).await.unwrap();
        let left = raw(&url, "SELECT 1 FROM credit_entries").await.unwrap();
        assert_eq!(left, 0, "the entries went with the account");
    })
    .await;
}

#[tokio::test]
async fn perk_checks_are_replaced_per_perk() {
    on_each_store(|store| async move {
        let ann = insert_user(&store, "ann").await;
        let mut conn = store.reader().await.unwrap();
        let first = PerkCheck { perk_id: "booster".into(), current: 0, checked_at: now() };
        conn.save_perk_check(ann, &first).await.unwrap();
        let later = PerkCheck { perk_id: "booster".into(), current: 1, checked_at: now() + hours(1) };
        conn.save_perk_check(ann, &later).await.unwrap();
        let other = PerkCheck { perk_id: "github".into(), current: 42, checked_at: now() };
        conn.save_perk_check(ann, &other).await.unwrap();
        assert_eq!(conn.perk_checks_of(ann).await.unwrap(), vec![later, other]);
    })
    .await;
}

#[tokio::test]
async fn the_upload_domain_selection_is_on_the_account() {
    on_each_store(|store| async move {
        let ann = insert_user(&store, "ann").await;
        let mut conn = store.reader().await.unwrap();
        assert_eq!(conn.user_by_id(ann).await.unwrap().unwrap().upload_domain, None);
        conn.set_upload_domain(ann, Some("i.example.com"), now()).await.unwrap();
        assert_eq!(conn.user_by_id(ann).await.unwrap().unwrap().upload_domain.as_deref(), Some("i.example.com"));
        conn.set_upload_domain(ann, None, now()).await.unwrap();
        assert_eq!(conn.user_by_id(ann).await.unwrap().unwrap().upload_domain, None);
    })
    .await;
}
