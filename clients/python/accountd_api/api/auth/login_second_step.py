from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.auth_response import AuthResponse
from ...models.error_body import ErrorBody
from ...models.login_second_step_with_code import LoginSecondStepWithCode
from ...models.login_second_step_with_passkey import LoginSecondStepWithPasskey
from ...models.login_second_step_with_recovery_code import LoginSecondStepWithRecoveryCode
from typing import cast



def _get_kwargs(
    *,
    body: LoginSecondStepWithCode | LoginSecondStepWithPasskey | LoginSecondStepWithRecoveryCode,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/auth/login/2fa",
    }

    
    if isinstance(body, LoginSecondStepWithCode):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, LoginSecondStepWithRecoveryCode):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body.to_dict()


    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> AuthResponse | ErrorBody | None:
    if response.status_code == 200:
        response_200 = AuthResponse.from_dict(response.json())



        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())



        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())



        return response_401

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
    body: LoginSecondStepWithCode | LoginSecondStepWithPasskey | LoginSecondStepWithRecoveryCode,

) -> Response[AuthResponse | ErrorBody]:
    """ The second step of a login with two-factor authentication: the `mfaToken` and a TOTP or recovery
    code, or
    a passkey of the account (`challengeId` from `POST /v1/auth/login/2fa/passkey-options` and
    `credential`,
    an `AuthenticationResponseJSON`).

     A failed passkey assertion gets `401` `passkey:invalid_response` and counts as a wrong code toward
    the five.

    A TOTP code is accepted once; five wrong codes invalidate the `mfaToken`. Wrong codes also count per
    account,
    across mfaTokens and client addresses: past `ACCOUNTD_RATE_LIMIT__SECOND_FACTOR_FAILURES` (10) in
    the login
    window this step answers `429` for the account, the right code included, and the owner is mailed
    once.

    Args:
        body (LoginSecondStepWithCode | LoginSecondStepWithPasskey |
            LoginSecondStepWithRecoveryCode): `{"mfaToken", "code"}`, `{"mfaToken", "recoveryCode"}`
            or, with a passkey,
            `{"mfaToken", "challengeId", "credential"}`.

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
    body: LoginSecondStepWithCode | LoginSecondStepWithPasskey | LoginSecondStepWithRecoveryCode,

) -> AuthResponse | ErrorBody | None:
    """ The second step of a login with two-factor authentication: the `mfaToken` and a TOTP or recovery
    code, or
    a passkey of the account (`challengeId` from `POST /v1/auth/login/2fa/passkey-options` and
    `credential`,
    an `AuthenticationResponseJSON`).

     A failed passkey assertion gets `401` `passkey:invalid_response` and counts as a wrong code toward
    the five.

    A TOTP code is accepted once; five wrong codes invalidate the `mfaToken`. Wrong codes also count per
    account,
    across mfaTokens and client addresses: past `ACCOUNTD_RATE_LIMIT__SECOND_FACTOR_FAILURES` (10) in
    the login
    window this step answers `429` for the account, the right code included, and the owner is mailed
    once.

    Args:
        body (LoginSecondStepWithCode | LoginSecondStepWithPasskey |
            LoginSecondStepWithRecoveryCode): `{"mfaToken", "code"}`, `{"mfaToken", "recoveryCode"}`
            or, with a passkey,
            `{"mfaToken", "challengeId", "credential"}`.

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
    body: LoginSecondStepWithCode | LoginSecondStepWithPasskey | LoginSecondStepWithRecoveryCode,

) -> Response[AuthResponse | ErrorBody]:
    """ The second step of a login with two-factor authentication: the `mfaToken` and a TOTP or recovery
    code, or
    a passkey of the account (`challengeId` from `POST /v1/auth/login/2fa/passkey-options` and
    `credential`,
    an `AuthenticationResponseJSON`).

     A failed passkey assertion gets `401` `passkey:invalid_response` and counts as a wrong code toward
    the five.

    A TOTP code is accepted once; five wrong codes invalidate the `mfaToken`. Wrong codes also count per
    account,
    across mfaTokens and client addresses: past `ACCOUNTD_RATE_LIMIT__SECOND_FACTOR_FAILURES` (10) in
    the login
    window this step answers `429` for the account, the right code included, and the owner is mailed
    once.

    Args:
        body (LoginSecondStepWithCode | LoginSecondStepWithPasskey |
            LoginSecondStepWithRecoveryCode): `{"mfaToken", "code"}`, `{"mfaToken", "recoveryCode"}`
            or, with a passkey,
            `{"mfaToken", "challengeId", "credential"}`.

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
    body: LoginSecondStepWithCode | LoginSecondStepWithPasskey | LoginSecondStepWithRecoveryCode,

) -> AuthResponse | ErrorBody | None:
    """ The second step of a login with two-factor authentication: the `mfaToken` and a TOTP or recovery
    code, or
    a passkey of the account (`challengeId` from `POST /v1/auth/login/2fa/passkey-options` and
    `credential`,
    an `AuthenticationResponseJSON`).

     A failed passkey assertion gets `401` `passkey:invalid_response` and counts as a wrong code toward
    the five.

    A TOTP code is accepted once; five wrong codes invalidate the `mfaToken`. Wrong codes also count per
    account,
    across mfaTokens and client addresses: past `ACCOUNTD_RATE_LIMIT__SECOND_FACTOR_FAILURES` (10) in
    the login
    window this step answers `429` for the account, the right code included, and the owner is mailed
    once.

    Args:
        body (LoginSecondStepWithCode | LoginSecondStepWithPasskey |
            LoginSecondStepWithRecoveryCode): `{"mfaToken", "code"}`, `{"mfaToken", "recoveryCode"}`
            or, with a passkey,
            `{"mfaToken", "challengeId", "credential"}`.

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
