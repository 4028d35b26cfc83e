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
    
) -> dict[str, Any]:
    

    

    

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/me/activity/stream",
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | ErrorBody | None:
    if response.status_code == 200:
        response_200 = cast(Any, None)
        return response_200

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())



        return response_401

    if response.status_code == 403:
        response_403 = ErrorBody.from_dict(response.json())



        return response_403

    if response.status_code == 414:
        response_414 = ErrorBody.from_dict(response.json())



        return response_414

    if response.status_code == 429:
        response_429 = ErrorBody.from_dict(response.json())



        return response_429

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
    *,
    client: AuthenticatedClient,

) -> Response[Any | ErrorBody]:
    """ The account's activity as it happens (`text/event-stream`): events `activity` whose
    data is an `Activity` and whose `id` is a position in the server's feed. Reconnect with
    `Last-Event-ID` to receive what happened meanwhile, with no gap and no duplicate, for
    events of the last 24 hours; without it the stream starts with the next event. A
    comment is sent every `activity.stream_keep_alive_seconds` (15) while nothing happens.
    The stream ends when its session or token is revoked, the account is banned or
    deleted, the server shuts down, or the client falls `activity.stream_buffer_events`
    (64) events behind.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorBody]
     """


    kwargs = _get_kwargs(
        
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,

) -> Any | ErrorBody | None:
    """ The account's activity as it happens (`text/event-stream`): events `activity` whose
    data is an `Activity` and whose `id` is a position in the server's feed. Reconnect with
    `Last-Event-ID` to receive what happened meanwhile, with no gap and no duplicate, for
    events of the last 24 hours; without it the stream starts with the next event. A
    comment is sent every `activity.stream_keep_alive_seconds` (15) while nothing happens.
    The stream ends when its session or token is revoked, the account is banned or
    deleted, the server shuts down, or the client falls `activity.stream_buffer_events`
    (64) events behind.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorBody
     """


    return sync_detailed(
        client=client,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,

) -> Response[Any | ErrorBody]:
    """ The account's activity as it happens (`text/event-stream`): events `activity` whose
    data is an `Activity` and whose `id` is a position in the server's feed. Reconnect with
    `Last-Event-ID` to receive what happened meanwhile, with no gap and no duplicate, for
    events of the last 24 hours; without it the stream starts with the next event. A
    comment is sent every `activity.stream_keep_alive_seconds` (15) while nothing happens.
    The stream ends when its session or token is revoked, the account is banned or
    deleted, the server shuts down, or the client falls `activity.stream_buffer_events`
    (64) events behind.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorBody]
     """


    kwargs = _get_kwargs(
        
    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,

) -> Any | ErrorBody | None:
    """ The account's activity as it happens (`text/event-stream`): events `activity` whose
    data is an `Activity` and whose `id` is a position in the server's feed. Reconnect with
    `Last-Event-ID` to receive what happened meanwhile, with no gap and no duplicate, for
    events of the last 24 hours; without it the stream starts with the next event. A
    comment is sent every `activity.stream_keep_alive_seconds` (15) while nothing happens.
    The stream ends when its session or token is revoked, the account is banned or
    deleted, the server shuts down, or the client falls `activity.stream_buffer_events`
    (64) events behind.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorBody
     """


    return (await asyncio_detailed(
        client=client,

    )).parsed
