from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.auth_response import AuthResponse
from ...models.error_body import ErrorBody
from ...models.register_request import RegisterRequest
from typing import cast



def _get_kwargs(
    *,
    body: RegisterRequest,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/users",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> AuthResponse | ErrorBody | None:
    if response.status_code == 201:
        response_201 = AuthResponse.from_dict(response.json())



        return response_201

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())



        return response_400

    if response.status_code == 409:
        response_409 = ErrorBody.from_dict(response.json())



        return response_409

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[AuthResponse | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: RegisterRequest,

) -> Response[AuthResponse | ErrorBody]:
    """ Creates an account and signs it in (session in the body and as a cookie).

     `email` must be an ASCII dot-atom local part, `@`, and a DNS domain name with at least
    one dot; an internationalised domain is stored in its ASCII (punycode) form. Quoted
    local parts and address literals get `validation:invalid_email`. `displayName` is
    NFC-normalised and refuses control characters, bidirectional overrides and isolates,
    zero-width characters other than U+200D, and byte-order marks (`validation:invalid_input`).

    Passkey-first sign-up: leave out `password`. The account is passwordless and the answer's session is
    its
    way in for now: with it, `POST /v1/me/passkeys/options` (no password to give) and `POST
    /v1/me/passkeys`
    add a passkey. Later the account logs in with the passkey or signs in by email
    (`POST /v1/auth/email-login`), and may set a password with `PUT /v1/me/password` without
    `currentPassword`. Its last passkey cannot be deleted while it has no password and no linked
    identity.

    Args:
        body (RegisterRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuthResponse | ErrorBody]
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
    body: RegisterRequest,

) -> AuthResponse | ErrorBody | None:
    """ Creates an account and signs it in (session in the body and as a cookie).

     `email` must be an ASCII dot-atom local part, `@`, and a DNS domain name with at least
    one dot; an internationalised domain is stored in its ASCII (punycode) form. Quoted
    local parts and address literals get `validation:invalid_email`. `displayName` is
    NFC-normalised and refuses control characters, bidirectional overrides and isolates,
    zero-width characters other than U+200D, and byte-order marks (`validation:invalid_input`).

    Passkey-first sign-up: leave out `password`. The account is passwordless and the answer's session is
    its
    way in for now: with it, `POST /v1/me/passkeys/options` (no password to give) and `POST
    /v1/me/passkeys`
    add a passkey. Later the account logs in with the passkey or signs in by email
    (`POST /v1/auth/email-login`), and may set a password with `PUT /v1/me/password` without
    `currentPassword`. Its last passkey cannot be deleted while it has no password and no linked
    identity.

    Args:
        body (RegisterRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuthResponse | ErrorBody
     """


    return sync_detailed(
        client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: RegisterRequest,

) -> Response[AuthResponse | ErrorBody]:
    """ Creates an account and signs it in (session in the body and as a cookie).

     `email` must be an ASCII dot-atom local part, `@`, and a DNS domain name with at least
    one dot; an internationalised domain is stored in its ASCII (punycode) form. Quoted
    local parts and address literals get `validation:invalid_email`. `displayName` is
    NFC-normalised and refuses control characters, bidirectional overrides and isolates,
    zero-width characters other than U+200D, and byte-order marks (`validation:invalid_input`).

    Passkey-first sign-up: leave out `password`. The account is passwordless and the answer's session is
    its
    way in for now: with it, `POST /v1/me/passkeys/options` (no password to give) and `POST
    /v1/me/passkeys`
    add a passkey. Later the account logs in with the passkey or signs in by email
    (`POST /v1/auth/email-login`), and may set a password with `PUT /v1/me/password` without
    `currentPassword`. Its last passkey cannot be deleted while it has no password and no linked
    identity.

    Args:
        body (RegisterRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuthResponse | ErrorBody]
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
    body: RegisterRequest,

) -> AuthResponse | ErrorBody | None:
    """ Creates an account and signs it in (session in the body and as a cookie).

     `email` must be an ASCII dot-atom local part, `@`, and a DNS domain name with at least
    one dot; an internationalised domain is stored in its ASCII (punycode) form. Quoted
    local parts and address literals get `validation:invalid_email`. `displayName` is
    NFC-normalised and refuses control characters, bidirectional overrides and isolates,
    zero-width characters other than U+200D, and byte-order marks (`validation:invalid_input`).

    Passkey-first sign-up: leave out `password`. The account is passwordless and the answer's session is
    its
    way in for now: with it, `POST /v1/me/passkeys/options` (no password to give) and `POST
    /v1/me/passkeys`
    add a passkey. Later the account logs in with the passkey or signs in by email
    (`POST /v1/auth/email-login`), and may set a password with `PUT /v1/me/password` without
    `currentPassword`. Its last passkey cannot be deleted while it has no password and no linked
    identity.

    Args:
        body (RegisterRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuthResponse | ErrorBody
     """


    return (await asyncio_detailed(
        client=client,
body=body,

    )).parsed
