//! Social login providers behind one small trait, so the use cases don't know which
//! kind of provider they talk to: OpenID Connect (generic, and Google's preset) through
//! the `openidconnect` crate, which verifies the ID token's signature, issuer, audience,
//! nonce and expiry; GitHub and Discord through `oauth2` and their user APIs.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use url::Url;

use crate::config::{OAuthConfig, OAuthProviderConfig, OAuthProviderKind};

/// How long a discovery document (and the signing keys with it) is trusted before it is
/// fetched again, so a provider's key rotation is picked up.
const DISCOVERY_TTL: Duration = Duration::from_secs(3600);

/// What the provider needs to build the URL the user is sent to.
pub struct AuthorizeRequest<'a> {
    pub state: &'a str,
    pub nonce: &'a str,
    pub pkce_verifier: &'a str,
    pub redirect_uri: &'a str,
}

/// What came back to the redirect URI, with what was kept of the request.
pub struct Callback<'a> {
    pub code: &'a str,
    pub nonce: &'a str,
    pub pkce_verifier: &'a str,
    pub redirect_uri: &'a str,
}

/// The user as the provider describes them.
#[derive(Debug)]
pub struct ProviderIdentity {
    /// The provider's stable id of the user.
    pub subject: String,
    pub username: Option<String>,
    pub email: Option<String>,
    /// Only when the provider says it verified the address.
    pub email_verified: bool,
    pub avatar_url: Option<String>,
    pub access_token: SecretString,
}

/// A provider failed or refused; the reason is for the log, never for the client.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ProviderError(pub String);

impl ProviderError {
    fn new(context: &str, error: impl std::fmt::Display) -> Self {
        Self(format!("{context}: {error}"))
    }
}

#[async_trait]
pub trait OAuthProvider: Send + Sync {
    /// The name the provider is configured under; its id in the API.
    fn id(&self) -> &str;
    /// For humans: "GitHub".
    fn name(&self) -> &str;
    async fn authorize_url(&self, request: &AuthorizeRequest<'_>) -> Result<Url, ProviderError>;
    /// Redeems the code (with the PKCE verifier) and tells who the user is.
    async fn exchange(&self, callback: &Callback<'_>) -> Result<ProviderIdentity, ProviderError>;
}

pub type Providers = BTreeMap<String, Arc<dyn OAuthProvider>>;

/// The HTTP client for provider calls. It follows no redirects: a token or user
/// endpoint that redirects is a misconfiguration, not something to chase.
pub fn http_client() -> Result<reqwest::Client, ProviderError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(15))
        .user_agent(concat!("accountd/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| ProviderError::new("building the HTTP client", error))
}

/// The configured providers, by id.
pub fn from_config(config: &OAuthConfig, http: &reqwest::Client) -> Result<Providers, ProviderError> {
    let mut providers = Providers::new();
    for (id, provider) in &config.providers {
        let built: Arc<dyn OAuthProvider> = match provider.kind {
            OAuthProviderKind::Oidc | OAuthProviderKind::Google => Arc::new(OidcProvider::new(id, provider, http)?),
            OAuthProviderKind::Github | OAuthProviderKind::Discord => {
                Arc::new(PlainOAuthProvider::new(id, provider, http)?)
            }
        };
        providers.insert(id.clone(), built);
    }
    Ok(providers)
}

fn url(text: &str) -> Result<Url, ProviderError> {
    Url::parse(text).map_err(|error| ProviderError::new(text, error))
}

fn redirect_url(text: &str) -> Result<RedirectUrl, ProviderError> {
    RedirectUrl::new(text.to_owned()).map_err(|error| ProviderError::new("redirect URI", error))
}

fn pkce_challenge(verifier: &str) -> PkceCodeChallenge {
    PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier.to_owned()))
}

/// Any OpenID Connect provider, found by discovery from its issuer.
pub struct OidcProvider {
    id: String,
    name: String,
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: Option<SecretString>,
    http: reqwest::Client,
    discovered: tokio::sync::Mutex<Option<(CoreProviderMetadata, Instant)>>,
}

impl OidcProvider {
    fn new(id: &str, config: &OAuthProviderConfig, http: &reqwest::Client) -> Result<Self, ProviderError> {
        let (issuer, default_name) = match (&config.issuer, config.kind) {
            (Some(issuer), OAuthProviderKind::Google) => (issuer.clone(), "Google"),
            (None, OAuthProviderKind::Google) => (url("https://accounts.google.com")?, "Google"),
            (Some(issuer), _) => (issuer.clone(), id),
            (None, _) => return Err(ProviderError(format!("{id}: an issuer is required"))),
        };
        // The issuer is compared as a string with the discovery document's and the ID
        // token's `iss`; `Url` would add a trailing slash to a bare origin.
        let issuer_text = issuer.as_str().trim_end_matches('/').to_owned();
        Ok(Self {
            id: id.to_owned(),
            name: config.name.clone().unwrap_or_else(|| default_name.to_owned()),
            issuer: IssuerUrl::new(issuer_text).map_err(|error| ProviderError::new("issuer", error))?,
            client_id: ClientId::new(config.client_id.clone()),
            client_secret: config.client_secret.clone(),
            http: http.clone(),
            discovered: tokio::sync::Mutex::new(None),
        })
    }

    async fn metadata(&self) -> Result<CoreProviderMetadata, ProviderError> {
        let mut discovered = self.discovered.lock().await;
        if let Some((metadata, at)) = discovered.as_ref() {
            if at.elapsed() < DISCOVERY_TTL {
                return Ok(metadata.clone());
            }
        }
        let metadata = CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|error| ProviderError::new("OpenID discovery", error))?;
        *discovered = Some((metadata.clone(), Instant::now()));
        Ok(metadata)
    }

    fn secret(&self) -> Option<ClientSecret> {
        self.client_secret.as_ref().map(|secret| ClientSecret::new(secret.expose_secret().to_owned()))
    }
}

#[async_trait]
impl OAuthProvider for OidcProvider {
    fn id(&self) -> &str {
        &self.id
    }

    fn name(&self) -> &str {
        &self.name
    }

    async fn authorize_url(&self, request: &AuthorizeRequest<'_>) -> Result<Url, ProviderError> {
        let metadata = self.metadata().await?;
        let client = CoreClient::from_provider_metadata(metadata, self.client_id.clone(), self.secret())
            .set_redirect_uri(redirect_url(request.redirect_uri)?);
        let state = request.state.to_owned();
        let nonce = request.nonce.to_owned();
        let (url, _, _) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(pkce_challenge(request.pkce_verifier))
            .url();
        Ok(url)
    }

    async fn exchange(&self, callback: &Callback<'_>) -> Result<ProviderIdentity, ProviderError> {
        let metadata = self.metadata().await?;
        let client = CoreClient::from_provider_metadata(metadata, self.client_id.clone(), self.secret())
            .set_redirect_uri(redirect_url(callback.redirect_uri)?);
        let token = client
            .exchange_code(AuthorizationCode::new(callback.code.to_owned()))
            .map_err(|error| ProviderError::new("token endpoint", error))?
            .set_pkce_verifier(PkceCodeVerifier::new(callback.pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|error| ProviderError::new("token request", error))?;
        let id_token = token.id_token().ok_or_else(|| ProviderError("no ID token in the token response".into()))?;
        let claims = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(callback.nonce.to_owned()))
            .map_err(|error| ProviderError::new("ID token", error))?;
        let username = claims
            .preferred_username()
            .map(|name| name.as_str().to_owned())
            .or_else(|| claims.name().and_then(|name| name.get(None)).map(|name| name.as_str().to_owned()));
        Ok(ProviderIdentity {
            subject: claims.subject().as_str().to_owned(),
            username,
            email: claims.email().map(|email| email.as_str().to_owned()),
            email_verified: claims.email_verified().unwrap_or(false),
            avatar_url: claims.picture().and_then(|picture| picture.get(None)).map(|url| url.as_str().to_owned()),
            access_token: SecretString::from(token.access_token().secret().to_owned()),
        })
    }
}

#[derive(Debug, Clone, Copy)]
enum Flavor {
    Github,
    Discord,
}

/// GitHub and Discord: OAuth 2.0 for the token, then the provider's user API.
pub struct PlainOAuthProvider {
    id: String,
    name: String,
    flavor: Flavor,
    client_id: ClientId,
    client_secret: Option<SecretString>,
    auth_url: AuthUrl,
    token_url: TokenUrl,
    api_url: Url,
    http: reqwest::Client,
}

impl PlainOAuthProvider {
    fn new(id: &str, config: &OAuthProviderConfig, http: &reqwest::Client) -> Result<Self, ProviderError> {
        let (flavor, name, auth, token, api) = match config.kind {
            OAuthProviderKind::Github => (
                Flavor::Github,
                "GitHub",
                "https://github.com/login/oauth/authorize",
                "https://github.com/login/oauth/access_token",
                "https://api.github.com",
            ),
            _ => (
                Flavor::Discord,
                "Discord",
                "https://discord.com/oauth2/authorize",
                "https://discord.com/api/oauth2/token",
                "https://discord.com/api",
            ),
        };
        let pick = |configured: &Option<Url>, preset: &str| match configured {
            Some(url) => Ok(url.as_str().to_owned()),
            None => url(preset).map(|url| url.as_str().to_owned()),
        };
        Ok(Self {
            id: id.to_owned(),
            name: config.name.clone().unwrap_or_else(|| name.to_owned()),
            flavor,
            client_id: ClientId::new(config.client_id.clone()),
            client_secret: config.client_secret.clone(),
            auth_url: AuthUrl::new(pick(&config.auth_url, auth)?)
                .map_err(|error| ProviderError::new("auth_url", error))?,
            token_url: TokenUrl::new(pick(&config.token_url, token)?)
                .map_err(|error| ProviderError::new("token_url", error))?,
            api_url: url(&pick(&config.api_url, api)?)?,
            http: http.clone(),
        })
    }

    fn client(
        &self,
        redirect_uri: &str,
    ) -> Result<
        oauth2::basic::BasicClient<
            oauth2::EndpointSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointSet,
        >,
        ProviderError,
    > {
        let mut client = oauth2::basic::BasicClient::new(self.client_id.clone())
            .set_auth_uri(self.auth_url.clone())
            .set_token_uri(self.token_url.clone())
            .set_redirect_uri(redirect_url(redirect_uri)?)
            // Both accept the client's credentials in the form body.
            .set_auth_type(AuthType::RequestBody);
        if let Some(secret) = &self.client_secret {
            client = client.set_client_secret(ClientSecret::new(secret.expose_secret().to_owned()));
        }
        Ok(client)
    }

    fn scopes(&self) -> &'static [&'static str] {
        match self.flavor {
            Flavor::Github => &["read:user", "user:email"],
            Flavor::Discord => &["identify", "email"],
        }
    }

    async fn api_get<T: serde::de::DeserializeOwned>(&self, path: &str, token: &str) -> Result<T, ProviderError> {
        let url = format!("{}{path}", self.api_url.as_str().trim_end_matches('/'));
        let response = self
            .http
            .get(&url)
            .bearer_auth(token)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|error| ProviderError::new(path, error))?;
        if !response.status().is_success() {
            return Err(ProviderError(format!("{path}: status {}", response.status())));
        }
        response.json().await.map_err(|error| ProviderError::new(path, error))
    }

    async fn github_identity(&self, token: SecretString) -> Result<ProviderIdentity, ProviderError> {
        #[derive(Deserialize)]
        struct GithubUser {
            id: u64,
            login: String,
            avatar_url: Option<String>,
            email: Option<String>,
        }
        #[derive(Deserialize)]
        struct GithubEmail {
            email: String,
            primary: bool,
            verified: bool,
        }
        let user: GithubUser = self.api_get("/user", token.expose_secret()).await?;
        let emails: Vec<GithubEmail> = self.api_get("/user/emails", token.expose_secret()).await?;
        // The primary address if GitHub verified it, else any verified one; the public
        // profile email alone proves nothing.
        let verified = emails
            .iter()
            .filter(|email| email.verified)
            .max_by_key(|email| email.primary)
            .map(|email| email.email.clone());
        let (email, email_verified) = match verified {
            Some(email) => (Some(email), true),
            None => (user.email.or_else(|| emails.into_iter().find(|e| e.primary).map(|e| e.email)), false),
        };
        Ok(ProviderIdentity {
            subject: user.id.to_string(),
            username: Some(user.login),
            email,
            email_verified,
            avatar_url: user.avatar_url,
            access_token: token,
        })
    }

    async fn discord_identity(&self, token: SecretString) -> Result<ProviderIdentity, ProviderError> {
        #[derive(Deserialize)]
        struct DiscordUser {
            id: String,
            username: String,
            avatar: Option<String>,
            email: Option<String>,
            verified: Option<bool>,
        }
        let user: DiscordUser = self.api_get("/users/@me", token.expose_secret()).await?;
        let avatar_url =
            user.avatar.as_ref().map(|hash| format!("https://cdn.discordapp.com/avatars/{}/{hash}.png", user.id));
        Ok(ProviderIdentity {
            subject: user.id,
            username: Some(user.username),
            email: user.email,
            email_verified: user.verified.unwrap_or(false),
            avatar_url,
            access_token: token,
        })
    }
}

#[async_trait]
impl OAuthProvider for PlainOAuthProvider {
    fn id(&self) -> &str {
        &self.id
    }

    fn name(&self) -> &str {
        &self.name
    }

    async fn authorize_url(&self, request: &AuthorizeRequest<'_>) -> Result<Url, ProviderError> {
        let state = request.state.to_owned();
        let (url, _) = self
            .client(request.redirect_uri)?
            .authorize_url(move || CsrfToken::new(state))
            .add_scopes(self.scopes().iter().map(|scope| Scope::new((*scope).to_owned())))
            .set_pkce_challenge(pkce_challenge(request.pkce_verifier))
            .url();
        Ok(url)
    }

    async fn exchange(&self, callback: &Callback<'_>) -> Result<ProviderIdentity, ProviderError> {
        let token = self
            .client(callback.redirect_uri)?
            .exchange_code(AuthorizationCode::new(callback.code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(callback.pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|error| ProviderError::new("token request", error))?;
        let access_token = SecretString::from(token.access_token().secret().to_owned());
        match self.flavor {
            Flavor::Github => self.github_identity(access_token).await,
            Flavor::Discord => self.discord_identity(access_token).await,
        }
    }
}
