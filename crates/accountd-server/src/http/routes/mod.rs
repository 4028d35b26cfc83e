pub mod admin;
pub mod auth;
pub mod me;
pub mod system;
pub mod tokens;
pub mod users;
