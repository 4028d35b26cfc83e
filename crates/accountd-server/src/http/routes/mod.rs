pub mod account;
pub mod addresses;
pub mod auth;
pub mod email;
pub mod me;
pub mod pages;
pub mod system;
pub mod users;
