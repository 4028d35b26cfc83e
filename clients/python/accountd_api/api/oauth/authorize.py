from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.error_body import ErrorBody
from ...models.login_authorization import LoginAuthorization
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    provider: str,
    *,
    redirect_uri: str | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["redirectUri"] = redirect_uri


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/auth/oauth/{provider}/authorize".format(provider=quote(str(provider), safe=""),),
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | LoginAuthorization | None:
    if response.status_code == 200:
        response_200 = LoginAuthorization.from_dict(response.json())



        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())



        return response_400

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())



        return response_404

    if response.status_code == 414:
        response_414 = ErrorBody.from_dict(response.json())



        return response_414

    if response.status_code == 431:
        response_431 = ErrorBody.from_dict(response.json())



        return response_431

    if response.status_code == 502:
        response_502 = ErrorBody.from_dict(response.json())



        return response_502

    if response.status_code == 503:
        response_503 = ErrorBody.from_dict(response.json())



        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorBody | LoginAuthorization]:
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
    redirect_uri: str | Unset = UNSET,

) -> Response[ErrorBody | LoginAuthorization]:
    """ The provider's authorization URL to send the user to, to log in or sign up.

     The `state` in it is single-use, expires in 10 minutes, and is accepted only from the
    client that asked: with the `accountd_oauth` cookie this answer sets (HttpOnly,
    SameSite=Lax, `Path=/v1/auth/oauth`, ten minutes, Secure when the public URL is https),
    or with the `flow` value of the answer.

    Args:
        provider (str):
        redirect_uri (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | LoginAuthorization]
     """


    kwargs = _get_kwargs(
        provider=provider,
redirect_uri=redirect_uri,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    provider: str,
    *,
    client: AuthenticatedClient,
    redirect_uri: str | Unset = UNSET,

) -> ErrorBody | LoginAuthorization | None:
    """ The provider's authorization URL to send the user to, to log in or sign up.

     The `state` in it is single-use, expires in 10 minutes, and is accepted only from the
    client that asked: with the `accountd_oauth` cookie this answer sets (HttpOnly,
    SameSite=Lax, `Path=/v1/auth/oauth`, ten minutes, Secure when the public URL is https),
    or with the `flow` value of the answer.

    Args:
        provider (str):
        redirect_uri (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | LoginAuthorization
     """


    return sync_detailed(
        provider=provider,
client=client,
redirect_uri=redirect_uri,

    ).parsed

async def asyncio_detailed(
    provider: str,
    *,
    client: AuthenticatedClient,
    redirect_uri: str | Unset = UNSET,

) -> Response[ErrorBody | LoginAuthorization]:
    """ The provider's authorization URL to send the user to, to log in or sign up.

     The `state` in it is single-use, expires in 10 minutes, and is accepted only from the
    client that asked: with the `accountd_oauth` cookie this answer sets (HttpOnly,
    SameSite=Lax, `Path=/v1/auth/oauth`, ten minutes, Secure when the public URL is https),
    or with the `flow` value of the answer.

    Args:
        provider (str):
        redirect_uri (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | LoginAuthorization]
     """


    kwargs = _get_kwargs(
        provider=provider,
redirect_uri=redirect_uri,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    provider: str,
    *,
    client: AuthenticatedClient,
    redirect_uri: str | Unset = UNSET,

) -> ErrorBody | LoginAuthorization | None:
    """ The provider's authorization URL to send the user to, to log in or sign up.

     The `state` in it is single-use, expires in 10 minutes, and is accepted only from the
    client that asked: with the `accountd_oauth` cookie this answer sets (HttpOnly,
    SameSite=Lax, `Path=/v1/auth/oauth`, ten minutes, Secure when the public URL is https),
    or with the `flow` value of the answer.

    Args:
        provider (str):
        redirect_uri (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | LoginAuthorization
     """


    return (await asyncio_detailed(
        provider=provider,
client=client,
redirect_uri=redirect_uri,

    )).parsed
