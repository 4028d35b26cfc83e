//! The store's contract, checked at the trait level on every backend: each test runs on
//! a fresh SQLite file and, when `ACCOUNTD_TEST_DATABASE_URL` is set, on a fresh
//! PostgreSQL schema as well.

#![allow(clippy::unwrap_used)]

mod access;
mod accounts;
mod activity_log;
mod feed;
mod harness;
mod jobs;
mod limits;
mod mail;
mod media;
mod oauth;
mod passkeys;
mod rewards;
mod two_factor;
