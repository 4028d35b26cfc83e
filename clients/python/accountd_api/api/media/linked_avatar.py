from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.avatar_url import AvatarUrl
from ...models.error_body import ErrorBody
from ...models.linked_avatar_request import LinkedAvatarRequest
from typing import cast



def _get_kwargs(
    *,
    body: LinkedAvatarRequest,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/me/avatar/linked",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> AvatarUrl | ErrorBody | None:
    if response.status_code == 200:
        response_200 = AvatarUrl.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[AvatarUrl | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: LinkedAvatarRequest,

) -> Response[AvatarUrl | ErrorBody]:
    """ Sets the avatar from the picture of the account's identity at a linked provider.

     The server fetches the provider's picture URL itself: https only, through the same
    guard as webhooks (no loopback, private, link-local or metadata addresses unless
    `webhooks.allow_private_targets`; every redirect is checked again, at most three),
    within 10 seconds and 5 MiB, and then takes it in exactly as an upload.

    Args:
        body (LinkedAvatarRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AvatarUrl | ErrorBody]
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
    body: LinkedAvatarRequest,

) -> AvatarUrl | ErrorBody | None:
    """ Sets the avatar from the picture of the account's identity at a linked provider.

     The server fetches the provider's picture URL itself: https only, through the same
    guard as webhooks (no loopback, private, link-local or metadata addresses unless
    `webhooks.allow_private_targets`; every redirect is checked again, at most three),
    within 10 seconds and 5 MiB, and then takes it in exactly as an upload.

    Args:
        body (LinkedAvatarRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AvatarUrl | ErrorBody
     """


    return sync_detailed(
        client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: LinkedAvatarRequest,

) -> Response[AvatarUrl | ErrorBody]:
    """ Sets the avatar from the picture of the account's identity at a linked provider.

     The server fetches the provider's picture URL itself: https only, through the same
    guard as webhooks (no loopback, private, link-local or metadata addresses unless
    `webhooks.allow_private_targets`; every redirect is checked again, at most three),
    within 10 seconds and 5 MiB, and then takes it in exactly as an upload.

    Args:
        body (LinkedAvatarRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AvatarUrl | ErrorBody]
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
    body: LinkedAvatarRequest,

) -> AvatarUrl | ErrorBody | None:
    """ Sets the avatar from the picture of the account's identity at a linked provider.

     The server fetches the provider's picture URL itself: https only, through the same
    guard as webhooks (no loopback, private, link-local or metadata addresses unless
    `webhooks.allow_private_targets`; every redirect is checked again, at most three),
    within 10 seconds and 5 MiB, and then takes it in exactly as an upload.

    Args:
        body (LinkedAvatarRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AvatarUrl | ErrorBody
     """


    return (await asyncio_detailed(
        client=client,
body=body,

    )).parsed
