//! Additional email addresses of the account.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use crate::http::dto::{AddAddressRequest, AddressDto, AddressList, TokenRequest};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{AddressId, ApiJson, Client, CurrentUser, PathParam};
use crate::http::AppState;

#[utoipa::path(get, path = "/v1/me/addresses", operation_id = "list_addresses", tag = "addresses", security(("session" = []), ("cookie" = [])), responses(
    (status = 200, body = AddressList),
))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
) -> Result<Json<AddressList>, ApiError> {
    let addresses = state.flows.addresses(current.user().id).await?;
    Ok(Json(AddressList { items: addresses.iter().map(AddressDto::from).collect() }))
}

/// Adds an unverified address and mails it a verification link (unless the address had
/// 5 mails in the last 15 minutes: then the answer is the same and no mail goes out). An
/// account adds at most 10 addresses an hour, removed ones included.
#[utoipa::path(post, path = "/v1/me/addresses", tag = "addresses", security(("session" = []), ("cookie" = [])), request_body = AddAddressRequest, responses(
    (status = 201, body = AddressDto),
    (status = 400, body = ErrorBody, description = "`validation:invalid_email`"),
    (status = 409, body = ErrorBody, description = "`address:taken`: used by an account, as its email or an address; `limit:exceeded`"),
    (status = 429, body = ErrorBody, description = "`rate_limited`: the account added 10 addresses in the last hour; see `Retry-After`"),
))]
pub async fn add(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
    ApiJson(body): ApiJson<AddAddressRequest>,
) -> Result<(StatusCode, Json<AddressDto>), ApiError> {
    let address = state.flows.add_address(current.user(), &body.address, &client).await?;
    Ok((StatusCode::CREATED, Json(AddressDto::from(&address))))
}

#[utoipa::path(delete, path = "/v1/me/addresses/{id}", operation_id = "remove_address", tag = "addresses", security(("session" = []), ("cookie" = [])),
    params(("id" = String, Path, format = Uuid)), responses(
    (status = 204),
    (status = 404, body = ErrorBody, description = "`address:not_found`"),
))]
pub async fn remove(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
    PathParam(AddressId(id)): PathParam<AddressId>,
) -> Result<StatusCode, ApiError> {
    state.flows.remove_address(current.user(), id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mails the address a new verification link (the earlier one stops working).
#[utoipa::path(post, path = "/v1/me/addresses/{id}/send-verification", tag = "addresses", security(("session" = []), ("cookie" = [])),
    params(("id" = String, Path, format = Uuid)), responses(
    (status = 202, description = "Sent; or, past the cap of 5 mails per recipient per 15 minutes, withheld"),
    (status = 404, body = ErrorBody, description = "`address:not_found`"),
    (status = 409, body = ErrorBody, description = "`address:already_verified`"),
))]
pub async fn send_verification(
    State(state): State<AppState>,
    CurrentUser(current): CurrentUser,
    PathParam(AddressId(id)): PathParam<AddressId>,
) -> Result<StatusCode, ApiError> {
    state.flows.send_address_verification(current.user(), id).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Verifies the address with the token from its mail.
#[utoipa::path(post, path = "/v1/me/addresses/{id}/verify", tag = "addresses", security(("session" = []), ("cookie" = [])),
    params(("id" = String, Path, format = Uuid)), request_body = TokenRequest, responses(
    (status = 200, body = AddressDto),
    (status = 400, body = ErrorBody, description = "`token:invalid`"),
    (status = 404, body = ErrorBody, description = "`address:not_found`"),
))]
pub async fn verify(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
    PathParam(AddressId(id)): PathParam<AddressId>,
    ApiJson(body): ApiJson<TokenRequest>,
) -> Result<Json<AddressDto>, ApiError> {
    let address = state.flows.verify_address(current.user(), id, &body.token, &client).await?;
    Ok(Json(AddressDto::from(&address)))
}
