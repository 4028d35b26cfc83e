//! The Discord webhook test: a real POST of a Discord embed to the profile's webhook URL.

use std::sync::Arc;
use std::time::Duration;

use accountd_core::user::User;
use accountd_core::{Clock, DomainError};
use serde_json::json;

use super::AppResult;
use crate::outbound::{Outbound, OutboundError};

/// How long the test waits for Discord (or the receiver) to answer.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Webhooks {
    clock: Arc<dyn Clock>,
    outbound: Outbound,
    product_name: String,
}

impl Webhooks {
    pub fn new(clock: Arc<dyn Clock>, outbound: Outbound, product_name: String) -> Self {
        Self { clock, outbound, product_name }
    }

    /// Posts a test message; `Ok` when the receiver answered 2xx. The URL is checked
    /// again now (and each address it resolves to, and every redirect), whatever it was
    /// when it was saved.
    pub async fn test(&self, user: &User) -> AppResult<()> {
        let url = user.discord_webhook_url.as_deref().ok_or(DomainError::WebhookNotConfigured)?;
        let url = url::Url::parse(url).map_err(|_| DomainError::WebhookNotConfigured)?;
        let message = json!({
            "username": self.product_name,
            // Nothing in the message may ping anyone, whatever the names in it say.
            "allowed_mentions": { "parse": [] },
            "embeds": [{
                "title": "Webhook test",
                "description": format!("This webhook is connected to the account {}.", user.username),
                "color": 0x5865F2,
                "timestamp": self.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            }],
        });
        match self.outbound.send(&url, |client| client.post(url.clone()).json(&message), WEBHOOK_TIMEOUT).await {
            Ok(response) if response.status().is_success() => Ok(()),
            Ok(response) => {
                tracing::info!(status = %response.status(), "the webhook refused the test message");
                Err(DomainError::WebhookRejected.into())
            }
            Err(OutboundError::Refused(_)) => Err(DomainError::WebhookForbiddenTarget.into()),
            Err(error @ (OutboundError::Failed(_) | OutboundError::Unavailable)) => {
                tracing::info!(%error, "the webhook test message was not delivered");
                Err(DomainError::WebhookRejected.into())
            }
        }
    }
}
