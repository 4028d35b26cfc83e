//! Referrals, credits and perks: `/v1/me/referrals`, `/v1/me/credits`, `/v1/me/perks`,
//! and an administrator's credit grants and debits.

use accountd_core::UserId;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use crate::http::dto::{
    CreditAdjustmentDto, CreditAdjustmentRequest, CreditEntryDto, CreditsDto, ListOf, PageQuery, PerksDto,
    ReferralHistoryEntry, ReferralLinkDto, ReferralStatsDto, ReferralView, ReferralsAnswer, ReferralsQuery,
    SetReferralCodeRequest,
};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Admin, ApiJson, ApiQuery, Client, CurrentUser, PathParam};
use crate::http::AppState;
use crate::usecases::Paging;

/// The account's referral code and its link; with `view=stats` the number of accounts
/// referred and the credits they earned; with `view=history` those accounts, newest
/// first (paged with `limit` and `offset`). An account without a code (made by social
/// sign-up or the command line) gets one on its first read.
#[utoipa::path(get, path = "/v1/me/referrals", tag = "referrals", security(("session" = []), ("cookie" = []), ("pat" = ["user:read"])), params(ReferralsQuery), responses(
    (status = 200, body = ReferralsAnswer, description = "`{code, url}`; `{totalReferrals, rewardsEarned}` for `view=stats`; a list of `{username, joinedAt, reward}` for `view=history`"),
    (status = 400, body = ErrorBody, description = "`request:invalid_query` (an unknown `view`), `validation:invalid_input` (paging)"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:insufficient_scope`"),
))]
pub async fn get_referrals(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    ApiQuery(query): ApiQuery<ReferralsQuery>,
) -> Result<Json<ReferralsAnswer>, ApiError> {
    let user = current.user();
    // Checked whatever the view, so a query is refused for its paging the same way on
    // every view (the paging only shapes the history).
    let paging = Paging::new(query.limit, query.offset)?;
    let answer = match query.view {
        None => ReferralsAnswer::Link(state.referrals.link(user).await?.into()),
        Some(ReferralView::Stats) => {
            let (total_referrals, rewards_earned) = state.referrals.stats(user.id).await?;
            ReferralsAnswer::Stats(ReferralStatsDto { total_referrals, rewards_earned })
        }
        Some(ReferralView::History) => {
            let page = state.referrals.history(user.id, paging).await?;
            let items = page
                .items
                .into_iter()
                .map(|referral| ReferralHistoryEntry {
                    username: referral.username,
                    joined_at: referral.joined_at,
                    reward: referral.reward,
                })
                .collect();
            ReferralsAnswer::History(ListOf { items, total: page.total, limit: paging.limit, offset: paging.offset })
        }
    };
    Ok(Json(answer))
}

/// Sets a code the account chose; the old code stops working at once.
#[utoipa::path(put, path = "/v1/me/referrals", tag = "referrals", security(("session" = []), ("cookie" = []), ("pat" = ["user:write"])), request_body = SetReferralCodeRequest, responses(
    (status = 200, body = ReferralLinkDto),
    (status = 400, body = ErrorBody, description = "`validation:invalid_input` (length, characters, a reserved word), `request:invalid_body`"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:insufficient_scope`, `auth:csrf_rejected`"),
    (status = 409, body = ErrorBody, description = "`referral:code_taken`, compared case-insensitively"),
))]
pub async fn set_referral_code(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
    ApiJson(body): ApiJson<SetReferralCodeRequest>,
) -> Result<Json<ReferralLinkDto>, ApiError> {
    Ok(Json(state.referrals.set_code(current.user(), &body.code, &client).await?.into()))
}

/// The credit balance (the sum of the append-only ledger) and the ledger, newest first.
#[utoipa::path(get, path = "/v1/me/credits", tag = "referrals", security(("session" = []), ("cookie" = []), ("pat" = ["user:read"])), params(PageQuery), responses(
    (status = 200, body = CreditsDto),
    (status = 400, body = ErrorBody, description = "`validation:invalid_input` (paging)"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:insufficient_scope`"),
))]
pub async fn credits(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<CreditsDto>, ApiError> {
    let paging = Paging::new(query.limit, query.offset)?;
    let (balance, page) = state.referrals.credits(current.user().id, paging).await?;
    Ok(Json(CreditsDto {
        balance,
        items: page.items.iter().map(CreditEntryDto::from).collect(),
        total: page.total,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

/// The perks of the instance and the account's progress on each, with the last known
/// state of the provider perks.
#[utoipa::path(get, path = "/v1/me/perks", tag = "referrals", security(("session" = []), ("cookie" = []), ("pat" = ["user:read"])), responses(
    (status = 200, body = PerksDto),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:insufficient_scope`"),
))]
pub async fn perks(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
) -> Result<Json<PerksDto>, ApiError> {
    Ok(Json(state.perks.list(current.user()).await?.into()))
}

/// Checks the provider perks against the linked providers' APIs now. Answers within
/// `perks.timeout_ms` whatever the providers do: a provider that has not answered by
/// then (or is not linked) keeps the perk's last known progress, with `stale: true`.
#[utoipa::path(post, path = "/v1/me/perks/refresh", tag = "referrals", security(("session" = []), ("cookie" = []), ("pat" = ["user:write"])), responses(
    (status = 200, body = PerksDto),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:insufficient_scope`, `auth:csrf_rejected`"),
))]
pub async fn refresh_perks(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
) -> Result<Json<PerksDto>, ApiError> {
    Ok(Json(state.perks.refresh(current.user()).await?.into()))
}

/// Grants (positive `amount`) or debits (negative) an account's credits, with a reason
/// the account sees in its ledger. The entry is appended (the ledger is never changed)
/// and recorded in the account's activity as `credits.granted` or `credits.debited` with
/// the administrator's id. A debit may take the balance below zero.
#[utoipa::path(post, path = "/v1/admin/users/{id}/credits", tag = "admin", security(("session" = []), ("cookie" = [])),
    params(("id" = String, Path, format = Uuid)), request_body = CreditAdjustmentRequest, responses(
    (status = 201, body = CreditAdjustmentDto),
    (status = 400, body = ErrorBody, description = "`validation:invalid_input` (`amount` zero or too large, `reason` empty or too long), `request:invalid_body`"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:forbidden`, `auth:session_required`, `auth:csrf_rejected`"),
    (status = 404, body = ErrorBody, description = "`user:not_found`"),
))]
pub async fn adjust_credits(
    State(state): State<AppState>,
    Client(client): Client,
    Admin(admin): Admin,
    PathParam(id): PathParam<UserId>,
    ApiJson(body): ApiJson<CreditAdjustmentRequest>,
) -> Result<(StatusCode, Json<CreditAdjustmentDto>), ApiError> {
    let (entry, balance) = state.referrals.adjust(&admin, id, body.amount, &body.reason, &client).await?;
    Ok((StatusCode::CREATED, Json(CreditAdjustmentDto { entry: CreditEntryDto::from(&entry), balance })))
}
