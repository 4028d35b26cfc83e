from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.error_body import ErrorBody
from typing import cast



def _get_kwargs(
    key: str,

) -> dict[str, Any]:
    

    

    

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/media/{key}".format(key=quote(str(key), safe=""),),
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | ErrorBody | None:
    if response.status_code == 200:
        response_200 = cast(Any, None)
        return response_200

    if response.status_code == 304:
        response_304 = cast(Any, None)
        return response_304

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())



        return response_404

    if response.status_code == 414:
        response_414 = ErrorBody.from_dict(response.json())



        return response_414

    if response.status_code == 431:
        response_431 = ErrorBody.from_dict(response.json())



        return response_431

    if response.status_code == 503:
        response_503 = ErrorBody.from_dict(response.json())



        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    key: str,
    *,
    client: AuthenticatedClient,

) -> Response[Any | ErrorBody]:
    """ A stored picture. Public: the key is unguessable and the picture is on public profiles.

     Served with its type, an `ETag` (`If-None-Match` with it answers `304`), `Cache-Control:
    public, max-age=31536000, immutable` (the bytes under a key never change),
    `X-Content-Type-Options: nosniff` and `Content-Security-Policy: default-src 'none';
    sandbox`. Keys are made by the server (`{32 hex}-{16 hex}.{jpg|png|webp|gif}`); any other
    key, including one with `..`, `/` or encoded dots, is `404` without reading anything.

    Args:
        key (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorBody]
     """


    kwargs = _get_kwargs(
        key=key,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    key: str,
    *,
    client: AuthenticatedClient,

) -> Any | ErrorBody | None:
    """ A stored picture. Public: the key is unguessable and the picture is on public profiles.

     Served with its type, an `ETag` (`If-None-Match` with it answers `304`), `Cache-Control:
    public, max-age=31536000, immutable` (the bytes under a key never change),
    `X-Content-Type-Options: nosniff` and `Content-Security-Policy: default-src 'none';
    sandbox`. Keys are made by the server (`{32 hex}-{16 hex}.{jpg|png|webp|gif}`); any other
    key, including one with `..`, `/` or encoded dots, is `404` without reading anything.

    Args:
        key (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorBody
     """


    return sync_detailed(
        key=key,
client=client,

    ).parsed

async def asyncio_detailed(
    key: str,
    *,
    client: AuthenticatedClient,

) -> Response[Any | ErrorBody]:
    """ A stored picture. Public: the key is unguessable and the picture is on public profiles.

     Served with its type, an `ETag` (`If-None-Match` with it answers `304`), `Cache-Control:
    public, max-age=31536000, immutable` (the bytes under a key never change),
    `X-Content-Type-Options: nosniff` and `Content-Security-Policy: default-src 'none';
    sandbox`. Keys are made by the server (`{32 hex}-{16 hex}.{jpg|png|webp|gif}`); any other
    key, including one with `..`, `/` or encoded dots, is `404` without reading anything.

    Args:
        key (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorBody]
     """


    kwargs = _get_kwargs(
        key=key,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    key: str,
    *,
    client: AuthenticatedClient,

) -> Any | ErrorBody | None:
    """ A stored picture. Public: the key is unguessable and the picture is on public profiles.

     Served with its type, an `ETag` (`If-None-Match` with it answers `304`), `Cache-Control:
    public, max-age=31536000, immutable` (the bytes under a key never change),
    `X-Content-Type-Options: nosniff` and `Content-Security-Policy: default-src 'none';
    sandbox`. Keys are made by the server (`{32 hex}-{16 hex}.{jpg|png|webp|gif}`); any other
    key, including one with `..`, `/` or encoded dots, is `404` without reading anything.

    Args:
        key (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorBody
     """


    return (await asyncio_detailed(
        key=key,
client=client,

    )).parsed
