//! Delivery: over SMTP with lettre (plain, STARTTLS or implicit TLS, with
//! credentials), or, with no SMTP URL configured, to `.eml` files in the data directory.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use accountd_core::mail::OutgoingMail;
use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The message itself is bad (an address lettre refuses); retrying can't help.
    #[error("the message cannot be sent: {0}")]
    Permanent(String),
    /// The relay is down or refused for now; try again later.
    #[error("delivery failed: {0}")]
    Transient(String),
}

#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    async fn deliver(&self, mail: &OutgoingMail) -> Result<(), MailError>;
}

fn build_message(from: &Mailbox, mail: &OutgoingMail) -> Result<Message, MailError> {
    let to: Mailbox = mail.recipient.parse().map_err(|e| MailError::Permanent(format!("recipient: {e}")))?;
    Message::builder()
        .message_id(Some(format!("<{}@accountd>", mail.id)))
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(mail.text_body.clone()))
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(mail.html_body.clone())),
        )
        .map_err(|e| MailError::Permanent(e.to_string()))
}

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// `smtp://host:port` (plain), `smtp://host:port?tls=starttls`, `smtps://user:pass@host:465` (implicit TLS).
    pub fn from_url(url: &str, from: Mailbox) -> Result<Self, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
        let host = parsed.host_str().ok_or("the URL has no host")?.to_string();
        let implicit_tls = match parsed.scheme() {
            "smtp" => false,
            "smtps" => true,
            other => return Err(format!("unsupported scheme {other}: use smtp or smtps")),
        };
        let starttls = parsed.query_pairs().any(|(key, value)| key == "tls" && value.eq_ignore_ascii_case("starttls"));
        let tls = if implicit_tls || starttls {
            let parameters = TlsParameters::new(host.clone()).map_err(|e| format!("TLS: {e}"))?;
            if implicit_tls {
                Tls::Wrapper(parameters)
            } else {
                Tls::Required(parameters)
            }
        } else {
            Tls::None
        };
        let port = parsed.port().unwrap_or(if implicit_tls { 465 } else { 25 });
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(15)));
        if !parsed.username().is_empty() {
            let decode = |value: &str| percent_encoding::percent_decode_str(value).decode_utf8_lossy().into_owned();
            let user = decode(parsed.username());
            let password = decode(parsed.password().unwrap_or_default());
            builder = builder.credentials(Credentials::new(user, password));
        }
        Ok(Self { transport: builder.build(), from })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn deliver(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let message = build_message(&self.from, mail)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            // Only a refusal of the recipient (55x) is final. Anything else — the relay
            // down, a 535 for credentials an operator has yet to fix — keeps the message waiting.
            Err(error) if error.status().is_some_and(|code| code.to_string().starts_with("55")) => {
                Err(MailError::Permanent(error.to_string()))
            }
            Err(error) => Err(MailError::Transient(error.to_string())),
        }
    }
}

/// Writes each message as an `.eml` file, for the embedded default and development.
pub struct FileMailer {
    dir: PathBuf,
    from: Mailbox,
}

impl FileMailer {
    pub fn new(dir: PathBuf, from: Mailbox) -> Self {
        Self { dir, from }
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn deliver(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let message = build_message(&self.from, mail)?;
        let path = self.dir.join(format!("{}.eml", mail.id));
        let partial = self.dir.join(format!("{}.eml.partial", mail.id));
        let bytes = message.formatted();
        let written = async {
            tokio::fs::create_dir_all(&self.dir).await?;
            tokio::fs::write(&partial, &bytes).await?;
            // Readers never see a half-written message.
            tokio::fs::rename(&partial, &path).await
        };
        written.await.map_err(|e| MailError::Transient(format!("{}: {e}", path.display())))?;
        tracing::info!(to = %mail.recipient, subject = %mail.subject, path = %path.display(), "mail written to file");
        Ok(())
    }
}

/// The mailer the configuration asks for.
pub fn mailer_from_config(config: &crate::config::Config) -> Result<Arc<dyn Mailer>, String> {
    let from: Mailbox = config.mail_from.parse().map_err(|e| format!("mail_from: {e}"))?;
    match &config.smtp_url {
        Some(url) => Ok(Arc::new(SmtpMailer::from_url(url, from).map_err(|e| format!("smtp_url: {e}"))?)),
        None => Ok(Arc::new(FileMailer::new(config.data_dir.join("mail"), from))),
    }
}
