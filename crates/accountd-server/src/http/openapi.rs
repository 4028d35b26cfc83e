use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::error::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "accountd",
        description = "The account service's HTTP API. Every error has the body `ErrorBody`; \
            every response carries `X-Request-Id`. Request bodies over 64 KiB get `413 request:too_large`; \
            malformed JSON, a wrong type or an unknown enum value gets `400 request:invalid_body`.",
    ),
    components(schemas(ErrorBody)),
    modifiers(&Security),
    tags(
        (name = "system", description = "Health, readiness, metrics"),
        (name = "registration", description = "Creating accounts"),
        (name = "auth", description = "Login and logout"),
        (name = "me", description = "The signed-in account"),
        (name = "sessions", description = "Sessions and login history"),
        (name = "email", description = "Email verification, password reset, email change"),
        (name = "addresses", description = "Additional email addresses"),
        (name = "2fa", description = "Two-factor authentication: TOTP and recovery codes"),
        (name = "profiles", description = "Public profiles and search"),
        (name = "tokens", description = "Personal access tokens, the upload token, introspection"),
        (name = "admin", description = "Administration, for accounts with the role `admin`"),
        (name = "oauth", description = "Social login and linked accounts"),
        (name = "pages", description = "Pages accountd serves to browsers"),
        (name = "activity", description = "Activity: the account's history, the public feed, live streams"),
        (name = "export", description = "Data export: an archive of everything the account holds"),
        (name = "referrals", description = "Referral codes, the credit ledger and perks"),
        (name = "uploads", description = "Upload domains, uploader integrations and the Discord webhook test"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A session token (`ses_…`)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "pat",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A personal access token (`pat_…`) with the scopes listed"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "introspection",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The configured introspection secret (`ACCOUNTD_INTROSPECTION_SECRET`)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "accountd_session",
                "The session token. With an https public URL the cookie is named `__Host-accountd_session` \
                 (Secure, Path=/, no Domain).",
            ))),
        );
    }
}

pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
