from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.error_body import ErrorBody
from ...models.profile import Profile
from ...models.update_profile_request import UpdateProfileRequest
from typing import cast



def _get_kwargs(
    *,
    body: UpdateProfileRequest,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/me",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | Profile | None:
    if response.status_code == 200:
        response_200 = Profile.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorBody | Profile]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: UpdateProfileRequest,

) -> Response[ErrorBody | Profile]:
    """ Changes the profile. Absent fields stay; `preferences` and `notifications` change only the fields
    given.

     `displayName` and `bio` are NFC-normalised and refuse control characters (line feeds
    are allowed in `bio`), bidirectional overrides and isolates, zero-width characters
    other than U+200D, and byte-order marks. `discordWebhookUrl` must be an https URL
    without a user name or password; a host that is `localhost` (or under it), or an
    address that is loopback, private (RFC 1918, unique local), carrier-grade NAT,
    link-local, cloud metadata, unspecified, multicast, broadcast, documentation or
    reserved (IPv4-mapped and other embedding forms included), or a name that resolves to
    one, gets `webhook:forbidden_target`. `webhooks.allow_private_targets` opens the
    loopback, private and carrier-grade NAT ranges (never `localhost`, link-local or
    metadata). A name that does not resolve when it is saved is accepted; every delivery
    resolves and checks it again and connects only to the address it checked.

    Args:
        body (UpdateProfileRequest): Any of the fields; absent fields stay as they are, `null`
            clears the nullable ones.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | Profile]
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
    body: UpdateProfileRequest,

) -> ErrorBody | Profile | None:
    """ Changes the profile. Absent fields stay; `preferences` and `notifications` change only the fields
    given.

     `displayName` and `bio` are NFC-normalised and refuse control characters (line feeds
    are allowed in `bio`), bidirectional overrides and isolates, zero-width characters
    other than U+200D, and byte-order marks. `discordWebhookUrl` must be an https URL
    without a user name or password; a host that is `localhost` (or under it), or an
    address that is loopback, private (RFC 1918, unique local), carrier-grade NAT,
    link-local, cloud metadata, unspecified, multicast, broadcast, documentation or
    reserved (IPv4-mapped and other embedding forms included), or a name that resolves to
    one, gets `webhook:forbidden_target`. `webhooks.allow_private_targets` opens the
    loopback, private and carrier-grade NAT ranges (never `localhost`, link-local or
    metadata). A name that does not resolve when it is saved is accepted; every delivery
    resolves and checks it again and connects only to the address it checked.

    Args:
        body (UpdateProfileRequest): Any of the fields; absent fields stay as they are, `null`
            clears the nullable ones.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | Profile
     """


    return sync_detailed(
        client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: UpdateProfileRequest,

) -> Response[ErrorBody | Profile]:
    """ Changes the profile. Absent fields stay; `preferences` and `notifications` change only the fields
    given.

     `displayName` and `bio` are NFC-normalised and refuse control characters (line feeds
    are allowed in `bio`), bidirectional overrides and isolates, zero-width characters
    other than U+200D, and byte-order marks. `discordWebhookUrl` must be an https URL
    without a user name or password; a host that is `localhost` (or under it), or an
    address that is loopback, private (RFC 1918, unique local), carrier-grade NAT,
    link-local, cloud metadata, unspecified, multicast, broadcast, documentation or
    reserved (IPv4-mapped and other embedding forms included), or a name that resolves to
    one, gets `webhook:forbidden_target`. `webhooks.allow_private_targets` opens the
    loopback, private and carrier-grade NAT ranges (never `localhost`, link-local or
    metadata). A name that does not resolve when it is saved is accepted; every delivery
    resolves and checks it again and connects only to the address it checked.

    Args:
        body (UpdateProfileRequest): Any of the fields; absent fields stay as they are, `null`
            clears the nullable ones.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | Profile]
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
    body: UpdateProfileRequest,

) -> ErrorBody | Profile | None:
    """ Changes the profile. Absent fields stay; `preferences` and `notifications` change only the fields
    given.

     `displayName` and `bio` are NFC-normalised and refuse control characters (line feeds
    are allowed in `bio`), bidirectional overrides and isolates, zero-width characters
    other than U+200D, and byte-order marks. `discordWebhookUrl` must be an https URL
    without a user name or password; a host that is `localhost` (or under it), or an
    address that is loopback, private (RFC 1918, unique local), carrier-grade NAT,
    link-local, cloud metadata, unspecified, multicast, broadcast, documentation or
    reserved (IPv4-mapped and other embedding forms included), or a name that resolves to
    one, gets `webhook:forbidden_target`. `webhooks.allow_private_targets` opens the
    loopback, private and carrier-grade NAT ranges (never `localhost`, link-local or
    metadata). A name that does not resolve when it is saved is accepted; every delivery
    resolves and checks it again and connects only to the address it checked.

    Args:
        body (UpdateProfileRequest): Any of the fields; absent fields stay as they are, `null`
            clears the nullable ones.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | Profile
     """


    return (await asyncio_detailed(
        client=client,
body=body,

    )).parsed
