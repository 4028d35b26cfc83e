//! The requests of each scenario and what a right answer looks like, for accountd and for
//! the better-auth peer (`--peer better-auth`).

use std::sync::Arc;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{HeaderMap, Request, StatusCode};

use crate::load::{excerpt, get, get_with_cookie, post_json, Outcome, Workload};
use crate::seed::{email, username, PASSWORD};

/// `GET /v1/me` with the sessions of the active accounts.
pub struct Me {
    /// The session tokens of all seeded accounts, in account order.
    pub tokens: Arc<Vec<String>>,
    /// The accounts whose sessions are used, spread evenly over all of them.
    pub active: Arc<Vec<usize>>,
    /// Which active account a request index maps to (spreads requests over all of them).
    pub stride: usize,
}

impl Me {
    /// The sessions of `active` accounts spread evenly over all seeded ones (all when fewer).
    pub fn new(tokens: Arc<Vec<String>>, active: usize, stride: usize) -> Self {
        let all = tokens.len();
        let active = active.clamp(1, all.max(1));
        Self { tokens, active: Arc::new((0..active).map(|i| i * all / active).collect()), stride }
    }

    /// The same sessions, each once in order for the first `active` requests.
    pub fn each_once(&self) -> Self {
        Self { tokens: self.tokens.clone(), active: self.active.clone(), stride: 1 }
    }

    pub fn sessions(&self) -> usize {
        self.active.len()
    }

    fn account(&self, n: u64) -> usize {
        self.active[account(n, self.stride, self.active.len())]
    }
}

impl Workload for Me {
    fn request(&self, n: u64) -> Request<Full<Bytes>> {
        get("/v1/me", &self.tokens[self.account(n)])
    }

    fn check(&self, n: u64, status: StatusCode, _headers: &HeaderMap, body: &[u8]) -> Outcome {
        let expected = format!("\"username\":\"{}\"", username(self.account(n)));
        if status == StatusCode::OK && contains(body, expected.as_bytes()) {
            Outcome::Ok
        } else {
            Outcome::Wrong(format!("me: {status} {}", excerpt(body)))
        }
    }
}

/// `POST /v1/auth/login` rotating over the seeded accounts.
pub struct Login {
    pub accounts: usize,
    pub stride: usize,
}

impl Workload for Login {
    fn request(&self, n: u64) -> Request<Full<Bytes>> {
        let body =
            serde_json::json!({ "identifier": username(account(n, self.stride, self.accounts)), "password": PASSWORD });
        post_json("/v1/auth/login", body.to_string())
    }

    fn check(&self, n: u64, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Outcome {
        let expected = format!("\"username\":\"{}\"", username(account(n, self.stride, self.accounts)));
        if status == StatusCode::OK && contains(body, expected.as_bytes()) && contains(body, b"\"token\":\"ses_") {
            Outcome::Ok
        } else {
            shed_or_wrong("login", status, headers, body)
        }
    }
}

/// `POST /v1/users` with a fresh account each time.
pub struct Register {
    /// Keeps usernames unique across the scenarios of one run.
    pub prefix: String,
}

impl Workload for Register {
    fn request(&self, n: u64) -> Request<Full<Bytes>> {
        let name = format!("{}{n}", self.prefix);
        let body = serde_json::json!({
            "email": format!("{name}@bench.example"),
            "username": name,
            "password": PASSWORD,
            "displayName": "New User",
        });
        post_json("/v1/users", body.to_string())
    }

    fn check(&self, n: u64, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Outcome {
        let expected = format!("\"username\":\"{}{n}\"", self.prefix);
        if status == StatusCode::CREATED && contains(body, expected.as_bytes()) && contains(body, b"\"token\":\"ses_") {
            Outcome::Ok
        } else {
            shed_or_wrong("register", status, headers, body)
        }
    }
}

/// better-auth's `GET /api/auth/get-session` with the session cookie of account `n mod accounts`.
pub struct PeerMe {
    /// The session cookie's name.
    pub cookie: String,
    /// The signed cookie values, URL-encoded, in account order.
    pub tokens: Arc<Vec<String>>,
    pub stride: usize,
}

impl Workload for PeerMe {
    fn request(&self, n: u64) -> Request<Full<Bytes>> {
        let token = &self.tokens[account(n, self.stride, self.tokens.len())];
        get_with_cookie("/api/auth/get-session", &format!("{}={token}", self.cookie))
    }

    fn check(&self, n: u64, status: StatusCode, _headers: &HeaderMap, body: &[u8]) -> Outcome {
        let expected = format!("\"email\":\"{}\"", email(account(n, self.stride, self.tokens.len())));
        if status == StatusCode::OK && contains(body, expected.as_bytes()) {
            Outcome::Ok
        } else {
            Outcome::Wrong(format!("get-session: {status} {}", excerpt(body)))
        }
    }
}

/// better-auth's `POST /api/auth/sign-in/email` rotating over the seeded accounts. better-auth
/// has no shedding of its own: anything but the account and a session token is wrong.
pub struct PeerLogin {
    pub accounts: usize,
    pub stride: usize,
}

impl Workload for PeerLogin {
    fn request(&self, n: u64) -> Request<Full<Bytes>> {
        let body = serde_json::json!({ "email": email(account(n, self.stride, self.accounts)), "password": PASSWORD });
        post_json("/api/auth/sign-in/email", body.to_string())
    }

    fn check(&self, n: u64, status: StatusCode, _headers: &HeaderMap, body: &[u8]) -> Outcome {
        let expected = format!("\"email\":\"{}\"", email(account(n, self.stride, self.accounts)));
        if status == StatusCode::OK && contains(body, expected.as_bytes()) && contains(body, b"\"token\":\"") {
            Outcome::Ok
        } else {
            Outcome::Wrong(format!("sign-in/email: {status} {}", excerpt(body)))
        }
    }
}

/// Which account the `n`-th request uses: `stride` spreads consecutive requests over all of them.
fn account(n: u64, stride: usize, accounts: usize) -> usize {
    (n as usize).wrapping_mul(stride) % accounts
}

/// Overload is answered with `503 server:overloaded` and `Retry-After`; that is
/// shedding as designed, counted apart. Anything else is wrong.
pub fn shed_or_wrong(what: &str, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Outcome {
    if status == StatusCode::SERVICE_UNAVAILABLE
        && headers.contains_key("retry-after")
        && contains(body, b"\"code\":\"server:overloaded\"")
    {
        Outcome::Shed
    } else {
        Outcome::Wrong(format!("{what}: {status} {}", excerpt(body)))
    }
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}
