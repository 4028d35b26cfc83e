//! The outbox worker. Mail is written to the outbox in the transaction of the
//! change that caused it; this worker claims due messages (a lease, so several
//! nodes never take the same one), delivers them, and records the outcome.
//! While the relay is down, messages wait with exponential backoff; after
//! `max_attempts` failures a message is marked failed and logged.

use std::sync::Arc;
use std::time::Duration;

use accountd_core::mail::QueuedMail;
use accountd_core::Clock;
use accountd_store::Store;
use tokio::sync::Notify;

use super::{MailError, Mailer};

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: i32,
    pub first_delay: chrono::Duration,
    pub max_delay: chrono::Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 10, first_delay: chrono::Duration::seconds(2), max_delay: chrono::Duration::minutes(15) }
    }
}

impl RetryPolicy {
    /// The wait after the `attempts`-th failure: doubling from `first_delay`, capped.
    fn delay(&self, attempts: i32) -> chrono::Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(20);
        let delay = self.first_delay * 2_i32.pow(doublings);
        delay.min(self.max_delay)
    }
}

/// How long a claim lasts: longer than any delivery takes (SMTP times out at 15 s).
const LEASE: chrono::Duration = chrono::Duration::seconds(120);
const BATCH: i64 = 16;
const POLL: Duration = Duration::from_millis(500);

pub struct OutboxWorker {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    mailer: Arc<dyn Mailer>,
    wake: Arc<Notify>,
    policy: RetryPolicy,
}

impl OutboxWorker {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        mailer: Arc<dyn Mailer>,
        wake: Arc<Notify>,
        policy: RetryPolicy,
    ) -> Self {
        Self { store, clock, mailer, wake, policy }
    }

    /// Runs until the task is dropped; wakes when mail is queued, and polls for retries.
    pub async fn run(self) {
        loop {
            match self.deliver_due().await {
                Ok(claimed) if claimed as i64 == BATCH => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "outbox: claiming mail failed; retrying"),
            }
            tokio::select! {
                () = self.wake.notified() => {},
                () = tokio::time::sleep(POLL) => {},
            }
        }
    }

    /// Claims one batch of due mail and delivers it; returns how many were claimed.
    pub async fn deliver_due(&self) -> Result<usize, accountd_store::StoreError> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut batch = tx.claim_due_mail(now, now + LEASE, BATCH).await?;
        tx.commit().await?;
        // RETURNING gives no order; deliver as the mail was written (ids are time-ordered v7),
        // so a reader sees, say, the confirmation before the notice that followed it.
        batch.sort_by_key(|queued| queued.mail.id);
        let claimed = batch.len();
        for queued in batch {
            let outcome = self.mailer.deliver(&queued.mail).await;
            if let Err(error) = self.record(&queued, outcome).await {
                tracing::warn!(%error, id = %queued.mail.id, "outbox: recording a delivery failed");
            }
        }
        Ok(claimed)
    }

    async fn record(
        &self,
        queued: &QueuedMail,
        outcome: Result<(), MailError>,
    ) -> Result<(), accountd_store::StoreError> {
        let now = self.clock.now();
        let id = queued.mail.id;
        let mut tx = self.store.begin().await?;
        match outcome {
            Ok(()) => {
                tx.mark_mail_sent(id, now).await?;
                metrics::counter!("accountd_mail_total", "outcome" => "sent").increment(1);
            }
            Err(error) => {
                let attempts = queued.attempts + 1;
                let permanent = matches!(error, MailError::Permanent(_));
                if permanent || attempts >= self.policy.max_attempts {
                    tracing::error!(%id, attempts, %error, "outbox: giving up on a message");
                    tx.mark_mail_failed(id, attempts, &error.to_string()).await?;
                    metrics::counter!("accountd_mail_total", "outcome" => "failed").increment(1);
                } else {
                    let next = now + self.policy.delay(attempts);
                    tracing::warn!(%id, attempts, %error, next_attempt_at = %next, "outbox: delivery failed; will retry");
                    tx.mark_mail_retry(id, attempts, next, &error.to_string()).await?;
                    metrics::counter!("accountd_mail_total", "outcome" => "retry").increment(1);
                }
            }
        }
        tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(1), chrono::Duration::seconds(2));
        assert_eq!(policy.delay(2), chrono::Duration::seconds(4));
        assert_eq!(policy.delay(3), chrono::Duration::seconds(8));
        assert_eq!(policy.delay(30), chrono::Duration::minutes(15));
    }
}
