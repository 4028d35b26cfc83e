from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.auth_response import AuthResponse
from ...models.error_body import ErrorBody
from ...models.login_request import LoginRequest
from ...models.mfa_required import MfaRequired
from typing import cast



def _get_kwargs(
    *,
    body: LoginRequest,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/auth/login",
    }

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

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())



        return response_401

    if response.status_code == 403:
        response_403 = ErrorBody.from_dict(response.json())



        return response_403

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
    body: LoginRequest,

) -> Response[AuthResponse | MfaRequired | ErrorBody]:
    """ Signs in with an email or username and a password.

     Accounts with two-factor authentication answer `{"mfaRequired": true, "mfaToken", "methods"}`
    instead of
    a session (no cookie); the login finishes at `POST /v1/auth/login/2fa`.

    Failed logins are counted per account and client prefix (an IPv4 address or an IPv6 /64,
    `ACCOUNTD_RATE_LIMIT__IPV6_PREFIX`): past `ACCOUNTD_RATE_LIMIT__LOGIN_FAILURES` (10) in the window
    (15 minutes)
    that prefix gets `429` for the account, so a stranger failing on purpose does not lock the owner out
    from
    elsewhere. Guessing spread over many prefixes is bounded by an account-wide ceiling
    (`ACCOUNTD_RATE_LIMIT__ACCOUNT_LOGIN_FAILURES`, 100): past it every prefix gets `429` until the
    window passes,
    and the owner gets one mail per lock (not one per failure). Identifiers no account has are counted
    the same
    way (stored only as a hash) and answer the same, `401` then `429`, so the limit reveals nothing.

    Args:
        body (LoginRequest):

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
    body: LoginRequest,

) -> AuthResponse | MfaRequired | ErrorBody | None:
    """ Signs in with an email or username and a password.

     Accounts with two-factor authentication answer `{"mfaRequired": true, "mfaToken", "methods"}`
    instead of
    a session (no cookie); the login finishes at `POST /v1/auth/login/2fa`.

    Failed logins are counted per account and client prefix (an IPv4 address or an IPv6 /64,
    `ACCOUNTD_RATE_LIMIT__IPV6_PREFIX`): past `ACCOUNTD_RATE_LIMIT__LOGIN_FAILURES` (10) in the window
    (15 minutes)
    that prefix gets `429` for the account, so a stranger failing on purpose does not lock the owner out
    from
    elsewhere. Guessing spread over many prefixes is bounded by an account-wide ceiling
    (`ACCOUNTD_RATE_LIMIT__ACCOUNT_LOGIN_FAILURES`, 100): past it every prefix gets `429` until the
    window passes,
    and the owner gets one mail per lock (not one per failure). Identifiers no account has are counted
    the same
    way (stored only as a hash) and answer the same, `401` then `429`, so the limit reveals nothing.

    Args:
        body (LoginRequest):

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
    body: LoginRequest,

) -> Response[AuthResponse | MfaRequired | ErrorBody]:
    """ Signs in with an email or username and a password.

     Accounts with two-factor authentication answer `{"mfaRequired": true, "mfaToken", "methods"}`
    instead of
    a session (no cookie); the login finishes at `POST /v1/auth/login/2fa`.

    Failed logins are counted per account and client prefix (an IPv4 address or an IPv6 /64,
    `ACCOUNTD_RATE_LIMIT__IPV6_PREFIX`): past `ACCOUNTD_RATE_LIMIT__LOGIN_FAILURES` (10) in the window
    (15 minutes)
    that prefix gets `429` for the account, so a stranger failing on purpose does not lock the owner out
    from
    elsewhere. Guessing spread over many prefixes is bounded by an account-wide ceiling
    (`ACCOUNTD_RATE_LIMIT__ACCOUNT_LOGIN_FAILURES`, 100): past it every prefix gets `429` until the
    window passes,
    and the owner gets one mail per lock (not one per failure). Identifiers no account has are counted
    the same
    way (stored only as a hash) and answer the same, `401` then `429`, so the limit reveals nothing.

    Args:
        body (LoginRequest):

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
    body: LoginRequest,

) -> AuthResponse | MfaRequired | ErrorBody | None:
    """ Signs in with an email or username and a password.

     Accounts with two-factor authentication answer `{"mfaRequired": true, "mfaToken", "methods"}`
    instead of
    a session (no cookie); the login finishes at `POST /v1/auth/login/2fa`.

    Failed logins are counted per account and client prefix (an IPv4 address or an IPv6 /64,
    `ACCOUNTD_RATE_LIMIT__IPV6_PREFIX`): past `ACCOUNTD_RATE_LIMIT__LOGIN_FAILURES` (10) in the window
    (15 minutes)
    that prefix gets `429` for the account, so a stranger failing on purpose does not lock the owner out
    from
    elsewhere. Guessing spread over many prefixes is bounded by an account-wide ceiling
    (`ACCOUNTD_RATE_LIMIT__ACCOUNT_LOGIN_FAILURES`, 100): past it every prefix gets `429` until the
    window passes,
    and the owner gets one mail per lock (not one per failure). Identifiers no account has are counted
    the same
    way (stored only as a hash) and answer the same, `401` then `429`, so the limit reveals nothing.

    Args:
        body (LoginRequest):

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
