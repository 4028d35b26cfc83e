pub mod auth;
pub mod me;
pub mod oauth;
pub mod system;
pub mod users;
