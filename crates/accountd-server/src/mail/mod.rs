//! Mail: rendering from templates compiled into the binary, delivery over SMTP
//! or to `.eml` files, and the job that connects the two.

mod delivery;
mod templates;
mod transport;

pub use delivery::{MailDelivery, SendMail};
pub use templates::{MailKind, Templates};
pub use transport::{mailer_from_config, FileMailer, MailError, Mailer, SmtpMailer};
