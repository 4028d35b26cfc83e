//! Upload domains and the uploader integrations: ShareX, Flameshot, Spectacle and a bash
//! script, made from templates compiled into the binary with the account's upload token
//! and selected domain.

use std::sync::Arc;

use accountd_core::activity::ActivityAction;
use accountd_core::user::{ClientInfo, User};
use accountd_core::{Clock, DomainError};
use accountd_store::Store;
use minijinja::Environment;
use secrecy::ExposeSecret as _;
use serde_json::json;

use super::tokens::Tokens;
use super::{activity, AppError, AppResult};
use crate::config::UploadsConfig;

/// One of the instance's upload domains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadDomain {
    pub domain: String,
    pub verified: bool,
}

/// The instance's upload domains, from configuration.
#[derive(Debug, Clone, Default)]
pub struct UploadDomains {
    domains: Vec<UploadDomain>,
    default: Option<String>,
}

impl UploadDomains {
    pub fn from_config(config: &UploadsConfig) -> Self {
        let verified = config.domains.iter().map(|domain| UploadDomain { domain: normalize(domain), verified: true });
        let unverified = config
            .unverified_domains
            .iter()
            .map(|domain| UploadDomain { domain: normalize(domain), verified: false })
            .filter(|candidate| !config.domains.iter().any(|domain| normalize(domain) == candidate.domain));
        let domains: Vec<_> = verified.chain(unverified).collect();
        let default =
            config.default_domain.as_deref().map(normalize).or_else(|| config.domains.first().map(|d| normalize(d)));
        Self { domains, default }
    }

    pub fn all(&self) -> &[UploadDomain] {
        &self.domains
    }

    pub fn default_domain(&self) -> Option<&str> {
        self.default.as_deref()
    }

    /// The account's domain: its selection while that is still a verified domain of the
    /// instance, otherwise the default.
    pub fn of(&self, user: &User) -> Option<&str> {
        let selected = user
            .upload_domain
            .as_deref()
            .and_then(|selected| self.domains.iter().find(|domain| domain.verified && domain.domain == selected));
        selected.map(|domain| domain.domain.as_str()).or(self.default.as_deref())
    }
}

/// Lower-case, without a final dot.
fn normalize(domain: &str) -> String {
    domain.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// A DNS name: dot-separated labels of letters, digits and inner hyphens, with an
/// optional port (`files.example.com`, `127.0.0.1:8080` for a closed network).
pub fn is_domain_name(domain: &str) -> bool {
    let host =
        domain.rsplit_once(':').map_or(domain, |(host, port)| if port.parse::<u16>().is_ok() { host } else { "" });
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// What a screenshot tool captures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capture {
    /// Flameshot `gui`, Spectacle `--region`: the user picks a region.
    Region,
    /// Flameshot `full`, Spectacle `--fullscreen`: every screen.
    Full,
    /// Flameshot `screen`: the screen under the pointer.
    Screen,
    /// Spectacle `--activewindow`.
    Window,
}

/// An uploader integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Integration {
    ShareX,
    Flameshot(Capture),
    Spectacle(Capture),
    Bash,
}

/// A generated file, to be served as an attachment.
pub struct GeneratedFile {
    pub file_name: String,
    pub content_type: &'static str,
    pub body: String,
}

pub struct Uploads {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    tokens: Arc<Tokens>,
    domains: Arc<UploadDomains>,
    /// Where files go; `{domain}` is the selected domain.
    upload_url: String,
    product_name: String,
    templates: Environment<'static>,
}

impl Uploads {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        tokens: Arc<Tokens>,
        domains: Arc<UploadDomains>,
        upload_url: String,
        product_name: String,
    ) -> Self {
        Self { store, clock, tokens, domains, upload_url, product_name, templates: templates() }
    }

    /// Every domain of the instance, and which one the account uses.
    pub fn list(&self, user: &User) -> (Vec<UploadDomain>, Option<&str>, Option<&str>) {
        (self.domains.all().to_vec(), self.domains.default_domain(), self.domains.of(user))
    }

    /// Selects the account's upload domain.
    pub async fn select(&self, user: &User, domain: &str, client: &ClientInfo) -> AppResult<String> {
        let wanted = normalize(domain);
        let found = self
            .domains
            .all()
            .iter()
            .find(|candidate| candidate.domain == wanted)
            .ok_or(DomainError::UploadDomainNotFound)?;
        if !found.verified {
            return Err(DomainError::UploadDomainNotVerified.into());
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.set_upload_domain(user.id, Some(&found.domain), now).await?;
        tx.insert_activity(&activity(
            user.id,
            ActivityAction::UploadDomainChanged,
            client,
            now,
            json!({ "domain": found.domain }),
        ))
        .await?;
        tx.commit().await?;
        Ok(found.domain.clone())
    }

    /// The integration's file for the account, with its current upload token and domain.
    pub async fn integration(&self, user: &User, integration: Integration) -> AppResult<GeneratedFile> {
        let domain = self.domains.of(user).ok_or(DomainError::UploadDomainNotFound)?.to_owned();
        let (token, _) = self.tokens.upload_token(user.id).await?;
        let upload_url = self.upload_url.replace("{domain}", &domain);
        let safe_domain: String =
            domain.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect();
        let (template, file_name, content_type, mode) = match integration {
            Integration::ShareX => ("sharex.sxcu", format!("{safe_domain}.sxcu"), "application/json", None),
            Integration::Bash => ("bash.sh", format!("{safe_domain}-upload.sh"), SHELL_SCRIPT, None),
            Integration::Flameshot(capture) => {
                let mode = match capture {
                    Capture::Region | Capture::Window => "gui",
                    Capture::Full => "full",
                    Capture::Screen => "screen",
                };
                ("flameshot.sh", format!("{safe_domain}-flameshot.sh"), SHELL_SCRIPT, Some(mode))
            }
            Integration::Spectacle(capture) => {
                let mode = match capture {
                    Capture::Region => "--region",
                    Capture::Full | Capture::Screen => "--fullscreen",
                    Capture::Window => "--activewindow",
                };
                ("spectacle.sh", format!("{safe_domain}-spectacle.sh"), SHELL_SCRIPT, Some(mode))
            }
        };
        let context = minijinja::context! {
            name => format!("{} ({domain})", self.product_name),
            upload_url => upload_url,
            authorization => format!("Bearer {}", token.expose_secret()),
            token => token.expose_secret(),
            domain => domain,
            username => user.username.as_str(),
            mode => mode,
        };
        let body = self
            .templates
            .get_template(template)
            .and_then(|template| template.render(context))
            .map_err(|error| AppError::Internal(Box::new(error)))?;
        Ok(GeneratedFile { file_name, content_type, body })
    }
}

const SHELL_SCRIPT: &str = "text/x-shellscript";

/// The templates, compiled into the binary; `sh` quotes a value for the shell.
fn templates() -> Environment<'static> {
    let mut environment = Environment::new();
    environment.set_keep_trailing_newline(true);
    for (name, source) in [
        ("sharex.sxcu", include_str!("../../templates/integrations/sharex.sxcu")),
        ("upload.sh", include_str!("../../templates/integrations/upload.sh")),
        ("bash.sh", include_str!("../../templates/integrations/bash.sh")),
        ("flameshot.sh", include_str!("../../templates/integrations/flameshot.sh")),
        ("spectacle.sh", include_str!("../../templates/integrations/spectacle.sh")),
    ] {
        // The sources are fixed and parse (the unit test below renders each of them);
        // a template that failed to parse would make its integration answer 500.
        if let Err(error) = environment.add_template(name, source) {
            tracing::error!(%error, name, "an integration template does not parse");
        }
    }
    environment.add_filter("sh", |value: String| shell_quote(&value));
    environment
}

/// One shell word that stands for `value` exactly: single-quoted, each `'` written as
/// `'\''`. Nothing inside single quotes is special to the shell. NUL cannot be in a
/// shell word at all, so it is dropped.
pub fn shell_quote(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('\'');
    for c in value.chars().filter(|c| *c != '\0') {
        if c == '\'' {
            quoted.push_str("'\\''");
        } else {
            quoted.push(c);
        }
    }
    quoted.push('\'');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting_leaves_nothing_special() {
        assert_eq!(shell_quote("plain"), "'plain'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote("$(rm -rf ~)`x`;\n"), "'$(rm -rf ~)`x`;\n'");
    }

    #[test]
    fn every_template_renders() {
        let environment = templates();
        for name in ["sharex.sxcu", "bash.sh", "flameshot.sh", "spectacle.sh"] {
            let template = environment.get_template(name).unwrap();
            let context = minijinja::context! {
                name => "n", upload_url => "https://x/", authorization => "Bearer t", token => "t",
                domain => "x", username => "u", mode => "gui",
            };
            assert!(!template.render(context).unwrap().is_empty(), "{name}");
        }
    }

    #[test]
    fn domain_names() {
        assert!(is_domain_name("files.example.com"));
        assert!(is_domain_name("127.0.0.1:8080"));
        assert!(!is_domain_name("bad domain"));
        assert!(!is_domain_name("-x.com"));
        assert!(!is_domain_name("x.com:port"));
        assert!(!is_domain_name("$(id).com"));
    }
}
