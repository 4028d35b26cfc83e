//! What every flow that sends mail shares: links, single-use email tokens, the
//! per-address send limit, and queueing into the outbox of the caller's transaction.

use std::sync::Arc;

use accountd_core::mail::{EmailToken, TokenPurpose};
use accountd_core::token::{random_urlsafe, TokenHash};
use accountd_core::user::User;
use accountd_core::{DomainError, UserId};
use accountd_store::Conn;
use chrono::{DateTime, Duration, Utc};
use tokio::sync::Notify;
use uuid::Uuid;

use super::AppResult;
use crate::mail::{MailKind, Templates};

/// At most this many mails of one kind to one address per window.
const SENDS_PER_WINDOW: i64 = 5;
const SEND_WINDOW: Duration = Duration::minutes(15);

pub struct Mailing {
    templates: Templates,
    /// Wakes the outbox worker once a transaction with mail in it has committed.
    outbox_wake: Arc<Notify>,
}

impl Mailing {
    pub fn new(templates: Templates, outbox_wake: Arc<Notify>) -> Self {
        Self { templates, outbox_wake }
    }

    /// `{publicUrl}{path}?query`, the link format clients parse (API.md "Emails").
    pub fn link(&self, path: &str, query: &[(&str, &str)]) -> String {
        let query: Vec<String> = query.iter().map(|(key, value)| format!("{key}={value}")).collect();
        format!("{}{path}?{}", self.templates.public_url(), query.join("&"))
    }

    /// Creates a token for `purpose`, retiring the account's earlier ones of the same purpose.
    pub async fn issue_token(
        &self,
        tx: &mut dyn Conn,
        user: UserId,
        purpose: TokenPurpose,
        email: &str,
        address_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> AppResult<(String, DateTime<Utc>)> {
        tx.retire_email_tokens(user, purpose, now).await?;
        // 32 random bytes, base64url: only `[A-Za-z0-9_-]`, as the contract promises.
        let secret = random_urlsafe(32);
        let record = EmailToken {
            user_id: user,
            purpose,
            email: email.to_string(),
            address_id,
            created_at: now,
            expires_at: now + purpose.lifetime(),
        };
        tx.insert_email_token(&TokenHash::of(&secret), &record).await?;
        Ok((secret, record.expires_at))
    }

    /// Refuses a send when the address already got its share of this kind of mail lately.
    pub async fn ensure_may_send(
        &self,
        conn: &mut dyn Conn,
        email: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        let recent = conn.count_email_tokens_since(&email.to_lowercase(), purpose, now - SEND_WINDOW).await?;
        if recent >= SENDS_PER_WINDOW {
            return Err(DomainError::RateLimited { retry_after_secs: SEND_WINDOW.num_seconds().unsigned_abs() }.into());
        }
        Ok(())
    }

    pub async fn queue(
        &self,
        tx: &mut dyn Conn,
        recipient: &str,
        kind: &MailKind<'_>,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        tx.enqueue_mail(&self.templates.render(recipient, kind), now).await?;
        Ok(())
    }

    /// Queues a security notice (API.md "Security notices always go out"): the owner is
    /// told whatever `notifications` say, since a change they did not make is what the
    /// notice exists for. Every security notice goes through here.
    pub async fn notify_security(
        &self,
        tx: &mut dyn Conn,
        owner: &User,
        kind: &MailKind<'_>,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        self.queue(tx, owner.email.as_str(), kind, now).await
    }

    /// Call after the transaction that queued mail has committed.
    pub fn wake_outbox(&self) {
        self.outbox_wake.notify_one();
    }
}
