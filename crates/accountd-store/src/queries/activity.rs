//! Activity beyond one account's page: the public feed, an export's walk, retention.

use accountd_core::user::Activity;
use accountd_core::UserId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::rows::{ActivityRow, PublicActivityRow};
use crate::{ActivityCursor, ActivityLogRepo, Page, PageRequest, PublicActivity, StoreError};

/// `$first, $first+1, …` for `count` parameters of an `IN (…)` list.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

for_each_backend! {

#[async_trait]
impl ActivityLogRepo for BackendConn {
    async fn public_activities(
        &mut self,
        actions: &[&str],
        page: PageRequest,
    ) -> Result<Page<PublicActivity>, StoreError> {
        if actions.is_empty() {
            return Ok(Page { items: Vec::new(), total: 0 });
        }
        let filter = format!(
            "FROM activities JOIN users ON users.id = activities.user_id \
             WHERE NOT users.banned AND activities.action IN ({})",
            placeholders(1, actions.len())
        );
        let count_statement = format!("SELECT count(*) {filter}");
        let mut count = sqlx::query_scalar(&count_statement);
        for action in actions {
            count = count.bind(*action);
        }
        let total: i64 = count.fetch_one(self.db()).await?;
        let statement = format!(
            "SELECT activities.id, activities.action, activities.at, users.id AS actor_id, \
             users.username AS actor_username {filter} \
             ORDER BY activities.at DESC, activities.id DESC LIMIT ${} OFFSET ${}",
            actions.len() + 1,
            actions.len() + 2
        );
        let mut rows = sqlx::query_as::<_, PublicActivityRow>(&statement);
        for action in actions {
            rows = rows.bind(*action);
        }
        let rows = rows.bind(page.limit).bind(page.offset).fetch_all(self.db()).await?;
        Ok(Page { items: rows.into_iter().map(PublicActivity::from).collect(), total })
    }

    async fn activities_after(
        &mut self,
        user: UserId,
        after: Option<ActivityCursor>,
        limit: i64,
    ) -> Result<Vec<Activity>, StoreError> {
        let rows: Vec<ActivityRow> = match after {
            None => sqlx::query_as(
                "SELECT id, user_id, action, at, ip, user_agent, metadata FROM activities \
                 WHERE user_id = $1 ORDER BY at, id LIMIT $2",
            )
            .bind(user.as_uuid())
            .bind(limit)
            .fetch_all(self.db())
            .await?,
            Some(cursor) => sqlx::query_as(
                "SELECT id, user_id, action, at, ip, user_agent, metadata FROM activities \
                 WHERE user_id = $1 AND (at > $2 OR (at = $2 AND id > $3)) ORDER BY at, id LIMIT $4",
            )
            .bind(user.as_uuid())
            .bind(cursor.at)
            .bind(cursor.id)
            .bind(limit)
            .fetch_all(self.db())
            .await?,
        };
        Ok(rows.into_iter().map(Activity::from).collect())
    }

    async fn prune_activities(&mut self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM activities WHERE at < $1").bind(before).execute(self.db()).await?;
        Ok(done.rows_affected())
    }

    async fn prune_login_attempts(&mut self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM login_attempts WHERE at < $1").bind(before).execute(self.db()).await?;
        Ok(done.rows_affected())
    }
}

}
