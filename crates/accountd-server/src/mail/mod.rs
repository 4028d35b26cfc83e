//! Mail: rendering from templates compiled into the binary, delivery over SMTP
//! or to `.eml` files, and the outbox worker that connects the two.

mod templates;
mod transport;
mod worker;

pub use templates::{MailKind, Templates};
pub use transport::{mailer_from_config, FileMailer, MailError, Mailer, SmtpMailer};
pub use worker::{OutboxWorker, RetryPolicy};
