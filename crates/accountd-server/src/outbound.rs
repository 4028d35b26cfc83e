//! The one guard for every request the server makes to a URL a user supplied (webhooks):
//! such a URL must not turn the server into a proxy onto its own host, its network or
//! the cloud's metadata service (SSRF).
//!
//! A URL is checked twice: its form when it is stored ([`OutboundGuard::check`]), and the
//! addresses its host resolves to when it is used, through [`OutboundGuard::resolver`],
//! which hands the HTTP client only addresses it checked, so the connection goes to the
//! address that was checked and a second DNS answer cannot swap it (DNS rebinding).
//!
//! Every such request goes through [`Outbound`] (webhooks, perk checks, linked accounts'
//! pictures): its one client resolves through the
//! guard, checks each redirect's target before following it, and trusts the platform's
//! roots plus the operator's extra CA bundle (`http.extra_ca_file`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use url::{Host, Url};

/// How long a check waits for DNS before it takes the host as unresolvable.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);

/// Why a URL may not be fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not `https`, or no host.
    NotHttps,
    /// A user name or password in the URL.
    Userinfo,
    /// The host is, or resolves to, an address the server must not reach.
    ForbiddenTarget,
}

/// Redirects followed at most; each one is checked like the first URL.
const MAX_REDIRECTS: usize = 3;

/// A refusal met while a request was under way (a name that resolved to a forbidden
/// address, or a redirect to one); found again in the client's error chain.
#[derive(Debug)]
struct ForbiddenTarget;

impl std::fmt::Display for ForbiddenTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("forbidden outbound target")
    }
}

impl std::error::Error for ForbiddenTarget {}

/// Why an outbound request did not get an answer.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// The URL, an address it resolved to, or a redirect's target is forbidden.
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// No answer: connection, TLS, timeout.
    #[error("request failed: {0}")]
    Failed(#[source] reqwest::Error),
    #[error("no outbound HTTP client could be built")]
    Unavailable,
}

impl From<reqwest::Error> for OutboundError {
    fn from(error: reqwest::Error) -> Self {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
        while let Some(cause) = source {
            if cause.is::<ForbiddenTarget>() {
                return Self::Refused(Refusal::ForbiddenTarget);
            }
            source = cause.source();
        }
        Self::Failed(error)
    }
}

/// The CA certificates of a PEM bundle, for outbound HTTPS besides the platform's roots.
pub fn load_extra_roots(path: &Path) -> Result<Vec<reqwest::Certificate>, String> {
    let pem = std::fs::read(path).map_err(|error| format!("{}: {error}", path.display()))?;
    let roots = reqwest::Certificate::from_pem_bundle(&pem).map_err(|error| format!("{}: {error}", path.display()))?;
    if roots.is_empty() {
        return Err(format!("{}: no certificate in the file", path.display()));
    }
    Ok(roots)
}

/// The HTTP client for URLs users supply, behind the guard. Built once at start
/// ([`Outbound::from_config`]) and shared (cloning shares the client and its connections)
/// by everything that fetches such a URL: webhooks, perk checks, linked accounts' pictures.
#[derive(Clone)]
pub struct Outbound {
    guard: OutboundGuard,
    /// `None` when no client could be built (the TLS setup failed): every request fails.
    client: Option<reqwest::Client>,
}

impl Outbound {
    pub fn new(guard: OutboundGuard, extra_roots: &[reqwest::Certificate]) -> reqwest::Result<Self> {
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                return attempt.error("too many redirects");
            }
            // A name is checked by the resolver when the redirect connects; the form and
            // an address literal (which no resolver sees) are checked here.
            match guard.check_literal(attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(_) => attempt.error(ForbiddenTarget),
            }
        });
        let mut builder = reqwest::Client::builder()
            .dns_resolver(Arc::new(guard))
            .redirect(redirects)
            .user_agent(concat!("accountd/", env!("CARGO_PKG_VERSION")));
        for root in extra_roots {
            builder = builder.add_root_certificate(root.clone());
        }
        Ok(Self { guard, client: Some(builder.build()?) })
    }

    /// The one client the configuration describes: private targets allowed or not
    /// (`webhooks.allow_private_targets`), the platform's roots plus `http.extra_ca_file`.
    /// It does not fail: a bundle that cannot be used (`Config::validate` read it, so it
    /// changed since) is logged and left out, and without any client every request fails.
    pub fn from_config(allow_private_targets: bool, extra_ca_file: Option<&Path>) -> Self {
        let guard = OutboundGuard::new(allow_private_targets);
        let extra_roots = match extra_ca_file {
            Some(path) => load_extra_roots(path).unwrap_or_else(|problem| {
                tracing::error!(%problem, "the extra CA bundle is ignored");
                Vec::new()
            }),
            None => Vec::new(),
        };
        Self::new(guard, &extra_roots)
            .or_else(|error| {
                tracing::error!(%error, "the extra CA bundle is refused; outbound HTTPS trusts the platform's roots only");
                Self::new(guard, &[])
            })
            .unwrap_or_else(|error| {
                tracing::error!(%error, "no outbound HTTP client; webhooks, perk checks and linked pictures fail");
                Self::unavailable(guard)
            })
    }

    /// An outbound side that refuses every request, for when no client could be built.
    pub fn unavailable(guard: OutboundGuard) -> Self {
        Self { guard, client: None }
    }

    /// Sends the request `build` makes on the guarded client, once `url` (the request's
    /// URL) passed the guard, waiting at most `timeout` for the answer's head.
    pub async fn send(
        &self,
        url: &Url,
        build: impl FnOnce(&reqwest::Client) -> reqwest::RequestBuilder,
        timeout: Duration,
    ) -> Result<reqwest::Response, OutboundError> {
        self.guard.check(url).await.map_err(OutboundError::Refused)?;
        let client = self.client.as_ref().ok_or(OutboundError::Unavailable)?;
        Ok(build(client).timeout(timeout).send().await?)
    }
}

/// Where an address leads, as far as outbound requests care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    Public,
    /// The host itself or the operator's own network: reachable only when the operator
    /// allows private targets (`webhooks.allow_private_targets`).
    Private,
    /// Never: link-local (cloud metadata lives there), unspecified, multicast,
    /// broadcast, documentation, benchmarking and reserved ranges.
    Never,
}

#[derive(Debug, Clone, Copy)]
pub struct OutboundGuard {
    allow_private_targets: bool,
}

impl OutboundGuard {
    pub fn new(allow_private_targets: bool) -> Self {
        Self { allow_private_targets }
    }

    /// Checks the URL's form and its host: an IP literal is checked as it is, a name is
    /// resolved and every address it has is checked. A name that does not resolve now is
    /// let through (DNS may be down, or the name not published yet); the resolver checks
    /// it again at every use.
    pub async fn check(&self, url: &Url) -> Result<(), Refusal> {
        let host = self.checked_host(url)?;
        match host {
            Host::Ipv4(ip) => self.check_ip(IpAddr::V4(ip)),
            Host::Ipv6(ip) => self.check_ip(IpAddr::V6(ip)),
            Host::Domain(name) => match lookup(&name).await {
                Some(addresses) => addresses.iter().try_for_each(|address| self.check_ip(address.ip())),
                None => Ok(()),
            },
        }
    }

    /// Checks the URL's form, and its host when it is an IP literal, without any lookup:
    /// for each request and each redirect of a fetch, where the [`OutboundGuard::resolver`]
    /// checks names (an HTTP client connects to an IP literal without asking its resolver).
    pub fn check_literal(&self, url: &Url) -> Result<(), Refusal> {
        match self.checked_host(url)? {
            Host::Ipv4(ip) => self.check_ip(IpAddr::V4(ip)),
            Host::Ipv6(ip) => self.check_ip(IpAddr::V6(ip)),
            Host::Domain(_) => Ok(()),
        }
    }

    /// A resolver for `reqwest::ClientBuilder::dns_resolver`: it resolves a name once,
    /// refuses it when any of its addresses is forbidden, and gives the client exactly
    /// the addresses it checked to connect to. Names such as `localhost` are refused
    /// before any lookup.
    pub fn resolver(&self) -> Arc<dyn reqwest::dns::Resolve> {
        Arc::new(*self)
    }

    fn checked_host(&self, url: &Url) -> Result<Host<String>, Refusal> {
        if url.scheme() != "https" {
            return Err(Refusal::NotHttps);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refusal::Userinfo);
        }
        let host = url.host().ok_or(Refusal::NotHttps)?.to_owned();
        if let Host::Domain(name) = &host {
            if is_local_name(name) {
                return Err(Refusal::ForbiddenTarget);
            }
        }
        Ok(host)
    }

    fn check_ip(&self, ip: IpAddr) -> Result<(), Refusal> {
        match reach(ip) {
            Reach::Public => Ok(()),
            Reach::Private if self.allow_private_targets => Ok(()),
            Reach::Private | Reach::Never => Err(Refusal::ForbiddenTarget),
        }
    }
}

impl reqwest::dns::Resolve for OutboundGuard {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = *self;
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let refused = || -> Box<dyn std::error::Error + Send + Sync> { Box::new(ForbiddenTarget) };
            if is_local_name(&name) {
                return Err(refused());
            }
            let addresses = lookup(&name).await.ok_or_else(|| -> Box<dyn std::error::Error + Send + Sync> {
                format!("{name} does not resolve").into()
            })?;
            if addresses.iter().any(|address| guard.check_ip(address.ip()).is_err()) {
                return Err(refused());
            }
            let addresses: reqwest::dns::Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}

/// `localhost` and every name under it (RFC 6761), with or without the final dot.
fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// The host's addresses, or `None` when it does not resolve in time.
async fn lookup(name: &str) -> Option<Vec<SocketAddr>> {
    let resolved = tokio::time::timeout(LOOKUP_TIMEOUT, tokio::net::lookup_host((name, 443))).await;
    let addresses: Vec<SocketAddr> = resolved.ok()?.ok()?.collect();
    (!addresses.is_empty()).then_some(addresses)
}

fn reach(ip: IpAddr) -> Reach {
    match ip {
        IpAddr::V4(ip) => reach_v4(ip),
        IpAddr::V6(ip) => reach_v6(ip),
    }
}

fn reach_v4(ip: Ipv4Addr) -> Reach {
    let [a, b, c, _] = ip.octets();
    match (a, b, c) {
        // "This network" and the unspecified address.
        (0, _, _) => Reach::Never,
        (127, _, _) | (10, _, _) | (192, 168, _) => Reach::Private,
        (172, 16..=31, _) => Reach::Private,
        // Carrier-grade NAT (RFC 6598).
        (100, 64..=127, _) => Reach::Private,
        // Link-local, where 169.254.169.254 answers with cloud credentials.
        (169, 254, _) => Reach::Never,
        // IETF protocol assignments, documentation (TEST-NET-1/2/3), benchmarking.
        (192, 0, 0) | (192, 0, 2) | (198, 51, 100) | (203, 0, 113) | (198, 18..=19, _) => Reach::Never,
        // Multicast, reserved and the limited broadcast address.
        (224..=255, _, _) => Reach::Never,
        _ => Reach::Public,
    }
}

fn reach_v6(ip: Ipv6Addr) -> Reach {
    // Forms that carry an IPv4 address are as reachable as that address: IPv4-mapped,
    // IPv4-compatible (deprecated), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
    if let Some(v4) = ip.to_ipv4_mapped() {
        return reach_v4(v4);
    }
    let segments = ip.segments();
    let embedded = |high: u16, low: u16| Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
    match segments {
        [0, 0, 0, 0, 0, 0, 0, 0] | [0, 0, 0, 0, 0, 0, 0, 1] => {
            return if ip.is_loopback() { Reach::Private } else { Reach::Never }
        }
        [0, 0, 0, 0, 0, 0, high, low] | [0x64, 0xff9b, 0, 0, 0, 0, high, low] => return reach_v4(embedded(high, low)),
        [0x2002, high, low, ..] => return reach_v4(embedded(high, low)),
        _ => {}
    }
    // The AWS metadata service's IPv6 address sits inside the unique local range.
    if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        return Reach::Never;
    }
    match segments[0] {
        // Unique local addresses (fc00::/7).
        0xfc00..=0xfdff => Reach::Private,
        // Link-local (fe80::/10) and the deprecated site-local (fec0::/10).
        0xfe80..=0xffff if segments[0] < 0xff00 => Reach::Never,
        // Multicast.
        0xff00..=0xffff => Reach::Never,
        // Documentation (2001:db8::/32) and the discard-only prefix (100::/64).
        0x2001 if segments[1] == 0x0db8 => Reach::Never,
        0x0100 if segments[1..4] == [0, 0, 0] => Reach::Never,
        _ => Reach::Public,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach_of(ip: &str) -> Reach {
        reach(ip.parse().unwrap())
    }

    #[test]
    fn the_range_table() {
        for (ip, expected) in [
            ("93.184.216.34", Reach::Public),
            ("8.8.8.8", Reach::Public),
            ("2606:4700::1111", Reach::Public),
            ("127.0.0.1", Reach::Private),
            ("127.255.0.1", Reach::Private),
            ("10.1.2.3", Reach::Private),
            ("172.16.0.1", Reach::Private),
            ("172.31.255.255", Reach::Private),
            ("172.32.0.1", Reach::Public),
            ("192.168.1.1", Reach::Private),
            ("100.64.0.1", Reach::Private),
            ("100.128.0.1", Reach::Public),
            ("::1", Reach::Private),
            ("fd12:3456::1", Reach::Private),
            ("fc00::1", Reach::Private),
            ("0.0.0.0", Reach::Never),
            ("::", Reach::Never),
            ("169.254.169.254", Reach::Never),
            ("169.254.1.1", Reach::Never),
            ("fd00:ec2::254", Reach::Never),
            ("fe80::1", Reach::Never),
            ("fec0::1", Reach::Never),
            ("224.0.0.1", Reach::Never),
            ("ff02::1", Reach::Never),
            ("255.255.255.255", Reach::Never),
            ("240.0.0.1", Reach::Never),
            ("192.0.2.1", Reach::Never),
            ("198.51.100.1", Reach::Never),
            ("203.0.113.1", Reach::Never),
            ("198.18.0.1", Reach::Never),
            ("2001:db8::1", Reach::Never),
            ("100::1", Reach::Never),
            ("::ffff:127.0.0.1", Reach::Private),
            ("::ffff:169.254.169.254", Reach::Never),
            ("::ffff:10.0.0.1", Reach::Private),
            ("::ffff:93.184.216.34", Reach::Public),
            ("::127.0.0.1", Reach::Private),
            ("64:ff9b::a9fe:a9fe", Reach::Never),
            ("2002:7f00:1::", Reach::Private),
            ("2002:5db8:d822::", Reach::Public),
        ] {
            assert_eq!(reach_of(ip), expected, "{ip}");
        }
    }

    #[tokio::test]
    async fn urls_are_https_without_userinfo_and_not_at_a_forbidden_host() {
        let guard = OutboundGuard::new(false);
        let check = |url: &str| {
            let url = Url::parse(url).unwrap();
            async move { guard.check(&url).await }
        };
        assert_eq!(check("https://93.184.216.34/hook").await, Ok(()));
        assert_eq!(check("https://[2606:4700::1111]/hook").await, Ok(()));
        assert_eq!(check("http://93.184.216.34/hook").await, Err(Refusal::NotHttps));
        assert_eq!(check("javascript:alert(1)").await, Err(Refusal::NotHttps));
        assert_eq!(check("https://user:secret@93.184.216.34/hook").await, Err(Refusal::Userinfo));
        assert_eq!(check("https://user@93.184.216.34/hook").await, Err(Refusal::Userinfo));
        for forbidden in [
            "https://localhost/hook",
            "https://LOCALHOST./hook",
            "https://api.localhost/hook",
            "https://127.0.0.1/hook",
            "https://0x7f.1/hook",
            "https://2130706433/hook",
            "https://[::ffff:127.0.0.1]/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[fd00:ec2::254]/",
            "https://10.0.0.1/",
            "https://[::]/",
        ] {
            assert_eq!(check(forbidden).await, Err(Refusal::ForbiddenTarget), "{forbidden}");
        }
    }

    #[tokio::test]
    async fn allowing_private_targets_opens_private_ranges_only() {
        let guard = OutboundGuard::new(true);
        let check = |url: &str| {
            let url = Url::parse(url).unwrap();
            async move { guard.check(&url).await }
        };
        assert_eq!(check("https://10.0.0.1/").await, Ok(()));
        assert_eq!(check("https://127.0.0.1/").await, Ok(()));
        assert_eq!(check("https://[fd12::1]/").await, Ok(()));
        assert_eq!(check("https://localhost/").await, Err(Refusal::ForbiddenTarget));
        assert_eq!(check("https://169.254.169.254/").await, Err(Refusal::ForbiddenTarget));
        assert_eq!(check("https://[fd00:ec2::254]/").await, Err(Refusal::ForbiddenTarget));
    }

    #[test]
    fn redirect_targets_are_checked_like_the_first_url() {
        let guard = OutboundGuard::new(false);
        let check = |url: &str| guard.check_literal(&Url::parse(url).unwrap());
        for forbidden in [
            "https://127.0.0.1/",
            "https://[::1]/",
            "https://0x7f000001/",
            "https://2130706433/",
            "https://0177.0.0.1/",
            "https://[::ffff:127.0.0.1]/",
            "https://169.254.169.254/",
            "https://100.64.0.1/",
            "https://localhost/",
        ] {
            assert_eq!(check(forbidden), Err(Refusal::ForbiddenTarget), "{forbidden}");
        }
        assert_eq!(check("http://93.184.216.34/"), Err(Refusal::NotHttps), "no downgrade to http");
        assert_eq!(check("https://93.184.216.34/"), Ok(()));
        assert_eq!(check("https://hooks.example.com/"), Ok(()), "names are checked when they resolve");
        let allowing = OutboundGuard::new(true);
        assert_eq!(allowing.check_literal(&Url::parse("https://127.0.0.1/").unwrap()), Ok(()));
        assert!(allowing.check_literal(&Url::parse("https://169.254.169.254/").unwrap()).is_err());
    }

    #[tokio::test]
    async fn the_resolver_refuses_local_names_before_any_lookup() {
        use reqwest::dns::Resolve;
        let guard = OutboundGuard::new(true);
        for name in ["localhost", "db.localhost"] {
            let resolved = guard.resolve(name.parse().unwrap()).await;
            assert!(resolved.is_err(), "{name}");
        }
    }
}
