//! The domain of accountd: types that carry the account rules, and the pure
//! functions (policy, token generation, hashing) the use cases are built from.
//! Nothing here performs I/O or knows about HTTP or SQL.

pub mod access;
pub mod activity;
pub mod client;
pub mod clock;
pub mod email;
pub mod error;
pub mod export;
pub mod ids;
pub mod mail;
pub mod media;
pub mod oauth;
pub mod password;
pub mod referral;
pub mod scope;
pub mod sealed;
pub mod text;
pub mod token;
pub mod totp;
pub mod user;
pub mod username;

pub use clock::{Clock, SystemClock};
pub use email::Email;
pub use error::DomainError;
pub use ids::{ExportId, SessionId, TokenId, UserId};
pub use username::Username;
