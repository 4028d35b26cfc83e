from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.auth_response import AuthResponse
from ...models.error_body import ErrorBody
from ...models.mfa_required import MfaRequired
from ...models.passkey_login_request import PasskeyLoginRequest
from typing import cast



def _get_kwargs(
    *,
    body: PasskeyLoginRequest,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/auth/passkey/login",
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
    body: PasskeyLoginRequest,

) -> Response[AuthResponse | MfaRequired | ErrorBody]:
    """ Logs in with a passkey. With user verification the login is multi-factor and never asks for the TOTP
    step;
    without, it counts as one factor and an account with two-factor gets the `mfaRequired` answer.

     The signature counter of a key registered without the backup-eligible flag must move forward (a
    cloned
    authenticator is refused); for backup-eligible (synced) keys it is not checked.

    Args:
        body (PasskeyLoginRequest): `{"challengeId", "credential"}`.

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
    body: PasskeyLoginRequest,

) -> AuthResponse | MfaRequired | ErrorBody | None:
    """ Logs in with a passkey. With user verification the login is multi-factor and never asks for the TOTP
    step;
    without, it counts as one factor and an account with two-factor gets the `mfaRequired` answer.

     The signature counter of a key registered without the backup-eligible flag must move forward (a
    cloned
    authenticator is refused); for backup-eligible (synced) keys it is not checked.

    Args:
        body (PasskeyLoginRequest): `{"challengeId", "credential"}`.

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
    body: PasskeyLoginRequest,

) -> Response[AuthResponse | MfaRequired | ErrorBody]:
    """ Logs in with a passkey. With user verification the login is multi-factor and never asks for the TOTP
    step;
    without, it counts as one factor and an account with two-factor gets the `mfaRequired` answer.

     The signature counter of a key registered without the backup-eligible flag must move forward (a
    cloned
    authenticator is refused); for backup-eligible (synced) keys it is not checked.

    Args:
        body (PasskeyLoginRequest): `{"challengeId", "credential"}`.

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
    body: PasskeyLoginRequest,

) -> AuthResponse | MfaRequired | ErrorBody | None:
    """ Logs in with a passkey. With user verification the login is multi-factor and never asks for the TOTP
    step;
    without, it counts as one factor and an account with two-factor gets the `mfaRequired` answer.

     The signature counter of a key registered without the backup-eligible flag must move forward (a
    cloned
    authenticator is refused); for backup-eligible (synced) keys it is not checked.

    Args:
        body (PasskeyLoginRequest): `{"challengeId", "credential"}`.

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
