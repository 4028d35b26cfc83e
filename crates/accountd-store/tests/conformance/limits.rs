//! Request allowances shared by every node (migration 0019).

use accountd_store::RateLimitDecision::{Allowed, Refused};

use crate::harness::{on_each_store, on_each_store_pair};

const T0: i64 = 1_800_000_000_000;

#[tokio::test]
async fn a_key_allows_its_burst_then_one_request_per_interval_and_a_refusal_changes_nothing() {
    on_each_store(|store| async move {
        let mut conn = store.reader().await.unwrap();
        // Burst 3 (tolerance two intervals), one more every second.
        for _ in 0..3 {
            assert_eq!(conn.take_rate_limit("login|203.0.113.1", T0, 1000, 2000).await.unwrap(), Allowed);
        }
        for _ in 0..3 {
            assert_eq!(
                conn.take_rate_limit("login|203.0.113.1", T0 + 250, 1000, 2000).await.unwrap(),
                Refused { wait_ms: 750 },
                "refusals do not push the next allowance further away"
            );
        }
        assert_eq!(conn.take_rate_limit("login|203.0.113.2", T0, 1000, 2000).await.unwrap(), Allowed, "per key");
        assert_eq!(conn.take_rate_limit("login|203.0.113.1", T0 + 1000, 1000, 2000).await.unwrap(), Allowed);
        assert!(matches!(
            conn.take_rate_limit("login|203.0.113.1", T0 + 1000, 1000, 2000).await.unwrap(),
            Refused { .. }
        ));
        // Idle long enough, the whole burst is back, and no more than it.
        for _ in 0..3 {
            assert_eq!(conn.take_rate_limit("login|203.0.113.1", T0 + 60_000, 1000, 2000).await.unwrap(), Allowed);
        }
        assert!(matches!(
            conn.take_rate_limit("login|203.0.113.1", T0 + 60_000, 1000, 2000).await.unwrap(),
            Refused { .. }
        ));
    })
    .await;
}

#[tokio::test]
async fn the_prune_deletes_only_keys_whose_allowance_is_full_again() {
    on_each_store(|store| async move {
        let mut conn = store.reader().await.unwrap();
        conn.take_rate_limit("a", T0, 1000, 0).await.unwrap();
        conn.take_rate_limit("b", T0 + 5000, 1000, 0).await.unwrap();
        assert_eq!(conn.prune_rate_limits(T0 + 999).await.unwrap(), 0);
        assert_eq!(conn.prune_rate_limits(T0 + 1000).await.unwrap(), 1, "a is full again, b is not");
        assert!(matches!(conn.take_rate_limit("b", T0 + 5500, 1000, 0).await.unwrap(), Refused { wait_ms: 500 }));
        assert_eq!(conn.prune_rate_limits(T0 + 6000).await.unwrap(), 1);
        assert_eq!(conn.take_rate_limit("b", T0 + 6000, 1000, 0).await.unwrap(), Allowed);
    })
    .await;
}

#[tokio::test]
async fn concurrent_requests_from_two_nodes_take_exactly_the_burst() {
    on_each_store_pair(|first, second| async move {
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..40 {
            let store = if n % 2 == 0 { first.clone() } else { second.clone() };
            tasks.spawn(async move {
                let mut conn = store.reader().await.unwrap();
                conn.take_rate_limit("register|198.51.100.9", T0, 6000, 9 * 6000).await.unwrap()
            });
        }
        let mut allowed = 0;
        while let Some(decision) = tasks.join_next().await {
            if decision.unwrap() == Allowed {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 10, "a burst of ten, whichever node asked");
    })
    .await;
}
