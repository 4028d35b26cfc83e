//! Avatars and banners: upload, removal, the linked account's picture, and serving.

use accountd_core::media::{MediaSlot, MAX_UPLOAD_BYTES};
use accountd_core::DomainError;
use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::{Bytes, BytesMut};

use crate::http::dto::{AvatarUrl, BannerUrl, LinkedAvatarRequest, UploadForm};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiJson, Client, CurrentUser, FromPath, PathParam};
use crate::http::AppState;

/// What the routes say of every upload, in the OpenAPI document.
macro_rules! upload_doc {
    () => {
        "The file is sent as `multipart/form-data` in the field `file`. JPEG, PNG, WebP and GIF \
         up to 5 MiB are accepted, judged by their content (the first bytes), never by the file's \
         name or declared type. The image is decoded under explicit limits (a header declaring more \
         than 40 megapixels, or a side longer than 20000 pixels, is refused before any pixel is \
         decoded) and encoded again in its own format, which removes every piece of metadata \
         (EXIF with its GPS position, ICC profiles, comments); the EXIF orientation is applied to \
         the pixels first. An animated GIF keeps its first frame only. The stored picture's bytes \
         count toward the account's storage (`409 limit:exceeded` past it). Its key is generated \
         by the server; the picture it replaces is deleted. Decoding runs on a bounded pool of \
         threads: past its queue the answer is `503 server:overloaded` with `Retry-After`."
    };
}

/// Sets the avatar from an uploaded image, scaled to fit 512×512 (aspect ratio kept, never enlarged).
#[utoipa::path(post, path = "/v1/me/avatar", tag = "media", security(("session" = []), ("cookie" = []), ("pat" = ["user:write"])),
    description = upload_doc!(),
    request_body(content = UploadForm, content_type = "multipart/form-data"), responses(
    (status = 200, body = AvatarUrl),
    (status = 400, body = ErrorBody, description = "`media:invalid_image` (undecodable, truncated, or more than 40 megapixels declared); `request:invalid_body` (not multipart, no `file` field, or a field other than `file`)"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:csrf_rejected`, `auth:insufficient_scope`"),
    (status = 409, body = ErrorBody, description = "`limit:exceeded`: the account's storage would be exceeded"),
    (status = 413, body = ErrorBody, description = "`media:too_large`: more than 5 MiB"),
    (status = 415, body = ErrorBody, description = "`media:unsupported_type`: not JPEG, PNG, WebP or GIF"),
    (status = 503, body = ErrorBody, description = "`server:overloaded`, with `Retry-After`; `media:storage_unavailable` (the object store did not take the picture; nothing was changed), with `Retry-After`"),
))]
pub async fn upload_avatar(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
    Upload(file): Upload,
) -> Result<Json<AvatarUrl>, ApiError> {
    let avatar_url = state.media.upload(current.user(), MediaSlot::Avatar, file, &client).await?;
    Ok(Json(AvatarUrl { avatar_url }))
}

/// Removes the avatar (`avatarUrl` becomes `null`); without one, nothing changes.
#[utoipa::path(delete, path = "/v1/me/avatar", tag = "media", security(("session" = []), ("cookie" = []), ("pat" = ["user:write"])), responses(
    (status = 204),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:csrf_rejected`, `auth:insufficient_scope`"),
))]
pub async fn delete_avatar(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
) -> Result<StatusCode, ApiError> {
    state.media.remove(current.user(), MediaSlot::Avatar, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets the avatar from the picture of the account's identity at a linked provider.
///
/// The server fetches the provider's picture URL itself: https only, through the same
/// guard as webhooks (no loopback, private, link-local or metadata addresses unless
/// `webhooks.allow_private_targets`; every redirect is checked again, at most three),
/// within 10 seconds and 5 MiB, and then takes it in exactly as an upload.
#[utoipa::path(post, path = "/v1/me/avatar/linked", tag = "media", security(("session" = []), ("cookie" = []), ("pat" = ["user:write"])),
    request_body = LinkedAvatarRequest, responses(
    (status = 200, body = AvatarUrl),
    (status = 400, body = ErrorBody, description = "`media:invalid_image`; `request:invalid_body`"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:csrf_rejected`, `auth:insufficient_scope`"),
    (status = 409, body = ErrorBody, description = "`oauth:not_linked`: no identity of this provider is linked; `limit:exceeded`"),
    (status = 413, body = ErrorBody, description = "`media:too_large`"),
    (status = 415, body = ErrorBody, description = "`media:unsupported_type`"),
    (status = 502, body = ErrorBody, description = "`oauth:provider_error`: the identity has no picture, or it could not be fetched (an error status, a forbidden target, a timeout)"),
    (status = 503, body = ErrorBody, description = "`server:overloaded`, with `Retry-After`; `media:storage_unavailable` (the object store did not take the picture; nothing was changed), with `Retry-After`"),
))]
pub async fn linked_avatar(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
    ApiJson(body): ApiJson<LinkedAvatarRequest>,
) -> Result<Json<AvatarUrl>, ApiError> {
    let avatar_url = state.media.use_linked_avatar(current.user(), &body.provider, &client).await?;
    Ok(Json(AvatarUrl { avatar_url }))
}

/// Sets the banner from an uploaded image, scaled to fit 1500×500 (aspect ratio kept, never enlarged).
#[utoipa::path(post, path = "/v1/me/banner", tag = "media", security(("session" = []), ("cookie" = []), ("pat" = ["user:write"])),
    description = upload_doc!(),
    request_body(content = UploadForm, content_type = "multipart/form-data"), responses(
    (status = 200, body = BannerUrl),
    (status = 400, body = ErrorBody, description = "`media:invalid_image`; `request:invalid_body`"),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:csrf_rejected`, `auth:insufficient_scope`"),
    (status = 409, body = ErrorBody, description = "`limit:exceeded`"),
    (status = 413, body = ErrorBody, description = "`media:too_large`"),
    (status = 415, body = ErrorBody, description = "`media:unsupported_type`"),
    (status = 503, body = ErrorBody, description = "`server:overloaded`, with `Retry-After`; `media:storage_unavailable` (the object store did not take the picture; nothing was changed), with `Retry-After`"),
))]
pub async fn upload_banner(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
    Upload(file): Upload,
) -> Result<Json<BannerUrl>, ApiError> {
    let banner_url = state.media.upload(current.user(), MediaSlot::Banner, file, &client).await?;
    Ok(Json(BannerUrl { banner_url }))
}

/// Removes the banner (`bannerUrl` becomes `null`); without one, nothing changes.
#[utoipa::path(delete, path = "/v1/me/banner", tag = "media", security(("session" = []), ("cookie" = []), ("pat" = ["user:write"])), responses(
    (status = 204),
    (status = 401, body = ErrorBody, description = "`auth:unauthenticated`"),
    (status = 403, body = ErrorBody, description = "`auth:csrf_rejected`, `auth:insufficient_scope`"),
))]
pub async fn delete_banner(
    State(state): State<AppState>,
    Client(client): Client,
    CurrentUser(current): CurrentUser,
) -> Result<StatusCode, ApiError> {
    state.media.remove(current.user(), MediaSlot::Banner, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A key in `/v1/media/{key}`: anything but a key the server made names nothing.
pub struct MediaKeyParam(pub String);

impl FromPath for MediaKeyParam {
    fn refusal() -> DomainError {
        DomainError::MediaNotFound
    }

    fn from_path(raw: String) -> Option<Self> {
        Some(Self(raw))
    }
}

/// A stored picture. Public: the key is unguessable and the picture is on public profiles.
///
/// Served with its type, an `ETag` (`If-None-Match` with it answers `304`), `Cache-Control:
/// public, max-age=31536000, immutable` (the bytes under a key never change),
/// `X-Content-Type-Options: nosniff` and `Content-Security-Policy: default-src 'none';
/// sandbox`. Keys are made by the server (`{32 hex}-{16 hex}.{jpg|png|webp|gif}`); any other
/// key, including one with `..`, `/` or encoded dots, is `404` without reading anything.
#[utoipa::path(get, path = "/v1/media/{key}", tag = "media", params(("key" = String, Path)), responses(
    (status = 200, description = "the image", content(
        ("image/jpeg"), ("image/png"), ("image/webp"), ("image/gif")
    )),
    (status = 304, description = "`If-None-Match` named the current `ETag`"),
    (status = 404, body = ErrorBody, description = "`media:not_found`"),
))]
pub async fn serve(
    State(state): State<AppState>,
    PathParam(MediaKeyParam(key)): PathParam<MediaKeyParam>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let served = state.media.serve(&key).await?.ok_or(DomainError::MediaNotFound)?;
    let etag = HeaderValue::from_str(&served.etag).map_err(|_| ApiError::internal())?;
    let cache = [
        (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox")),
        (header::ETAG, etag),
    ];
    if if_none_match(&headers, &served.etag) {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    let content_type = [(header::CONTENT_TYPE, HeaderValue::from_static(served.content_type))];
    Ok((cache, content_type, served.bytes).into_response())
}

/// Whether `If-None-Match` names `etag` (or is `*`); weak tags compare as well.
fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}

/// The bytes of the multipart field `file`, read up to the upload limit: past it `413
/// media:too_large`; a body that is not multipart, or has no `file`, `400 request:invalid_body`.
pub struct Upload(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let multipart = Multipart::from_request(request, state).await.map_err(|rejection| {
            ApiError::invalid_body(format!("A multipart body is required: {}", rejection.body_text()))
        })?;
        read_file_field(multipart).await.map(Self)
    }
}

/// The bytes of the `file` field, read up to the upload limit. The form has that one field,
/// as the document says: any other is refused rather than skipped, so that what the document
/// calls valid and what the server takes are the same set.
async fn read_file_field(mut multipart: Multipart) -> Result<Bytes, ApiError> {
    let other_field = || ApiError::invalid_body("The multipart body may have only the field `file`.");
    let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? else {
        return Err(ApiError::invalid_body("The multipart body has no `file` field."));
    };
    if field.name() != Some("file") {
        return Err(other_field());
    }
    let mut file = BytesMut::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if file.len() + chunk.len() > MAX_UPLOAD_BYTES {
            return Err(DomainError::MediaTooLarge.into());
        }
        file.extend_from_slice(&chunk);
    }
    drop(field);
    if multipart.next_field().await.map_err(multipart_error)?.is_some() {
        return Err(other_field());
    }
    Ok(file.freeze())
}

fn multipart_error(error: MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        DomainError::MediaTooLarge.into()
    } else {
        ApiError::invalid_body(format!("The multipart body is invalid: {}", error.body_text()))
    }
}
