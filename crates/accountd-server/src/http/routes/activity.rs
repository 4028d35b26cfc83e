//! Activity: the account's own history and the public feed.

use axum::extract::State;
use axum::Json;

use crate::http::dto::{ActivityDto, ListOf, PageQuery, PublicActionDto};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiQuery, CurrentUser};
use crate::http::AppState;
use crate::usecases::Paging;

/// The account's activity, newest first.
#[utoipa::path(get, path = "/v1/me/activity", tag = "activity", security(("session" = []), ("cookie" = []), ("pat" = ["user:read"])), params(PageQuery), responses(
    (status = 200, body = ListOf<ActivityDto>),
    (status = 400, body = ErrorBody, description = "`validation:invalid_input` (`limit` outside 1–100, negative `offset`), `request:invalid_query`"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:insufficient_scope`"),
))]
pub async fn my_activity(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<ListOf<ActivityDto>>, ApiError> {
    let paging = Paging::new(query.limit, query.offset)?;
    let page = state.activity.of_account(current.user().id, paging).await?;
    Ok(Json(ListOf {
        items: page.items.iter().map(ActivityDto::from).collect(),
        total: page.total,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

/// The public feed: `user.registered`, `username.changed` and `avatar.changed` of every
/// account, newest first, with the actor's id and current username only. Banned and
/// deleted accounts' actions are left out. No credential is needed.
#[utoipa::path(get, path = "/v1/action-logs", tag = "activity", params(PageQuery), responses(
    (status = 200, body = ListOf<PublicActionDto>),
    (status = 400, body = ErrorBody, description = "`validation:invalid_input` (`limit` outside 1–100, negative `offset`), `request:invalid_query`"),
))]
pub async fn action_logs(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<ListOf<PublicActionDto>>, ApiError> {
    let paging = Paging::new(query.limit, query.offset)?;
    let page = state.activity.public(paging).await?;
    Ok(Json(ListOf {
        items: page.items.iter().map(PublicActionDto::from).collect(),
        total: page.total,
        limit: paging.limit,
        offset: paging.offset,
    }))
}
