//! What every flow that sends mail shares: links, single-use email tokens, the
//! per-address send limit, and queueing mail as jobs of the caller's transaction.

use std::sync::Arc;

use accountd_core::mail::{EmailToken, TokenPurpose};
use accountd_core::token::{random_urlsafe, TokenHash};
use accountd_core::user::User;
use accountd_core::UserId;
use accountd_store::Conn;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::AppResult;
use crate::jobs::{self, JobQueue};
use crate::mail::{MailKind, SendMail, Templates};

/// At most this many mails that carry a token to one address per window, across every route.
const SENDS_PER_WINDOW: i64 = 5;
const SEND_WINDOW: Duration = Duration::minutes(15);

pub struct Mailing {
    templates: Templates,
    /// Woken once a transaction with mail in it has committed.
    jobs: Arc<JobQueue>,
}

impl Mailing {
    pub fn new(templates: Templates, jobs: Arc<JobQueue>) -> Self {
        Self { templates, jobs }
    }

    /// `{publicUrl}{path}?query`, the link format clients parse (API.md "Emails").
    pub fn link(&self, path: &str, query: &[(&str, &str)]) -> String {
        let query: Vec<String> = query.iter().map(|(key, value)| format!("{key}={value}")).collect();
        format!("{}{path}?{}", self.templates.public_url(), query.join("&"))
    }

    /// Creates a token for `purpose`, retiring the account's earlier ones of the same purpose.
    /// Every mail that carries a token comes through here, so this is where the
    /// per-recipient cap holds (API.md "Conventions"): past it the answer is `None` and
    /// no mail goes out, while the request answers as usual so the cap reveals nothing.
    pub async fn issue_token(
        &self,
        tx: &mut dyn Conn,
        user: UserId,
        purpose: TokenPurpose,
        email: &str,
        address_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> AppResult<Option<(String, DateTime<Utc>)>> {
        if !self.may_send(tx, email, now).await? {
            tracing::info!(purpose = purpose.as_str(), "mail withheld: the recipient had its share lately");
            return Ok(None);
        }
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
        Ok(Some((secret, record.expires_at)))
    }

    /// Whether the address got fewer than its share of token mail, of any kind, lately.
    pub(crate) async fn may_send(&self, conn: &mut dyn Conn, email: &str, now: DateTime<Utc>) -> AppResult<bool> {
        let recent = conn.count_email_tokens_since(&email.to_lowercase(), now - SEND_WINDOW).await?;
        Ok(recent < SENDS_PER_WINDOW)
    }

    pub async fn queue(
        &self,
        tx: &mut dyn Conn,
        recipient: &str,
        kind: &MailKind<'_>,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        jobs::enqueue(tx, &SendMail(self.templates.render(recipient, kind)), now).await?;
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
    pub fn wake_delivery(&self) {
        self.jobs.wake();
    }
}
