//! Configuration: defaults < TOML file named by `ACCOUNTD_CONFIG` < `ACCOUNTD_*`
//! environment, where `__` separates levels (`ACCOUNTD_AUTH__SESSION_TTL_DAYS`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use accountd_core::password::PolicyKind;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::Url;

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// Unset means the embedded SQLite database in the data directory.
    #[serde(serialize_with = "redacted_url")]
    pub database_url: Option<String>,
    pub public_url: Url,
    /// Unset means the public URL's origin.
    #[serde(deserialize_with = "comma_list")]
    pub allowed_origins: Vec<String>,
    #[serde(serialize_with = "redacted_url")]
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// The product name shown in mail.
    pub product_name: String,
    #[serde(serialize_with = "masked")]
    pub secret_key: Option<SecretString>,
    #[serde(serialize_with = "masked")]
    pub introspection_secret: Option<SecretString>,
    #[serde(deserialize_with = "comma_list")]
    pub trusted_proxies: Vec<IpNet>,
    pub rate_limit: RateLimitConfig,
    pub auth: AuthConfig,
    pub password: PasswordConfig,
    pub two_factor: TwoFactorConfig,
    pub webhooks: WebhooksConfig,
    pub limits: LimitsConfig,
    pub oauth: OAuthConfig,
    pub media: MediaConfig,
    pub passkeys: PasskeysConfig,
    pub log: String,
    pub log_format: LogFormat,
    pub activity: ActivityConfig,
    pub referrals: ReferralsConfig,
    pub http: HttpConfig,
    pub uploads: UploadsConfig,
    pub perks: PerksConfig,
    pub console: ConsoleConfig,
}

/// The built-in account console (`crate::console`).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ConsoleConfig {
    /// Off: no console page is served (`404`), for API-only deployments.
    pub enabled: bool,
    /// Where the console lives: empty for `/`, or a path such as `/account`.
    pub path_prefix: String,
    /// The name in the console's header and titles; unset, the instance's `product_name`.
    pub product_name: Option<String>,
    /// An https URL (or a path on this server) of the logo shown beside the name.
    pub logo_url: Option<String>,
    /// The accent colour of buttons and focus rings, `#rrggbb` or `#rgb`.
    pub accent_color: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ActivityConfig {
    /// Activity rows and login attempts older than this many days are deleted by a daily sweep.
    pub retention_days: u32,
    /// An idle event stream sends a keep-alive comment this often, in seconds.
    pub stream_keep_alive_seconds: u32,
    /// Event streams one account may hold open on one node; past it `429 rate_limited`.
    pub max_streams_per_account: u32,
    /// Event streams one node holds open at most; past it `503 server:overloaded`.
    pub max_streams_per_node: u32,
    /// Events queued for one stream's client; a client that falls further behind is dropped.
    pub stream_buffer_events: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ReferralsConfig {
    /// Credits a referrer gets for each account registered with its code.
    pub reward_credits: i64,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct HttpConfig {
    /// A PEM bundle of CA certificates outbound HTTPS trusts besides the platform's roots.
    pub extra_ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct UploadsConfig {
    /// The instance's verified upload domains (comma separated); the first is the
    /// default unless `default_domain` names another.
    #[serde(deserialize_with = "comma_list")]
    pub domains: Vec<String>,
    /// Domains being set up: listed, but not selectable until they move to `domains`.
    #[serde(deserialize_with = "comma_list")]
    pub unverified_domains: Vec<String>,
    pub default_domain: Option<String>,
    /// Where the uploader integrations send files; `{domain}` becomes the selected domain.
    pub upload_url: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PerksConfig {
    /// How long `POST /v1/me/perks/refresh` waits for the providers, in milliseconds.
    pub timeout_ms: u64,
    pub discord_api_url: Url,
    pub github_api_url: Url,
    /// The bot token that reads guild members (Discord booster perks).
    #[serde(serialize_with = "masked")]
    pub discord_bot_token: Option<SecretString>,
    /// A token for GitHub's GraphQL API (contribution perks).
    #[serde(serialize_with = "masked")]
    pub github_token: Option<SecretString>,
    /// The perks by id (`ACCOUNTD_PERKS__RULES__{ID}__…`).
    #[serde(default)]
    pub rules: BTreeMap<String, PerkRuleConfig>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PerkKind {
    /// Accounts registered with the account's referral code.
    Referrals,
    /// Days since the account was created.
    AccountAgeDays,
    /// Boosting a Discord guild (`guild_id`), through the linked Discord identity.
    DiscordBooster,
    /// Contributions in the last year on GitHub, through the linked GitHub identity.
    GithubContributions,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PerkRuleConfig {
    pub kind: PerkKind,
    /// The progress that makes the account eligible (`1` for a booster).
    #[serde(default = "one")]
    pub target: i64,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The perk role an eligible account gets (`perkRoles`).
    #[serde(default)]
    pub role: Option<String>,
    /// The Discord guild of a booster perk.
    #[serde(default)]
    pub guild_id: Option<String>,
    /// The linked provider (its configured name) the check reads; defaults to `discord`
    /// or `github` by kind.
    #[serde(default)]
    pub provider: Option<String>,
}

fn one() -> i64 {
    1
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RateLimitConfig {
    /// Turns off every rate limit and the login throttling at once.
    pub enabled: bool,
    /// Requests one client IP may make at once to each unauthenticated auth endpoint.
    pub per_ip_burst: u32,
    /// How fast that allowance refills, per minute.
    pub per_ip_per_minute: u32,
    /// Failed logins of one account in the window after which further attempts get 429.
    pub login_failures: u32,
    /// The sliding window of the login throttling, in minutes.
    pub login_window_minutes: u32,
    /// Failed logins of one account, from every client prefix together, after which every
    /// prefix gets 429 for that account and the owner is told by mail.
    pub account_login_failures: u32,
    /// Wrong second-factor codes of one account in the window (across mfaTokens and
    /// client addresses) after which the second step answers 429.
    pub second_factor_failures: u32,
    /// IPv6 clients are grouped by this prefix length for every per-client limit: one
    /// subscriber usually holds a whole /64.
    pub ipv6_prefix: u8,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AuthConfig {
    pub require_verified_email: bool,
    pub session_ttl_days: u32,
    /// Sign-in by an emailed link or code (`POST /v1/auth/email-login`); off, its routes answer 404.
    pub email_login: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PasskeysConfig {
    /// The WebAuthn relying-party id; unset, the public URL's host. A host that is an IP
    /// address is no valid id: then passkeys are off unless this is set.
    pub rp_id: Option<String>,
    /// The name authenticators show.
    pub rp_name: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PasswordConfig {
    pub policy: PolicyKind,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TwoFactorConfig {
    pub email_confirmation: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct WebhooksConfig {
    pub allow_private_targets: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct LimitsConfig {
    /// Largest JSON request body, in bytes.
    pub json_body_bytes: usize,
    /// Storage quota of an account, in bytes.
    pub storage_bytes: u64,
    /// How many password hashes may wait for a free hashing thread before
    /// new logins are shed with 503.
    pub password_queue: usize,
    /// Personal access tokens an account may hold, unless an administrator says otherwise.
    pub personal_access_tokens: u32,
    /// Additional email addresses an account may add.
    pub additional_addresses: u32,
    /// Live sessions an account may have; a new login ends the least recently used past it.
    pub sessions: u32,
    /// A request's headers must arrive within this many seconds.
    pub header_timeout_seconds: u32,
    /// A request's body must arrive within this many seconds in all.
    pub body_timeout_seconds: u32,
    /// An idle keep-alive connection is closed after this many seconds.
    pub idle_timeout_seconds: u32,
    /// Open connections at most; past it new ones are closed at once. Unset: derived from
    /// the descriptor limit (which the server raises to its hard limit at start).
    pub max_connections: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct OAuthConfig {
    /// Social login providers by name (`ACCOUNTD_OAUTH__PROVIDERS__{NAME}__…`); the name is
    /// the provider's id in the API paths.
    #[serde(default)]
    pub providers: BTreeMap<String, OAuthProviderConfig>,
    /// Redirect URIs a client may pass as `redirectUri`, besides the default
    /// `{publicUrl}/oauth/{provider}/callback` (comma separated).
    #[serde(default, deserialize_with = "comma_list")]
    pub allowed_redirect_uris: Vec<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OAuthProviderKind {
    Github,
    Google,
    Discord,
    Oidc,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct OAuthProviderConfig {
    pub kind: OAuthProviderKind,
    pub client_id: String,
    #[serde(default, serialize_with = "masked")]
    pub client_secret: Option<SecretString>,
    /// The OpenID Connect issuer (`oidc`; Google's is preset); discovery starts from it.
    #[serde(default)]
    pub issuer: Option<Url>,
    /// Endpoint overrides of the presets (GitHub Enterprise, a test stand-in).
    #[serde(default)]
    pub auth_url: Option<Url>,
    #[serde(default)]
    pub token_url: Option<Url>,
    #[serde(default)]
    pub api_url: Option<Url>,
    /// The name shown to users; defaults to the preset's or to the provider's id.
    #[serde(default)]
    pub name: Option<String>,
}

/// Where avatars and banners are kept, and how they are processed.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct MediaConfig {
    pub backend: MediaBackend,
    pub s3: S3Config,
    /// Pictures are linked as `{public_base_url}/{key}` (a CDN in front of the bucket or
    /// of `/v1/media`); unset, as `{public_url}/v1/media/{key}`.
    pub public_base_url: Option<Url>,
    /// How many pictures may wait for a free image thread before uploads are shed with 503.
    pub queue: usize,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MediaBackend {
    /// Files under `{data dir}/media`.
    Local,
    /// S3-compatible object storage, shared by every node.
    S3,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct S3Config {
    pub bucket: Option<String>,
    /// The service's URL (MinIO, a cloud other than AWS); unset, AWS itself.
    pub endpoint: Option<Url>,
    pub region: String,
    pub access_key_id: Option<String>,
    #[serde(serialize_with = "masked")]
    pub secret_access_key: Option<SecretString>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./accountd-data"),
            database_url: None,
            #[allow(clippy::unwrap_used)] // a constant, valid URL
            public_url: Url::parse("http://localhost:8080").unwrap(),
            allowed_origins: Vec::new(),
            smtp_url: None,
            mail_from: "accountd <no-reply@localhost>".into(),
            product_name: "accountd".into(),
            secret_key: None,
            introspection_secret: None,
            trusted_proxies: Vec::new(),
            rate_limit: RateLimitConfig {
                enabled: true,
                per_ip_burst: 20,
                per_ip_per_minute: 10,
                login_failures: 10,
                login_window_minutes: 15,
                account_login_failures: 100,
                second_factor_failures: 10,
                ipv6_prefix: 64,
            },
            auth: AuthConfig { require_verified_email: false, session_ttl_days: 14, email_login: true },
            password: PasswordConfig { policy: PolicyKind::Complexity },
            two_factor: TwoFactorConfig { email_confirmation: false },
            webhooks: WebhooksConfig { allow_private_targets: false },
            limits: LimitsConfig {
                json_body_bytes: 64 * 1024,
                storage_bytes: 1 << 30,
                password_queue: 256,
                personal_access_tokens: 25,
                additional_addresses: 5,
                sessions: 100,
                header_timeout_seconds: 10,
                body_timeout_seconds: 30,
                idle_timeout_seconds: 60,
                max_connections: None,
            },
            oauth: OAuthConfig::default(),
            media: MediaConfig {
                backend: MediaBackend::Local,
                s3: S3Config { region: "us-east-1".into(), ..S3Config::default() },
                public_base_url: None,
                queue: 32,
            },
            passkeys: PasskeysConfig { rp_id: None, rp_name: "accountd".into() },
            log: "info".into(),
            log_format: LogFormat::Pretty,
            activity: ActivityConfig {
                retention_days: 365,
                stream_keep_alive_seconds: 15,
                max_streams_per_account: 10,
                max_streams_per_node: 20_000,
                stream_buffer_events: 64,
            },
            referrals: ReferralsConfig { reward_credits: 100 },
            http: HttpConfig::default(),
            uploads: UploadsConfig {
                domains: Vec::new(),
                unverified_domains: Vec::new(),
                default_domain: None,
                upload_url: "https://{domain}/api/upload".into(),
            },
            perks: PerksConfig {
                timeout_ms: 3000,
                #[allow(clippy::unwrap_used)] // constant, valid URLs
                discord_api_url: Url::parse("https://discord.com/api/v10").unwrap(),
                #[allow(clippy::unwrap_used)]
                github_api_url: Url::parse("https://api.github.com").unwrap(),
                discord_bot_token: None,
                github_token: None,
                rules: BTreeMap::new(),
            },
            console: ConsoleConfig {
                enabled: true,
                path_prefix: String::new(),
                product_name: None,
                logo_url: None,
                accent_color: "#2557c9".into(),
            },
        }
    }
}

/// Why the configuration could not be loaded; one line that names the key.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {key}: {problem}")]
pub struct ConfigError {
    pub key: String,
    pub problem: String,
}

impl ConfigError {
    fn new(key: &str, problem: impl Into<String>) -> Self {
        Self { key: key.into(), problem: problem.into() }
    }
}

impl Config {
    /// Loads the configuration from the process environment (and the TOML file it names).
    pub fn load() -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Ok(path) = std::env::var("ACCOUNTD_CONFIG") {
            if !Path::new(&path).is_file() {
                return Err(ConfigError::new("ACCOUNTD_CONFIG", format!("no such file: {path}")));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        figment = figment.merge(Env::prefixed("ACCOUNTD_").split("__"));
        Self::extract(figment)
    }

    /// The configuration a TOML text gives over the defaults, validated; the environment
    /// is not read. The fuzz target `config` drives it.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        Self::extract(Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(text)))
    }

    fn extract(figment: Figment) -> Result<Self, ConfigError> {
        let config: Config = figment.extract().map_err(|error| {
            let key = if error.path.is_empty() { "(root)".to_string() } else { error.path.join(".") };
            let env = format!("ACCOUNTD_{}", error.path.join("__").to_uppercase());
            ConfigError::new(&format!("{key} ({env})"), error.kind.to_string().replace('\n', " "))
        })?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if !matches!(self.public_url.scheme(), "http" | "https") || self.public_url.host().is_none() {
            return Err(ConfigError::new("public_url", "must be an http or https URL"));
        }
        for origin in &self.allowed_origins {
            let parsed =
                Url::parse(origin).map_err(|e| ConfigError::new("allowed_origins", format!("{origin}: {e}")))?;
            if parsed.origin().ascii_serialization() != origin.trim_end_matches('/') {
                return Err(ConfigError::new(
                    "allowed_origins",
                    format!("{origin} is not an origin (scheme://host[:port])"),
                ));
            }
        }
        if !(1..=365).contains(&self.auth.session_ttl_days) {
            return Err(ConfigError::new("auth.session_ttl_days", "must be between 1 and 365"));
        }
        if self.limits.json_body_bytes < 1024 {
            return Err(ConfigError::new("limits.json_body_bytes", "must be at least 1024"));
        }
        let rate = &self.rate_limit;
        for (key, value) in [
            ("rate_limit.per_ip_burst", rate.per_ip_burst),
            ("rate_limit.per_ip_per_minute", rate.per_ip_per_minute),
            ("rate_limit.login_failures", rate.login_failures),
            ("rate_limit.account_login_failures", rate.account_login_failures),
            ("rate_limit.second_factor_failures", rate.second_factor_failures),
            ("limits.sessions", self.limits.sessions),
            ("activity.retention_days", self.activity.retention_days),
            ("activity.stream_keep_alive_seconds", self.activity.stream_keep_alive_seconds),
            ("activity.max_streams_per_account", self.activity.max_streams_per_account),
            ("activity.max_streams_per_node", self.activity.max_streams_per_node),
            ("activity.stream_buffer_events", self.activity.stream_buffer_events),
            ("limits.header_timeout_seconds", self.limits.header_timeout_seconds),
            ("limits.body_timeout_seconds", self.limits.body_timeout_seconds),
            ("limits.idle_timeout_seconds", self.limits.idle_timeout_seconds),
        ] {
            if value == 0 {
                return Err(ConfigError::new(key, "must be at least 1"));
            }
        }
        if !(1..=128).contains(&rate.ipv6_prefix) {
            return Err(ConfigError::new("rate_limit.ipv6_prefix", "must be between 1 and 128"));
        }
        if self.limits.max_connections == Some(0) {
            return Err(ConfigError::new("limits.max_connections", "must be at least 1"));
        }
        if !(1..=1440).contains(&rate.login_window_minutes) {
            return Err(ConfigError::new("rate_limit.login_window_minutes", "must be between 1 and 1440"));
        }
        if let Some(url) = &self.database_url {
            if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return Err(ConfigError::new("database_url", "must start with sqlite:, postgres:// or postgresql://"));
            }
        }
        if let Some(url) = &self.smtp_url {
            let parsed = Url::parse(url).map_err(|e| ConfigError::new("smtp_url", e.to_string()))?;
            if !matches!(parsed.scheme(), "smtp" | "smtps") || parsed.host_str().is_none() {
                return Err(ConfigError::new(
                    "smtp_url",
                    "must be smtp://host:port, smtp://host:port?tls=starttls or smtps://user:pass@host:465",
                ));
            }
        }
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::new("mail_from", "must be an address such as `accountd <no-reply@example.com>`"));
        }
        if self.product_name.trim().is_empty() || self.product_name.chars().any(char::is_control) {
            return Err(ConfigError::new("product_name", "must be a non-empty single line"));
        }
        self.validate_oauth()?;
        self.validate_media()?;
        self.validate_console()?;
        if self.passkeys.rp_name.trim().is_empty() || self.passkeys.rp_name.chars().any(char::is_control) {
            return Err(ConfigError::new("passkeys.rp_name", "must be a non-empty single line"));
        }
        if let Some(key) = &self.secret_key {
            crate::secret_key::decode(key.expose_secret())
                .map_err(|problem| ConfigError::new("secret_key", problem))?;
        }
        Ok(())
    }

    fn validate_console(&self) -> Result<(), ConfigError> {
        let console = &self.console;
        let prefix = &console.path_prefix;
        if !prefix.is_empty() {
            let segments: Vec<&str> = prefix.strip_prefix('/').unwrap_or("").split('/').collect();
            let valid = prefix.starts_with('/')
                && segments.iter().all(|segment| {
                    !segment.is_empty()
                        && segment
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
                });
            if !valid {
                return Err(ConfigError::new(
                    "console.path_prefix",
                    "must be empty or a path such as /account (segments of a-z 0-9 - _, no trailing slash)",
                ));
            }
            // The API, its documentation and the mail-link pages keep their own paths.
            const TAKEN: &[&str] = &["v1", "assets", "docs", "oauth", "openapi.json", "health", "ready", "metrics"];
            if TAKEN.contains(&segments[0]) {
                return Err(ConfigError::new("console.path_prefix", format!("/{} is a path of the API", segments[0])));
            }
        }
        if let Some(name) = &console.product_name {
            if name.trim().is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
                return Err(ConfigError::new("console.product_name", "must be a single line of 1-64 characters"));
            }
        }
        if let Some(logo) = &console.logo_url {
            let same_server = logo.starts_with('/') && !logo.starts_with("//");
            let https = Url::parse(logo).is_ok_and(|url| url.scheme() == "https" && url.host().is_some());
            if !(same_server || https) || logo.chars().any(|c| c.is_control() || c.is_whitespace() || c == '"') {
                return Err(ConfigError::new("console.logo_url", "must be an https URL or a path starting with /"));
            }
        }
        let colour = console.accent_color.strip_prefix('#').unwrap_or("");
        if !matches!(colour.len(), 3 | 6) || !colour.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ConfigError::new("console.accent_color", "must be a colour such as #2557c9 or #25c"));
        }
        Ok(())
    }

    fn validate_oauth(&self) -> Result<(), ConfigError> {
        for (name, provider) in &self.oauth.providers {
            let key = |field: &str| format!("oauth.providers.{name}.{field}");
            let valid_name = !name.is_empty()
                && name.len() <= 32
                && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
            if !valid_name {
                return Err(ConfigError::new(
                    &format!("oauth.providers.{name}"),
                    "the name must be 1-32 characters of a-z 0-9 _ -",
                ));
            }
            if provider.client_id.trim().is_empty() {
                return Err(ConfigError::new(&key("client_id"), "must not be empty"));
            }
            if provider.kind == OAuthProviderKind::Oidc && provider.issuer.is_none() {
                return Err(ConfigError::new(&key("issuer"), "is required for kind oidc (discovery starts from it)"));
            }
            // GitHub and Discord accept no public clients; OpenID providers may (PKCE alone).
            let needs_secret = matches!(provider.kind, OAuthProviderKind::Github | OAuthProviderKind::Discord);
            if needs_secret && provider.client_secret.is_none() {
                return Err(ConfigError::new(&key("client_secret"), "is required for this kind"));
            }
        }
        for uri in &self.oauth.allowed_redirect_uris {
            Url::parse(uri).map_err(|e| ConfigError::new("oauth.allowed_redirect_uris", format!("{uri}: {e}")))?;
        }
        self.validate_rewards()
    }

    /// Referrals, uploads, perks and the outbound CA bundle.
    fn validate_rewards(&self) -> Result<(), ConfigError> {
        if !(0..=1_000_000_000).contains(&self.referrals.reward_credits) {
            return Err(ConfigError::new("referrals.reward_credits", "must be between 0 and 1000000000"));
        }
        if let Some(path) = &self.http.extra_ca_file {
            crate::outbound::load_extra_roots(path)
                .map_err(|problem| ConfigError::new("http.extra_ca_file", problem))?;
        }
        let uploads = &self.uploads;
        for domain in uploads.domains.iter().chain(&uploads.unverified_domains) {
            if !crate::usecases::uploads::is_domain_name(domain) {
                return Err(ConfigError::new("uploads.domains", format!("{domain} is not a domain name")));
            }
        }
        if let Some(default) = &uploads.default_domain {
            if !uploads.domains.contains(default) {
                return Err(ConfigError::new("uploads.default_domain", "must be one of uploads.domains"));
            }
        }
        let example = uploads.upload_url.replace("{domain}", "example.com");
        match Url::parse(&example) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            _ => return Err(ConfigError::new("uploads.upload_url", "must be an http or https URL")),
        }
        if self.perks.timeout_ms == 0 || self.perks.timeout_ms > 30_000 {
            return Err(ConfigError::new("perks.timeout_ms", "must be between 1 and 30000"));
        }
        for (id, rule) in &self.perks.rules {
            let key = format!("perks.rules.{id}");
            if id.is_empty()
                || id.len() > 32
                || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(ConfigError::new(&key, "the id must be 1-32 characters of a-z 0-9 _ -"));
            }
            if rule.target < 1 {
                return Err(ConfigError::new(&format!("{key}.target"), "must be at least 1"));
            }
            if rule.kind == PerkKind::DiscordBooster && rule.guild_id.as_deref().is_none_or(str::is_empty) {
                return Err(ConfigError::new(&format!("{key}.guild_id"), "is required for kind discord_booster"));
            }
        }
        Ok(())
    }

    fn validate_media(&self) -> Result<(), ConfigError> {
        let media = &self.media;
        if media.backend == MediaBackend::S3 {
            if media.s3.bucket.as_deref().is_none_or(|bucket| bucket.trim().is_empty()) {
                return Err(ConfigError::new("media.s3.bucket", "is required when media.backend is s3"));
            }
            if media.s3.access_key_id.is_some() != media.s3.secret_access_key.is_some() {
                return Err(ConfigError::new(
                    "media.s3.secret_access_key",
                    "media.s3.access_key_id and media.s3.secret_access_key go together",
                ));
            }
            if let Some(endpoint) = &media.s3.endpoint {
                if !matches!(endpoint.scheme(), "http" | "https") || endpoint.host().is_none() {
                    return Err(ConfigError::new("media.s3.endpoint", "must be an http or https URL"));
                }
            }
        }
        if let Some(base) = &media.public_base_url {
            if !matches!(base.scheme(), "http" | "https") || base.host().is_none() {
                return Err(ConfigError::new("media.public_base_url", "must be an http or https URL"));
            }
        }
        Ok(())
    }

    /// The public URL of a stored picture.
    pub fn media_url(&self, key: &str) -> String {
        match &self.media.public_base_url {
            Some(base) => format!("{}/{key}", base.as_str().trim_end_matches('/')),
            None => format!("{}/v1/media/{key}", self.public_url.as_str().trim_end_matches('/')),
        }
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("accountd.db").display()))
    }

    /// Origins allowed to make cookie-authenticated unsafe requests.
    pub fn allowed_origins(&self) -> Vec<String> {
        if self.allowed_origins.is_empty() {
            vec![self.public_url.origin().ascii_serialization()]
        } else {
            self.allowed_origins.iter().map(|origin| origin.trim_end_matches('/').to_string()).collect()
        }
    }

    /// The WebAuthn relying-party id passkeys use, or why passkeys are off. The id must
    /// be a domain (not an IP address) that is the public URL's host or a suffix of it,
    /// or no browser would ever use a passkey made for it.
    pub fn passkey_rp_id(&self) -> Result<String, String> {
        let host = match self.public_url.host() {
            Some(url::Host::Domain(domain)) => domain.to_ascii_lowercase(),
            Some(host) if self.passkeys.rp_id.is_none() => {
                return Err(format!(
                    "the public URL's host {host} is an IP address, which cannot be a WebAuthn relying-party id; \
                     set ACCOUNTD_PASSKEYS__RP_ID (and a public URL with that domain) to turn passkeys on"
                ));
            }
            Some(host) => host.to_string(),
            None => return Err("the public URL has no host".into()),
        };
        let Some(rp_id) = &self.passkeys.rp_id else {
            return Ok(host);
        };
        let rp_id = rp_id.trim().trim_end_matches('.').to_ascii_lowercase();
        let is_domain = matches!(url::Host::parse(&rp_id), Ok(url::Host::Domain(_)));
        if !is_domain || !(host == rp_id || host.ends_with(&format!(".{rp_id}"))) {
            return Err(format!(
                "ACCOUNTD_PASSKEYS__RP_ID {rp_id} is not a domain that the public URL's host {host} is or ends with"
            ));
        }
        Ok(rp_id)
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// The effective configuration with every secret masked, as pretty JSON.
    pub fn to_masked_json(&self) -> String {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(object) = value.as_object_mut() {
            object.insert(
                "database_url".into(),
                serde_json::Value::String(accountd_store::redact_url(&self.database_url())),
            );
        }
        serde_json::to_string_pretty(&value).unwrap_or_default()
    }
}

/// Accepts `"a, b"` (the environment's form) as well as a list (TOML's form).
fn comma_list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        List(Vec<String>),
    }
    let items = match Raw::deserialize(deserializer)? {
        Raw::Text(text) => text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        Raw::List(list) => list,
    };
    items.iter().map(|item| item.parse::<T>().map_err(|e| serde::de::Error::custom(format!("{item}: {e}")))).collect()
}

fn masked<S: Serializer>(secret: &Option<SecretString>, serializer: S) -> Result<S::Ok, S::Error> {
    match secret {
        Some(_) => serializer.serialize_str("***"),
        None => serializer.serialize_none(),
    }
}

fn redacted_url<S: Serializer>(url: &Option<String>, serializer: S) -> Result<S::Ok, S::Error> {
    match url {
        Some(url) => serializer.serialize_str(&accountd_store::redact_url(url)),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod passkey_rp_id_tests {
    use super::*;

    fn with(public_url: &str, rp_id: Option<&str>) -> Result<String, String> {
        let config = Config {
            public_url: Url::parse(public_url).expect("a test URL"),
            passkeys: PasskeysConfig { rp_id: rp_id.map(str::to_owned), rp_name: "accountd".into() },
            ..Config::default()
        };
        config.passkey_rp_id()
    }

    #[test]
    fn the_default_relying_party_id_is_the_public_url_host_unless_that_is_an_ip_address() {
        assert_eq!(with("https://Accounts.Example.com", None), Ok("accounts.example.com".into()));
        assert_eq!(with("http://localhost:8080", None), Ok("localhost".into()));
        let off = with("http://127.0.0.1:8080", None).expect_err("an IP address is no RP id");
        assert!(off.contains("ACCOUNTD_PASSKEYS__RP_ID"), "{off}");
        assert!(with("http://[::1]:8080", None).is_err());
    }

    #[test]
    fn a_configured_relying_party_id_must_be_the_host_or_a_suffix_of_it() {
        assert_eq!(with("https://accounts.example.com", Some("example.com")), Ok("example.com".into()));
        assert!(with("https://accounts.example.com", Some("other.com")).is_err());
        assert!(with("https://accounts.example.com", Some("ample.com")).is_err(), "a suffix at a label boundary");
        assert!(with("http://127.0.0.1:8080", Some("127.0.0.1")).is_err());
    }
}

#[cfg(test)]
mod rewards_tests {
    use super::*;

    fn refused_key(change: impl FnOnce(&mut Config)) -> String {
        let mut config = Config::default();
        change(&mut config);
        config.validate().expect_err("refused").key
    }

    #[test]
    fn referral_upload_perk_and_ca_settings_are_checked_at_start() {
        assert!(Config::default().validate().is_ok());
        assert_eq!(refused_key(|c| c.referrals.reward_credits = -1), "referrals.reward_credits");
        assert_eq!(refused_key(|c| c.uploads.domains = vec!["$(id).example.com".into()]), "uploads.domains");
        assert_eq!(
            refused_key(|c| {
                c.uploads.domains = vec!["files.example.com".into()];
                c.uploads.default_domain = Some("other.example.com".into());
            }),
            "uploads.default_domain"
        );
        assert_eq!(refused_key(|c| c.uploads.upload_url = "ftp://{domain}/".into()), "uploads.upload_url");
        assert_eq!(refused_key(|c| c.http.extra_ca_file = Some("/nonexistent/ca.pem".into())), "http.extra_ca_file");
        assert_eq!(refused_key(|c| c.perks.timeout_ms = 0), "perks.timeout_ms");
        let booster_without_guild = PerkRuleConfig {
            kind: PerkKind::DiscordBooster,
            target: 1,
            name: "Booster".into(),
            description: String::new(),
            role: None,
            guild_id: None,
            provider: None,
        };
        assert_eq!(
            refused_key(|c| {
                c.perks.rules.insert("booster".into(), booster_without_guild);
            }),
            "perks.rules.booster.guild_id"
        );
    }
}
