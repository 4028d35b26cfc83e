from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.auth_response import AuthResponse
from ...models.error_body import ErrorBody
from ...models.o_auth_login_request import OAuthLoginRequest
from ...models.signup_required import SignupRequired
from typing import cast



def _get_kwargs(
    provider: str,
    *,
    body: OAuthLoginRequest,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/auth/oauth/{provider}/login".format(provider=quote(str(provider), safe=""),),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> AuthResponse | SignupRequired | ErrorBody | None:
    if response.status_code == 200:
        def _parse_response_200(data: object) -> AuthResponse | SignupRequired:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_o_auth_login_response_type_0 = AuthResponse.from_dict(data)



                return componentsschemas_o_auth_login_response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_o_auth_login_response_type_1 = SignupRequired.from_dict(data)



            return componentsschemas_o_auth_login_response_type_1

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

    if response.status_code == 431:
        response_431 = ErrorBody.from_dict(response.json())



        return response_431

    if response.status_code == 502:
        response_502 = ErrorBody.from_dict(response.json())



        return response_502

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[AuthResponse | SignupRequired | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    provider: str,
    *,
    client: AuthenticatedClient,
    body: OAuthLoginRequest,

) -> Response[AuthResponse | SignupRequired | ErrorBody]:
    """ Finishes a login with the `code` and `state` the provider sent back.

     The state must come back with the `accountd_oauth` cookie or the `flow` value of the
    authorize answer; a state without either is refused and stays usable by its client. A
    linked identity signs in (`{"user", "session"}` and the cookie; accounts with two-factor
    authentication will answer `mfaRequired`); a new identity answers `signupRequired`.

    Args:
        provider (str):
        body (OAuthLoginRequest): What the provider sent back to the redirect URI, and the
            client's proof that it
            started the login.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuthResponse | SignupRequired | ErrorBody]
     """


    kwargs = _get_kwargs(
        provider=provider,
body=body,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    provider: str,
    *,
    client: AuthenticatedClient,
    body: OAuthLoginRequest,

) -> AuthResponse | SignupRequired | ErrorBody | None:
    """ Finishes a login with the `code` and `state` the provider sent back.

     The state must come back with the `accountd_oauth` cookie or the `flow` value of the
    authorize answer; a state without either is refused and stays usable by its client. A
    linked identity signs in (`{"user", "session"}` and the cookie; accounts with two-factor
    authentication will answer `mfaRequired`); a new identity answers `signupRequired`.

    Args:
        provider (str):
        body (OAuthLoginRequest): What the provider sent back to the redirect URI, and the
            client's proof that it
            started the login.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuthResponse | SignupRequired | ErrorBody
     """


    return sync_detailed(
        provider=provider,
client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    provider: str,
    *,
    client: AuthenticatedClient,
    body: OAuthLoginRequest,

) -> Response[AuthResponse | SignupRequired | ErrorBody]:
    """ Finishes a login with the `code` and `state` the provider sent back.

     The state must come back with the `accountd_oauth` cookie or the `flow` value of the
    authorize answer; a state without either is refused and stays usable by its client. A
    linked identity signs in (`{"user", "session"}` and the cookie; accounts with two-factor
    authentication will answer `mfaRequired`); a new identity answers `signupRequired`.

    Args:
        provider (str):
        body (OAuthLoginRequest): What the provider sent back to the redirect URI, and the
            client's proof that it
            started the login.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuthResponse | SignupRequired | ErrorBody]
     """


    kwargs = _get_kwargs(
        provider=provider,
body=body,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    provider: str,
    *,
    client: AuthenticatedClient,
    body: OAuthLoginRequest,

) -> AuthResponse | SignupRequired | ErrorBody | None:
    """ Finishes a login with the `code` and `state` the provider sent back.

     The state must come back with the `accountd_oauth` cookie or the `flow` value of the
    authorize answer; a state without either is refused and stays usable by its client. A
    linked identity signs in (`{"user", "session"}` and the cookie; accounts with two-factor
    authentication will answer `mfaRequired`); a new identity answers `signupRequired`.

    Args:
        provider (str):
        body (OAuthLoginRequest): What the provider sent back to the redirect URI, and the
            client's proof that it
            started the login.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuthResponse | SignupRequired | ErrorBody
     """


    return (await asyncio_detailed(
        provider=provider,
client=client,
body=body,

    )).parsed
