//! The job queue: leases, attempts, outcomes recorded under the attempt that holds the
//! job, dedupe keys, and concurrent workers.

use std::collections::HashSet;

use accountd_store::{ClaimedJob, NewJob};
use chrono::Duration;
use uuid::Uuid;

use crate::harness::{hours, now, on_each_store};

/// A job's fields, owned, for the tests.
pub struct TestJob {
    pub id: Uuid,
    kind: &'static str,
    payload: String,
    about: Option<String>,
    dedupe_key: Option<String>,
    max_attempts: i32,
    run_at: chrono::DateTime<chrono::Utc>,
}

impl TestJob {
    pub fn new_job(&self) -> NewJob<'_> {
        NewJob {
            id: self.id,
            kind: self.kind,
            payload: &self.payload,
            about: self.about.as_deref(),
            dedupe_key: self.dedupe_key.as_deref(),
            max_attempts: self.max_attempts,
            run_at: self.run_at,
        }
    }
}

fn job(kind: &'static str, payload: &str) -> TestJob {
    TestJob {
        id: Uuid::now_v7(),
        kind,
        payload: payload.into(),
        about: None,
        dedupe_key: None,
        max_attempts: 3,
        run_at: now(),
    }
}

pub fn mail_job(about: &str) -> TestJob {
    TestJob { about: Some(about.into()), ..job("mail.send", r#"{"to":"someone"}"#) }
}

fn ids(jobs: &[ClaimedJob]) -> Vec<Uuid> {
    jobs.iter().map(|job| job.id).collect()
}

#[tokio::test]
async fn due_jobs_of_a_kind_are_leased_in_queue_order_once_per_lease() {
    on_each_store(|store| async move {
        let mut conn = store.reader().await.unwrap();
        let start = now();
        let due = |payload: &str| TestJob { run_at: start, ..job("mail.send", payload) };
        let (first, second) = (due(r#"{"n":1}"#), due(r#"{"n":2}"#));
        let later = TestJob { run_at: start + hours(1), ..job("mail.send", "{}") };
        let other_kind = TestJob { run_at: start, ..job("media.delete", "{}") };
        for queued in [&first, &second, &later, &other_kind] {
            assert!(conn.enqueue_job(&queued.new_job(), start).await.unwrap());
        }

        assert!(conn.has_due_jobs("mail.send", start).await.unwrap());
        assert!(!conn.has_due_jobs("export.build", start).await.unwrap(), "no job of that kind");
        let lease = start + Duration::minutes(5);
        let claimed = conn.claim_jobs("mail.send", start, lease, 10).await.unwrap();
        assert_eq!(ids(&claimed), vec![first.id, second.id], "only what is due, of this kind, in queue order");
        assert_eq!((claimed[0].payload.as_str(), claimed[0].attempt), (r#"{"n":1}"#, 1));
        assert!(conn.claim_jobs("mail.send", start, lease, 10).await.unwrap().is_empty(), "leased");
        assert!(!conn.has_due_jobs("mail.send", start).await.unwrap(), "leased jobs are not due");

        let after_lease = lease + Duration::seconds(1);
        let again = conn.claim_jobs("mail.send", after_lease, after_lease + Duration::minutes(5), 1).await.unwrap();
        assert_eq!(ids(&again), vec![first.id], "a lease that ran out is taken over, at most `limit`");
        assert_eq!(again[0].attempt, 2, "the attempt is counted");
    })
    .await;
}

#[tokio::test]
async fn outcomes_are_recorded_only_by_the_attempt_that_holds_the_job() {
    on_each_store(|store| async move {
        let mut conn = store.reader().await.unwrap();
        let start = now();
        let queued = TestJob { run_at: start, ..job("export.build", "{}") };
        conn.enqueue_job(&queued.new_job(), start).await.unwrap();
        let stale = conn.claim_jobs("export.build", start, start + Duration::minutes(1), 1).await.unwrap().remove(0);
        let later = start + Duration::minutes(2);
        let current = conn.claim_jobs("export.build", later, later + Duration::minutes(1), 1).await.unwrap().remove(0);

        assert!(!conn.finish_job(&stale, later).await.unwrap(), "the first attempt lost the job");
        assert!(!conn.extend_job_lease(&stale, later + hours(1)).await.unwrap());
        assert!(conn.extend_job_lease(&current, later + Duration::minutes(10)).await.unwrap());
        assert!(conn.retry_job(&current, later + Duration::minutes(1), "busy").await.unwrap());
        assert_eq!(conn.job_status(queued.id).await.unwrap(), Some(("pending".into(), 2)));

        let retry_at = later + Duration::minutes(1);
        assert!(conn.claim_jobs("export.build", later, later + hours(1), 1).await.unwrap().is_empty(), "backoff");
        let third = conn.claim_jobs("export.build", retry_at, retry_at + hours(1), 1).await.unwrap().remove(0);
        assert!(conn.finish_job(&third, retry_at).await.unwrap());
        assert_eq!(conn.job_status(queued.id).await.unwrap(), Some(("done".into(), 3)));
        assert!(conn.claim_jobs("export.build", retry_at + hours(3), retry_at + hours(4), 1).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_failed_job_or_one_out_of_attempts_is_never_leased_again_and_is_pruned_to_failed() {
    on_each_store(|store| async move {
        let mut conn = store.reader().await.unwrap();
        let start = now();
        let failed = TestJob { run_at: start, ..job("webhook.deliver", "{}") };
        let abandoned = TestJob { max_attempts: 1, run_at: start, ..job("webhook.deliver", "{}") };
        let done = TestJob { run_at: start, ..job("webhook.deliver", "{}") };
        for queued in [&failed, &abandoned, &done] {
            conn.enqueue_job(&queued.new_job(), start).await.unwrap();
        }
        let claimed = conn.claim_jobs("webhook.deliver", start, start + Duration::minutes(1), 10).await.unwrap();
        let by_id = |id| claimed.iter().find(|job| job.id == id).unwrap();
        assert!(conn.fail_job(by_id(failed.id), "refused", start).await.unwrap());
        assert!(conn.finish_job(by_id(done.id), start).await.unwrap());
        // `abandoned`'s worker died during its only attempt.

        let later = start + hours(2);
        assert!(conn.claim_jobs("webhook.deliver", later, later + hours(1), 10).await.unwrap().is_empty());
        assert_eq!(conn.prune_jobs(start + hours(1), later).await.unwrap(), 2, "the done job and the abandoned one");
        assert_eq!(conn.job_status(done.id).await.unwrap(), None);
        assert_eq!(conn.job_status(failed.id).await.unwrap(), Some(("failed".into(), 1)));
        assert_eq!(conn.job_status(abandoned.id).await.unwrap(), Some(("failed".into(), 1)));
    })
    .await;
}

#[tokio::test]
async fn a_dedupe_key_queues_a_job_once() {
    on_each_store(|store| async move {
        let mut conn = store.reader().await.unwrap();
        let key = Some("jobs.prune@42".to_string());
        let first = TestJob { dedupe_key: key.clone(), ..job("jobs.prune", "{}") };
        let second = TestJob { dedupe_key: key, ..job("jobs.prune", "{}") };
        assert!(conn.enqueue_job(&first.new_job(), now()).await.unwrap());
        assert!(!conn.enqueue_job(&second.new_job(), now()).await.unwrap());
        let claimed = conn.claim_jobs("jobs.prune", now(), now() + hours(1), 10).await.unwrap();
        assert_eq!(ids(&claimed), vec![first.id]);
    })
    .await;
}

#[tokio::test]
async fn two_concurrent_claimers_lease_each_job_once() {
    on_each_store(|store| async move {
        let start = now();
        let mut conn = store.reader().await.unwrap();
        let mut queued = HashSet::new();
        for n in 0..10 {
            let new = TestJob { run_at: start, ..mail_job(&format!("mailto:r{n}@x.org")) };
            conn.enqueue_job(&new.new_job(), start).await.unwrap();
            queued.insert(new.id);
        }
        drop(conn);

        // Each claims in its own transaction and holds it open while the other claims.
        let claimer = || async {
            let mut tx = store.begin().await.unwrap();
            let claimed = tx.claim_jobs("mail.send", start, start + Duration::minutes(5), 6).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            tx.commit().await.unwrap();
            ids(&claimed)
        };
        let (first, second) = tokio::join!(claimer(), claimer());
        assert_eq!(first.len() + second.len(), 10, "{first:?} {second:?}");
        let all: HashSet<_> = first.iter().chain(&second).copied().collect();
        assert_eq!(all, queued, "each job leased once");
    })
    .await;
}
