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

/// Deletes activity and login attempts older than the retention.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct PruneActivity;

impl crate::jobs::Job for PruneActivity {
    const KIND: &'static str = "activity.prune";
}

/// The `activity.prune` job: `activity.retention_days` of activity and login history are kept.
pub struct ActivityPruner {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn accountd_core::Clock>,
    pub retention: chrono::Duration,
}

#[async_trait::async_trait]
impl crate::jobs::JobHandler<PruneActivity> for ActivityPruner {
    async fn run(&self, _job: PruneActivity) -> Result<(), crate::jobs::JobFailure> {
        let before = self.clock.now() - self.retention;
        let mut conn = self.store.reader().await?;
        let activities = conn.prune_activities(before).await?;
        let attempts = conn.prune_login_attempts(before).await?;
        tracing::debug!(activities, attempts, "activity past its retention deleted");
        Ok(())
    }
}
