//! Fault injection against the real binary: the database stopped under load, `kill -9`
//! during writes, a full disk, object storage gone mid-upload. Each test starts what it
//! needs itself (a private PostgreSQL cluster, a tmpfs) and touches nothing shared.
//!
//! Not part of `cargo test` (`test = false` in Cargo.toml: they start clusters and mount
//! file systems, and need root): `tests/suites/faults` runs them once per CI run, with
//! `cargo test -p accountd --test faults`.

#![allow(clippy::unwrap_used)]

mod support;

mod disk_full;
mod kill_9;
mod postgres_down;
mod s3_down;
