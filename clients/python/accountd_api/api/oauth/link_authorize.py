from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.authorize_url import AuthorizeUrl
from ...models.error_body import ErrorBody
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
        "method": "post",
        "url": "/v1/me/linked-accounts/{provider}/authorize".format(provider=quote(str(provider), safe=""),),
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> AuthorizeUrl | ErrorBody | None:
    if response.status_code == 200:
        response_200 = AuthorizeUrl.from_dict(response.json())



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

    if response.status_code == 507:
        response_507 = ErrorBody.from_dict(response.json())



        return response_507

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[AuthorizeUrl | ErrorBody]:
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

) -> Response[AuthorizeUrl | ErrorBody]:
    """ The provider's authorization URL to link an identity to the account.

     The `state` in it finishes only with the credential (session or personal access token)
    that asked for it.

    Args:
        provider (str):
        redirect_uri (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuthorizeUrl | ErrorBody]
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

) -> AuthorizeUrl | ErrorBody | None:
    """ The provider's authorization URL to link an identity to the account.

     The `state` in it finishes only with the credential (session or personal access token)
    that asked for it.

    Args:
        provider (str):
        redirect_uri (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuthorizeUrl | ErrorBody
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

) -> Response[AuthorizeUrl | ErrorBody]:
    """ The provider's authorization URL to link an identity to the account.

     The `state` in it finishes only with the credential (session or personal access token)
    that asked for it.

    Args:
        provider (str):
        redirect_uri (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuthorizeUrl | ErrorBody]
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

) -> AuthorizeUrl | ErrorBody | None:
    """ The provider's authorization URL to link an identity to the account.

     The `state` in it finishes only with the credential (session or personal access token)
    that asked for it.

    Args:
        provider (str):
        redirect_uri (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuthorizeUrl | ErrorBody
     """


    return (await asyncio_detailed(
        provider=provider,
client=client,
redirect_uri=redirect_uri,

    )).parsed
