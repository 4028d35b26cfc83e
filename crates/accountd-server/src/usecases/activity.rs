//! Reading activity: an account's own history and the public feed.

use std::sync::Arc;

use accountd_core::activity::ActivityAction;
use accountd_core::user::Activity;
use accountd_core::UserId;
use accountd_store::{Page, PublicActivity, Store};

use super::{AppResult, Paging};

pub struct ActivityLog {
    store: Arc<dyn Store>,
}

impl ActivityLog {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// The account's activity, newest first.
    pub async fn of_account(&self, user: UserId, paging: Paging) -> AppResult<Page<Activity>> {
        Ok(self.store.reader().await?.activities_of(user, paging.request()).await?)
    }

    /// The public actions of every account that exists and is not banned, newest first.
    pub async fn public(&self, paging: Paging) -> AppResult<Page<PublicActivity>> {
        let actions = ActivityAction::PUBLIC.map(ActivityAction::as_str);
        Ok(self.store.reader().await?.public_activities(&actions, paging.request()).await?)
    }
}
