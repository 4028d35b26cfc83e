from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.auth_response import AuthResponse
from ...models.email_login_verify_with_code import EmailLoginVerifyWithCode
from ...models.email_login_verify_with_token import EmailLoginVerifyWithToken
from ...models.error_body import ErrorBody
from ...models.mfa_required import MfaRequired
from typing import cast



def _get_kwargs(
    *,
    body: EmailLoginVerifyWithCode | EmailLoginVerifyWithToken,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/auth/email-login/verify",
    }

    
    if isinstance(body, EmailLoginVerifyWithToken):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body.to_dict()


    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> AuthResponse | MfaRequired | ErrorBody | None:
    if response.status_code == 200:
        def _parse_response_200(data: object) -> AuthResponse | MfaRequired:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_login_answer_type_0 = AuthResponse.from_dict(data)



                return componentsschemas_login_answer_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_login_answer_type_1 = MfaRequired.from_dict(data)



            return componentsschemas_login_answer_type_1

        response_200 = _parse_response_200(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())



        return response_400

    if response.status_code == 403:
        response_403 = ErrorBody.from_dict(response.json())



        return response_403

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())



        return response_404

    if response.status_code == 413:
        response_413 = ErrorBody.from_dict(response.json())



        return response_413

    if response.status_code == 414:
        response_414 = ErrorBody.from_dict(response.json())



        return response_414

    if response.status_code == 415:
        response_415 = ErrorBody.from_dict(response.json())



        return response_415

    if response.status_code == 429:
        response_429 = ErrorBody.from_dict(response.json())



        return response_429

    if response.status_code == 431:
        response_431 = ErrorBody.from_dict(response.json())



        return response_431

    if response.status_code == 503:
        response_503 = ErrorBody.from_dict(response.json())



        return response_503

    if response.status_code == 507:
        response_507 = ErrorBody.from_dict(response.json())



        return response_507

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[AuthResponse | MfaRequired | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: EmailLoginVerifyWithCode | EmailLoginVerifyWithToken,

) -> Response[AuthResponse | MfaRequired | ErrorBody]:
    """ Finishes a sign-in by email with the link's `token`, or with `email` and `code`. It also verifies
    the
    address; with two-factor on it answers `mfaRequired`. Sign-in by email is not a way to log in that
    keeps an
    account reachable (it proves the mailbox, not the person). When the address had never been verified,
    someone
    else may have signed up with it first (pre-hijacking), so the sign-in returns the account clean
    before it
    opens the session, as a password reset does: every other session and personal access token, the
    password,
    passkeys, two-factor, linked accounts and additional addresses are removed (the owner sets a
    password again
    with `PUT /v1/me/password`). An account whose address was verified keeps everything.

    Args:
        body (EmailLoginVerifyWithCode | EmailLoginVerifyWithToken): `{"token"}` (from the link)
            or `{"email", "code"}`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuthResponse | MfaRequired | ErrorBody]
     """


    kwargs = _get_kwargs(
        body=body,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    body: EmailLoginVerifyWithCode | EmailLoginVerifyWithToken,

) -> AuthResponse | MfaRequired | ErrorBody | None:
    """ Finishes a sign-in by email with the link's `token`, or with `email` and `code`. It also verifies
    the
    address; with two-factor on it answers `mfaRequired`. Sign-in by email is not a way to log in that
    keeps an
    account reachable (it proves the mailbox, not the person). When the address had never been verified,
    someone
    else may have signed up with it first (pre-hijacking), so the sign-in returns the account clean
    before it
    opens the session, as a password reset does: every other session and personal access token, the
    password,
    passkeys, two-factor, linked accounts and additional addresses are removed (the owner sets a
    password again
    with `PUT /v1/me/password`). An account whose address was verified keeps everything.

    Args:
        body (EmailLoginVerifyWithCode | EmailLoginVerifyWithToken): `{"token"}` (from the link)
            or `{"email", "code"}`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuthResponse | MfaRequired | ErrorBody
     """


    return sync_detailed(
        client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: EmailLoginVerifyWithCode | EmailLoginVerifyWithToken,

) -> Response[AuthResponse | MfaRequired | ErrorBody]:
    """ Finishes a sign-in by email with the link's `token`, or with `email` and `code`. It also verifies
    the
    address; with two-factor on it answers `mfaRequired`. Sign-in by email is not a way to log in that
    keeps an
    account reachable (it proves the mailbox, not the person). When the address had never been verified,
    someone
    else may have signed up with it first (pre-hijacking), so the sign-in returns the account clean
    before it
    opens the session, as a password reset does: every other session and personal access token, the
    password,
    passkeys, two-factor, linked accounts and additional addresses are removed (the owner sets a
    password again
    with `PUT /v1/me/password`). An account whose address was verified keeps everything.

    Args:
        body (EmailLoginVerifyWithCode | EmailLoginVerifyWithToken): `{"token"}` (from the link)
            or `{"email", "code"}`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuthResponse | MfaRequired | ErrorBody]
     """


    kwargs = _get_kwargs(
        body=body,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    body: EmailLoginVerifyWithCode | EmailLoginVerifyWithToken,

) -> AuthResponse | MfaRequired | ErrorBody | None:
    """ Finishes a sign-in by email with the link's `token`, or with `email` and `code`. It also verifies
    the
    address; with two-factor on it answers `mfaRequired`. Sign-in by email is not a way to log in that
    keeps an
    account reachable (it proves the mailbox, not the person). When the address had never been verified,
    someone
    else may have signed up with it first (pre-hijacking), so the sign-in returns the account clean
    before it
    opens the session, as a password reset does: every other session and personal access token, the
    password,
    passkeys, two-factor, linked accounts and additional addresses are removed (the owner sets a
    password again
    with `PUT /v1/me/password`). An account whose address was verified keeps everything.

    Args:
        body (EmailLoginVerifyWithCode | EmailLoginVerifyWithToken): `{"token"}` (from the link)
            or `{"email", "code"}`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuthResponse | MfaRequired | ErrorBody
     """


    return (await asyncio_detailed(
        client=client,
body=body,

    )).parsed
