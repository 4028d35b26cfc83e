//! Activity: the account's own history and the public feed.

use std::sync::Arc;

use accountd_core::activity::ActivityAction;
use accountd_core::UserId;
use accountd_store::{FeedEvent, FeedTopic, Store};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use axum::Json;
use secrecy::{ExposeSecret as _, SecretString};

use crate::http::dto::{ActivityDto, ActorDto, ListOf, PageQuery, PublicActionDto};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiQuery, CurrentUser, RawCredential};
use crate::http::AppState;
use crate::streams::{json_event, StreamSource};
use crate::usecases::tokens::Tokens;
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

/// The client's `Last-Event-ID`, if it sent one.
pub fn last_event_id(headers: &HeaderMap) -> Option<&str> {
    headers.get("last-event-id").and_then(|value| value.to_str().ok())
}

/// Asks again whether a stream's credential still works: a revoked session or token, or a
/// banned or deleted account, ends the stream.
pub struct CredentialCheck {
    tokens: Arc<Tokens>,
    credential: SecretString,
}

impl CredentialCheck {
    pub fn new(state: &AppState, credential: SecretString) -> Self {
        Self { tokens: state.tokens.clone(), credential }
    }

    pub async fn still_allowed(&self) -> bool {
        matches!(self.tokens.authenticate(self.credential.expose_secret()).await, Ok(Some(principal)) if !principal.user().banned)
    }
}

/// The account's activity as it happens (`text/event-stream`): events `activity` whose
/// data is an `Activity` and whose `id` is a position in the server's feed. Reconnect with
/// `Last-Event-ID` to receive what happened meanwhile, with no gap and no duplicate, for
/// events of the last 24 hours; without it the stream starts with the next event. A
/// comment is sent every `activity.stream_keep_alive_seconds` (15) while nothing happens.
/// The stream ends when its session or token is revoked, the account is banned or
/// deleted, the server shuts down, or the client falls `activity.stream_buffer_events`
/// (64) events behind.
#[utoipa::path(get, path = "/v1/me/activity/stream", tag = "activity", security(("session" = []), ("cookie" = []), ("pat" = ["user:read"])), responses(
    (status = 200, content_type = "text/event-stream", description = "Events `activity`"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:insufficient_scope`"),
    (status = 429, body = ErrorBody, description = "`rate_limited`: the account has `activity.max_streams_per_account` streams open on this node"),
    (status = 503, body = ErrorBody, description = "`server:overloaded`: the node has `activity.max_streams_per_node` streams open"),
))]
pub async fn my_activity_stream(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    RawCredential(credential): RawCredential,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let user = current.user().id;
    let slot = state.streams.admit(Some(user))?;
    let after = state.streams.start(last_event_id(&headers)).await?;
    let source = AccountActivity { user, check: CredentialCheck::new(&state, credential) };
    Ok(state.streams.respond(slot, source, after, None, false).into_response())
}

struct AccountActivity {
    user: UserId,
    check: CredentialCheck,
}

#[async_trait::async_trait]
impl StreamSource for AccountActivity {
    fn topic(&self) -> FeedTopic {
        FeedTopic::ACTIVITY
    }

    async fn event(&self, event: &FeedEvent) -> Option<(Event, bool)> {
        if event.user != Some(self.user) {
            return None;
        }
        let mut activity = event.payload.clone();
        activity.as_object_mut()?.remove("userId");
        json_event("activity", &activity).map(|event| (event, false))
    }

    async fn still_allowed(&self) -> bool {
        self.check.still_allowed().await
    }
}

/// The public feed as it happens (`text/event-stream`): events `action` with the shape of
/// `GET /v1/action-logs` items, `Last-Event-ID` and keep-alives as the account's stream.
/// No credential is needed; streams are capped per node.
#[utoipa::path(get, path = "/v1/action-logs/stream", tag = "activity", responses(
    (status = 200, content_type = "text/event-stream", description = "Events `action`"),
    (status = 503, body = ErrorBody, description = "`server:overloaded`: the node has `activity.max_streams_per_node` streams open"),
))]
pub async fn action_logs_stream(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let slot = state.streams.admit(None)?;
    let after = state.streams.start(last_event_id(&headers)).await?;
    let source = PublicActivity { store: state.store.clone() };
    Ok(state.streams.respond(slot, source, after, None, false).into_response())
}

struct PublicActivity {
    store: Arc<dyn Store>,
}

#[async_trait::async_trait]
impl StreamSource for PublicActivity {
    fn topic(&self) -> FeedTopic {
        FeedTopic::ACTIVITY
    }

    async fn event(&self, event: &FeedEvent) -> Option<(Event, bool)> {
        let action = ActivityAction::parse(event.payload["action"].as_str()?)?;
        if !action.is_public() {
            return None;
        }
        let user = self.store.reader().await.ok()?.user_by_id(event.user?).await.ok()??;
        if user.banned {
            return None;
        }
        let shown = PublicActionDto {
            id: event.payload["id"].as_str()?.parse().ok()?,
            action: action.as_str().to_string(),
            at: serde_json::from_value(event.payload["at"].clone()).ok()?,
            actor: ActorDto { id: user.id.as_uuid(), username: user.username.as_str().to_string() },
        };
        json_event("action", &shown).map(|event| (event, false))
    }

    async fn still_allowed(&self) -> bool {
        true
    }
}
