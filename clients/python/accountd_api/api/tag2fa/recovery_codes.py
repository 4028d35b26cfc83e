from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.error_body import ErrorBody
from ...models.recovery_codes_status import RecoveryCodesStatus
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    include_codes: bool | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["includeCodes"] = include_codes


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/me/2fa/recovery-codes",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | RecoveryCodesStatus | None:
    if response.status_code == 200:
        response_200 = RecoveryCodesStatus.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorBody | RecoveryCodesStatus]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    include_codes: bool | Unset = UNSET,

) -> Response[ErrorBody | RecoveryCodesStatus]:
    """ How many recovery codes are left; `includeCodes=true` shows them to a session, the first time it is
    asked
    within 15 minutes of their generation.

     A personal access token asking with `includeCodes=true` gets `403` `auth:session_required`, and the
    codes stay
    unshown.

    Args:
        include_codes (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | RecoveryCodesStatus]
     """


    kwargs = _get_kwargs(
        include_codes=include_codes,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    include_codes: bool | Unset = UNSET,

) -> ErrorBody | RecoveryCodesStatus | None:
    """ How many recovery codes are left; `includeCodes=true` shows them to a session, the first time it is
    asked
    within 15 minutes of their generation.

     A personal access token asking with `includeCodes=true` gets `403` `auth:session_required`, and the
    codes stay
    unshown.

    Args:
        include_codes (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | RecoveryCodesStatus
     """


    return sync_detailed(
        client=client,
include_codes=include_codes,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    include_codes: bool | Unset = UNSET,

) -> Response[ErrorBody | RecoveryCodesStatus]:
    """ How many recovery codes are left; `includeCodes=true` shows them to a session, the first time it is
    asked
    within 15 minutes of their generation.

     A personal access token asking with `includeCodes=true` gets `403` `auth:session_required`, and the
    codes stay
    unshown.

    Args:
        include_codes (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | RecoveryCodesStatus]
     """


    kwargs = _get_kwargs(
        include_codes=include_codes,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    include_codes: bool | Unset = UNSET,

) -> ErrorBody | RecoveryCodesStatus | None:
    """ How many recovery codes are left; `includeCodes=true` shows them to a session, the first time it is
    asked
    within 15 minutes of their generation.

     A personal access token asking with `includeCodes=true` gets `403` `auth:session_required`, and the
    codes stay
    unshown.

    Args:
        include_codes (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | RecoveryCodesStatus
     """


    return (await asyncio_detailed(
        client=client,
include_codes=include_codes,

    )).parsed
