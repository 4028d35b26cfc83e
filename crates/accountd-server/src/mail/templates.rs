//! Every mail has a plain-text and an HTML part, rendered from templates compiled
//! into the binary. Values are substituted once; in the HTML part every value is
//! escaped, so a user-controlled value (a username, an address) can't inject markup.

use accountd_core::mail::OutgoingMail;
use uuid::Uuid;

/// The mails accountd sends, with the values each one shows.
pub enum MailKind<'a> {
    VerifyEmail {
        username: &'a str,
        link: &'a str,
    },
    ResetPassword {
        username: &'a str,
        link: &'a str,
    },
    ConfirmEmailChange {
        username: &'a str,
        new_email: &'a str,
        link: &'a str,
    },
    EmailChanged {
        username: &'a str,
        new_email: &'a str,
    },
    VerifyAddress {
        username: &'a str,
        address: &'a str,
        link: &'a str,
    },
    PasswordChanged {
        username: &'a str,
    },
    /// The code that confirms turning two-factor on, when configuration asks for it.
    TwoFactorCode {
        username: &'a str,
        code: &'a str,
    },
    /// A security notice: `change` is one sentence saying what changed.
    TwoFactorChanged {
        username: &'a str,
        change: &'a str,
    },
    AccountDeleted {
        username: &'a str,
    },
    /// Failed attempts reached an account-wide limit; `until` is when it lifts (RFC 3339, UTC).
    AccountLocked {
        username: &'a str,
        until: &'a str,
    },
    /// A personal access token was created; `name` is the name its creator gave it.
    TokenCreated {
        username: &'a str,
        name: &'a str,
    },
    /// A passkey was added; `name` is its name.
    PasskeyAdded {
        username: &'a str,
        name: &'a str,
    },
    /// Sign-in by email: the link and the 6-digit code of one sign-in.
    EmailLogin {
        username: &'a str,
        link: &'a str,
        code: &'a str,
    },
}

const LAYOUT: &str = include_str!("../../templates/mail/layout.html");

pub struct Templates {
    product: String,
    public_url: String,
}

impl Templates {
    pub fn new(product: &str, public_url: &str) -> Self {
        Self { product: product.to_string(), public_url: public_url.trim_end_matches('/').to_string() }
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Renders a mail to `recipient`, which must be a parsed email address.
    pub fn render(&self, recipient: &str, kind: &MailKind<'_>) -> OutgoingMail {
        let (subject, text, html, values): (String, &str, &str, Vec<(&str, &str)>) = match kind {
            MailKind::VerifyEmail { username, link } => (
                format!("Confirm your email for {}", self.product),
                include_str!("../../templates/mail/verify_email.txt"),
                include_str!("../../templates/mail/verify_email.html"),
                vec![("username", username), ("link", link)],
            ),
            MailKind::ResetPassword { username, link } => (
                format!("Reset your {} password", self.product),
                include_str!("../../templates/mail/reset_password.txt"),
                include_str!("../../templates/mail/reset_password.html"),
                vec![("username", username), ("link", link)],
            ),
            MailKind::ConfirmEmailChange { username, new_email, link } => (
                format!("Confirm your new email for {}", self.product),
                include_str!("../../templates/mail/confirm_email_change.txt"),
                include_str!("../../templates/mail/confirm_email_change.html"),
                vec![("username", username), ("new_email", new_email), ("link", link)],
            ),
            MailKind::EmailChanged { username, new_email } => (
                format!("Your {} email was changed", self.product),
                include_str!("../../templates/mail/email_changed.txt"),
                include_str!("../../templates/mail/email_changed.html"),
                vec![("username", username), ("new_email", new_email)],
            ),
            MailKind::VerifyAddress { username, address, link } => (
                format!("Confirm an address for {}", self.product),
                include_str!("../../templates/mail/verify_address.txt"),
                include_str!("../../templates/mail/verify_address.html"),
                vec![("username", username), ("address", address), ("link", link)],
            ),
            MailKind::PasswordChanged { username } => (
                format!("Your {} password was changed", self.product),
                include_str!("../../templates/mail/password_changed.txt"),
                include_str!("../../templates/mail/password_changed.html"),
                vec![("username", username)],
            ),
            MailKind::TwoFactorCode { username, code } => (
                format!("Your {} confirmation code", self.product),
                include_str!("../../templates/mail/two_factor_code.txt"),
                include_str!("../../templates/mail/two_factor_code.html"),
                vec![("username", username), ("code", code)],
            ),
            MailKind::TwoFactorChanged { username, change } => (
                format!("Two-factor authentication changed on your {} account", self.product),
                include_str!("../../templates/mail/two_factor_changed.txt"),
                include_str!("../../templates/mail/two_factor_changed.html"),
                vec![("username", username), ("change", change)],
            ),
            MailKind::AccountDeleted { username } => (
                format!("Your {} account was deleted", self.product),
                include_str!("../../templates/mail/account_deleted.txt"),
                include_str!("../../templates/mail/account_deleted.html"),
                vec![("username", username)],
            ),
            MailKind::AccountLocked { username, until } => (
                format!("Sign-in to your {} account is paused", self.product),
                include_str!("../../templates/mail/account_locked.txt"),
                include_str!("../../templates/mail/account_locked.html"),
                vec![("username", username), ("until", until)],
            ),
            MailKind::TokenCreated { username, name } => (
                format!("A new access token for your {} account", self.product),
                include_str!("../../templates/mail/token_created.txt"),
                include_str!("../../templates/mail/token_created.html"),
                vec![("username", username), ("name", name)],
            ),
            MailKind::PasskeyAdded { username, name } => (
                format!("A passkey was added to your {} account", self.product),
                include_str!("../../templates/mail/passkey_added.txt"),
                include_str!("../../templates/mail/passkey_added.html"),
                vec![("username", username), ("name", name)],
            ),
            MailKind::EmailLogin { username, link, code } => (
                format!("Sign in to {}", self.product),
                include_str!("../../templates/mail/email_login.txt"),
                include_str!("../../templates/mail/email_login.html"),
                vec![("username", username), ("link", link), ("code", code)],
            ),
        };
        let mut values = values;
        values.push(("product", &self.product));
        values.push(("public_url", &self.public_url));
        let content = fill(html, &values, escape_html);
        let mut page = values.clone();
        page.push(("subject", &subject));
        let html_body = fill(LAYOUT, &page, escape_html).replace("{{content}}", &content);
        OutgoingMail {
            id: Uuid::now_v7(),
            recipient: recipient.to_string(),
            subject: single_line(&subject),
            text_body: fill(text, &values, |value| value.to_string()),
            html_body,
        }
    }
}

/// Replaces each `{{name}}` with its value in one pass, so a value that itself
/// contains `{{…}}` is never expanded.
fn fill(template: &str, values: &[(&str, &str)], escape: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = &after[..end];
                match values.iter().find(|(key, _)| *key == name) {
                    Some((_, value)) => out.push_str(&escape(value)),
                    None => out.push_str(&rest[start..start + 2 + end + 2]),
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The five characters that matter in HTML text and attribute values.
fn escape_html(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A subject never spans lines, whatever the product name holds.
fn single_line(value: &str) -> String {
    value.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn templates() -> Templates {
        Templates::new("Acme", "https://accounts.example.com/")
    }

    #[test]
    fn renders_both_parts_with_the_link() {
        let link = "https://accounts.example.com/verify-email?token=abc_DEF-123";
        let mail = templates().render("jane@example.com", &MailKind::VerifyEmail { username: "jane", link });
        assert_eq!(mail.subject, "Confirm your email for Acme");
        assert!(mail.text_body.contains(&format!("\n{link}\n")));
        assert!(mail.html_body.contains(&format!("href=\"{link}\"")));
        assert!(mail.html_body.contains("https://accounts.example.com)"));
        assert!(!mail.html_body.contains("{{"));
        assert!(!mail.text_body.contains("{{"));
    }

    #[test]
    fn values_cannot_inject_markup_or_placeholders() {
        let mail = templates().render(
            "jane@example.com",
            &MailKind::EmailChanged { username: "<script>alert(1)</script>", new_email: "{{link}}\"@x.com" },
        );
        assert!(!mail.html_body.contains("<script>"));
        assert!(mail.html_body.contains("&lt;script&gt;"));
        assert!(mail.html_body.contains("{{link}}&quot;@x.com"));
    }

    #[test]
    fn the_two_factor_code_stands_on_its_own_line() {
        let mail =
            templates().render("jane@example.com", &MailKind::TwoFactorCode { username: "jane", code: "123456" });
        assert!(mail.text_body.lines().any(|line| line == "Code: 123456"));
        assert!(mail.html_body.contains("123456"));
    }

    #[test]
    fn subjects_are_one_line() {
        let mail = Templates::new("Acme\r\nBcc: victim@example.com", "http://x")
            .render("a@b.co", &MailKind::PasswordChanged { username: "a" });
        assert!(!mail.subject.contains('\n') && !mail.subject.contains('\r'));
    }
}
