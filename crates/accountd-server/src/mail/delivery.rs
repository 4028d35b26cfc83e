//! Mail on the job queue: a rendered message is queued as a `mail.send` job in the
//! transaction of the change that caused it, and delivered by [`MailDelivery`].

use std::sync::Arc;

use accountd_core::mail::OutgoingMail;

use super::{MailError, Mailer};
use crate::jobs::{Job, JobFailure, JobHandler};

/// One message to deliver.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SendMail(pub OutgoingMail);

impl Job for SendMail {
    const KIND: &'static str = "mail.send";
    /// With the queue's doubling backoff, about an hour and a half of a relay being down.
    const MAX_ATTEMPTS: i32 = 10;

    /// An account's erasure drops the mail still queued to its addresses.
    fn about(&self) -> Option<String> {
        Some(format!("mailto:{}", self.0.recipient.to_lowercase()))
    }
}

pub struct MailDelivery {
    mailer: Arc<dyn Mailer>,
}

impl MailDelivery {
    pub fn new(mailer: Arc<dyn Mailer>) -> Self {
        Self { mailer }
    }
}

#[async_trait::async_trait]
impl JobHandler<SendMail> for MailDelivery {
    async fn run(&self, SendMail(mail): SendMail) -> Result<(), JobFailure> {
        match self.mailer.deliver(&mail).await {
            Ok(()) => Ok(()),
            Err(MailError::Permanent(reason)) => Err(JobFailure::Permanent(reason)),
            Err(error) => Err(JobFailure::Retry(error.to_string())),
        }
    }
}
