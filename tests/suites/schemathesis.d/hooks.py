"""The suite's own check, loaded through SCHEMATHESIS_HOOKS.

`refused_for_its_shape`: a request the document says is valid must not be refused for its
shape. schemathesis' built-in `positive_data_acceptance` cannot tell shape from state: it
flags every 400 to a schema-valid request, including `token:invalid` for a verification
token the server never mailed. This check reads the refusal's error code instead. A
schema-valid request may be refused only with one of the codes below, each a rule about
the request's *content or the server's state* that no JSON Schema can state; any other
4xx refusal of a schema-valid request (`request:*`, `validation:*`, `password:too_short`,
`password:too_weak`, `token:invalid_scope`, an unknown code) fails, because the document
promised more than the server takes and must be corrected.
"""
import json

import schemathesis
from schemathesis.specs.openapi.checks import is_unexpected_http_status_case

# Code -> why a schema cannot rule it out.
REFUSED_FOR_CONTENT_OR_STATE = {
    "token:invalid": "a mailed token or code the server never issued, or already spent",
    "2fa:invalid_code": "a TOTP code is only right for the account's secret at this moment",
    "2fa:no_pending_setup": "enabling needs a setup started first",
    "auth:mfa_token_invalid": "an mfaToken the server never issued",
    "oauth:invalid_state": "an OAuth state the server never issued",
    "oauth:invalid_redirect_uri": "a redirect URI outside the configured allow-list",
    "passkey:invalid_response": "a WebAuthn response must be signed by a registered key",
    "media:invalid_image": "bytes that do not decode as a picture",
    "media:unsupported_type": "bytes whose magic number is not PNG, JPEG, GIF or WebP",
    "password:common": "a password on the common-password list",
    "password:reused": "the account's current password",
    "validation:reserved_username": "a username on the reserved list",
    "webhook:forbidden_target": "a host that resolves to a private or local address",
    "webhook:not_configured": "no webhook URL saved on the profile",
    "referral:unknown_code": "a referral code no account holds",
    "referral:self_referral": "the account's own referral code",
    "domain:not_verified": "an upload domain whose DNS record is not yet seen",
}


def error_body(response):
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def refused_for_content_or_state(body):
    code = body.get("code")
    # `password:too_weak` names two rules: the character classes (shape, in the document) and
    # "not your username or email" (content); only the second is allowed.
    if code == "password:too_weak":
        return "username or email" in (body.get("message") or "")
    return code in REFUSED_FOR_CONTENT_OR_STATE


@schemathesis.check
def refused_for_its_shape(ctx, response, case):
    """A schema-valid request is accepted, or refused only for its content or the server's state."""
    if case.meta is None or not case.meta.generation.mode.is_positive or is_unexpected_http_status_case(case):
        return None
    if response.status_code not in (400, 413, 415, 422):
        return None
    body = error_body(response)
    if refused_for_content_or_state(body):
        return None
    raise AssertionError(
        f"A request valid by the document was refused for its shape: {response.status_code} {body.get('code')}\n"
        f"{response.content[:500].decode(errors='replace')}"
    )
