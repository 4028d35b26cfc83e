pub mod auth;
pub mod me;
pub mod system;
pub mod users;
