//! Black-box tests of accountd over HTTP. One test binary with modules, so the
//! suite links once. Every test runs on SQLite, and on PostgreSQL when
//! `ACCOUNTD_TEST_DATABASE_URL` is set.

#![allow(clippy::unwrap_used)]

mod helpers;

mod access;
mod account_cache;
mod activity;
mod admin;
mod console;
mod email_login;
mod export;
mod login;
mod mail_cap;
mod mail_flows;
mod media;
mod oauth;
mod outbox;
mod pages;
mod passkeys;
mod paths;
mod peers;
mod process;
mod profile;
mod public_profiles;
mod rate_limits;
mod readiness;
mod recovery;
mod referrals;
mod registration;
mod sessions;
mod streams;
mod system;
mod transport;
mod two_factor;
mod uploads;
