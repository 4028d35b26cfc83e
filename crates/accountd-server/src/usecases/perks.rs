//! Perks: rules from configuration, each with progress toward a target. Local rules
//! (referrals, account age) are computed on every read; provider rules (a Discord
//! guild booster, GitHub contributions) are checked against the provider's API on
//! `refresh`, through the linked identity, and their last answer is kept.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use accountd_core::user::User;
use accountd_core::Clock;
use accountd_store::{PerkCheck, Store};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::{json, Value};
use url::Url;

use super::AppResult;
use crate::config::{PerkKind, PerksConfig};
use crate::outbound::Outbound;

/// One perk as configured.
#[derive(Debug, Clone)]
pub struct PerkRule {
    pub id: String,
    pub kind: PerkKind,
    pub target: i64,
    pub name: String,
    pub description: String,
    pub role: Option<String>,
    pub guild_id: Option<String>,
    /// The linked provider the check reads.
    pub provider: String,
}

/// Where an account stands on one perk.
#[derive(Debug, Clone)]
pub struct PerkStatus {
    pub id: String,
    pub name: String,
    pub description: String,
    pub current: i64,
    pub target: i64,
    pub eligible: bool,
    /// When a provider last answered for this perk; `None` for local rules and for
    /// provider perks never checked.
    pub checked_at: Option<DateTime<Utc>>,
    /// The provider did not answer this time (or is not linked): the progress is the
    /// last known one.
    pub stale: bool,
}

pub struct PerksView {
    pub items: Vec<PerkStatus>,
    /// The roles of the perks the account is eligible for.
    pub perk_roles: Vec<String>,
}

/// A bound on one provider request; the refresh's own timeout is shorter and ends
/// waiting first, this only makes sure no request outlives it for long.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(30);

/// What the provider checks need besides the store.
struct Providers {
    outbound: Outbound,
    discord_api: Url,
    github_api: Url,
    discord_bot_token: Option<SecretString>,
    github_token: Option<SecretString>,
}

pub struct Perks {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    rules: Vec<PerkRule>,
    timeout: Duration,
    providers: Arc<Providers>,
}

impl Perks {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: &PerksConfig, outbound: Outbound) -> Self {
        let rules = config
            .rules
            .iter()
            .map(|(id, rule)| PerkRule {
                id: id.clone(),
                kind: rule.kind,
                target: rule.target,
                name: rule.name.clone(),
                description: rule.description.clone(),
                role: rule.role.clone(),
                guild_id: rule.guild_id.clone(),
                provider: rule.provider.clone().unwrap_or_else(|| {
                    match rule.kind {
                        PerkKind::GithubContributions => "github",
                        _ => "discord",
                    }
                    .to_owned()
                }),
            })
            .collect();
        let providers = Providers {
            outbound,
            discord_api: config.discord_api_url.clone(),
            github_api: config.github_api_url.clone(),
            discord_bot_token: config.discord_bot_token.clone(),
            github_token: config.github_token.clone(),
        };
        Self { store, clock, rules, timeout: Duration::from_millis(config.timeout_ms), providers: Arc::new(providers) }
    }

    /// The perks with the last known provider answers.
    pub async fn list(&self, user: &User) -> AppResult<PerksView> {
        self.view(user, &BTreeMap::new()).await
    }

    /// Checks every provider perk now, all at once, and waits at most the configured
    /// timeout: a provider that has not answered by then keeps its last known state,
    /// marked stale.
    pub async fn refresh(&self, user: &User) -> AppResult<PerksView> {
        let linked = self.store.reader().await?.linked_accounts_of(user.id).await?;
        let mut checks = tokio::task::JoinSet::new();
        let mut outcomes = BTreeMap::new();
        for rule in self.rules.iter().filter(|rule| is_provider_rule(rule.kind)) {
            let Some(identity) = linked.iter().find(|account| account.provider == rule.provider) else {
                outcomes.insert(rule.id.clone(), None);
                continue;
            };
            let (rule, providers) = (rule.clone(), self.providers.clone());
            let (subject, login) = (identity.subject.clone(), identity.username.clone());
            checks.spawn(async move {
                let current = providers.check(&rule, &subject, login.as_deref()).await;
                (rule.id, current)
            });
        }
        let deadline = tokio::time::Instant::now() + self.timeout;
        while let Ok(Some(joined)) = tokio::time::timeout_at(deadline, checks.join_next()).await {
            if let Ok((id, current)) = joined {
                outcomes.insert(id, current);
            }
        }
        // Whatever is still running past the deadline is dropped with the set.
        checks.abort_all();

        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        for (perk_id, current) in &outcomes {
            if let Some(current) = current {
                tx.save_perk_check(
                    user.id,
                    &PerkCheck { perk_id: perk_id.clone(), current: *current, checked_at: now },
                )
                .await?;
            }
        }
        tx.commit().await?;
        let answered = self
            .rules
            .iter()
            .filter(|rule| is_provider_rule(rule.kind))
            .map(|rule| (rule.id.clone(), outcomes.get(&rule.id).is_some_and(Option::is_some)))
            .collect();
        self.view(user, &answered).await
    }

    /// `answered`: for a refresh, whether each provider perk's provider answered.
    async fn view(&self, user: &User, answered: &BTreeMap<String, bool>) -> AppResult<PerksView> {
        let mut reader = self.store.reader().await?;
        let checks = reader.perk_checks_of(user.id).await?;
        let needs_referrals = self.rules.iter().any(|rule| rule.kind == PerkKind::Referrals);
        let referrals = if needs_referrals { reader.referral_stats(user.id).await?.0 } else { 0 };
        let now = self.clock.now();
        let mut items = Vec::with_capacity(self.rules.len());
        let mut perk_roles = Vec::new();
        for rule in &self.rules {
            let (current, checked_at, stale) = match rule.kind {
                PerkKind::Referrals => (referrals, None, false),
                PerkKind::AccountAgeDays => ((now - user.created_at).num_days().max(0), None, false),
                PerkKind::DiscordBooster | PerkKind::GithubContributions => {
                    let last = checks.iter().find(|check| check.perk_id == rule.id);
                    let stale = answered.get(&rule.id).is_some_and(|answered| !answered);
                    (last.map_or(0, |check| check.current), last.map(|check| check.checked_at), stale)
                }
            };
            let eligible = current >= rule.target;
            if let (true, Some(role)) = (eligible, &rule.role) {
                if !perk_roles.contains(role) {
                    perk_roles.push(role.clone());
                }
            }
            items.push(PerkStatus {
                id: rule.id.clone(),
                name: rule.name.clone(),
                description: rule.description.clone(),
                current,
                target: rule.target,
                eligible,
                checked_at,
                stale,
            });
        }
        Ok(PerksView { items, perk_roles })
    }
}

fn is_provider_rule(kind: PerkKind) -> bool {
    matches!(kind, PerkKind::DiscordBooster | PerkKind::GithubContributions)
}

impl Providers {
    /// The progress the provider reports, or `None` when it did not give one.
    async fn check(&self, rule: &PerkRule, subject: &str, login: Option<&str>) -> Option<i64> {
        let answer = match rule.kind {
            PerkKind::DiscordBooster => self.discord_booster(rule, subject).await,
            PerkKind::GithubContributions => self.github_contributions(login?).await,
            PerkKind::Referrals | PerkKind::AccountAgeDays => return None,
        };
        match answer {
            Ok(current) => Some(current),
            Err(problem) => {
                tracing::info!(perk = %rule.id, %problem, "a perk check got no answer");
                None
            }
        }
    }

    /// 1 when the member boosts the guild (`premium_since` is set), 0 when it doesn't or
    /// is not a member.
    async fn discord_booster(&self, rule: &PerkRule, subject: &str) -> Result<i64, String> {
        let guild = rule.guild_id.as_deref().unwrap_or_default();
        let mut url = self.discord_api.clone();
        url.path_segments_mut()
            .map_err(|()| "the Discord API URL cannot have a path".to_string())?
            .pop_if_empty()
            .extend(["guilds", guild, "members", subject]);
        let build = |client: &reqwest::Client| {
            let request = client.get(url.clone());
            match &self.discord_bot_token {
                Some(token) => request.header("Authorization", format!("Bot {}", token.expose_secret())),
                None => request,
            }
        };
        let response = self.outbound.send(&url, build, PROVIDER_TIMEOUT).await.map_err(|error| error.to_string())?;
        match response.status() {
            status if status.is_success() => {
                let member: Value = response.json().await.map_err(|error| error.to_string())?;
                Ok(i64::from(member.get("premium_since").is_some_and(|since| !since.is_null())))
            }
            reqwest::StatusCode::NOT_FOUND => Ok(0),
            status => Err(format!("Discord answered {status}")),
        }
    }

    /// Contributions in the last year, from GitHub's GraphQL API.
    async fn github_contributions(&self, login: &str) -> Result<i64, String> {
        let mut url = self.github_api.clone();
        url.path_segments_mut()
            .map_err(|()| "the GitHub API URL cannot have a path".to_string())?
            .pop_if_empty()
            .push("graphql");
        let query = "query($login: String!) { user(login: $login) { contributionsCollection { \
                     contributionCalendar { totalContributions } } } }";
        let build = |client: &reqwest::Client| {
            let request = client.post(url.clone()).json(&json!({ "query": query, "variables": { "login": login } }));
            match &self.github_token {
                Some(token) => request.bearer_auth(token.expose_secret()),
                None => request,
            }
        };
        let response = self.outbound.send(&url, build, PROVIDER_TIMEOUT).await.map_err(|error| error.to_string())?;
        if !response.status().is_success() {
            return Err(format!("GitHub answered {}", response.status()));
        }
        let body: Value = response.json().await.map_err(|error| error.to_string())?;
        body.pointer("/data/user/contributionsCollection/contributionCalendar/totalContributions")
            .and_then(Value::as_i64)
            .ok_or_else(|| "GitHub's answer has no contribution count".to_string())
    }
}
