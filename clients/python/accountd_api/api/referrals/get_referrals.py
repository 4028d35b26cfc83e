from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.error_body import ErrorBody
from ...models.get_referrals_view import GetReferralsView
from ...models.list_of_referral_history_entry import ListOfReferralHistoryEntry
from ...models.referral_link_dto import ReferralLinkDto
from ...models.referral_stats_dto import ReferralStatsDto
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    view: GetReferralsView | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    json_view: str | Unset = UNSET
    if not isinstance(view, Unset):
        json_view = view.value

    params["view"] = json_view

    params["limit"] = limit

    params["offset"] = offset


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/me/referrals",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | ListOfReferralHistoryEntry | ReferralLinkDto | ReferralStatsDto | None:
    if response.status_code == 200:
        def _parse_response_200(data: object) -> ListOfReferralHistoryEntry | ReferralLinkDto | ReferralStatsDto:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_referrals_answer_type_0 = ReferralLinkDto.from_dict(data)



                return componentsschemas_referrals_answer_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_referrals_answer_type_1 = ReferralStatsDto.from_dict(data)



                return componentsschemas_referrals_answer_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_referrals_answer_type_2 = ListOfReferralHistoryEntry.from_dict(data)



            return componentsschemas_referrals_answer_type_2

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorBody | ListOfReferralHistoryEntry | ReferralLinkDto | ReferralStatsDto]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    view: GetReferralsView | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,

) -> Response[ErrorBody | ListOfReferralHistoryEntry | ReferralLinkDto | ReferralStatsDto]:
    """ The account's referral code and its link; with `view=stats` the number of accounts
    referred and the credits they earned; with `view=history` those accounts, newest
    first (paged with `limit` and `offset`). An account without a code (made by social
    sign-up or the command line) gets one on its first read.

    Args:
        view (GetReferralsView | Unset): Which view of `GET /v1/me/referrals`.
        limit (int | Unset):
        offset (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | ListOfReferralHistoryEntry | ReferralLinkDto | ReferralStatsDto]
     """


    kwargs = _get_kwargs(
        view=view,
limit=limit,
offset=offset,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    view: GetReferralsView | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,

) -> ErrorBody | ListOfReferralHistoryEntry | ReferralLinkDto | ReferralStatsDto | None:
    """ The account's referral code and its link; with `view=stats` the number of accounts
    referred and the credits they earned; with `view=history` those accounts, newest
    first (paged with `limit` and `offset`). An account without a code (made by social
    sign-up or the command line) gets one on its first read.

    Args:
        view (GetReferralsView | Unset): Which view of `GET /v1/me/referrals`.
        limit (int | Unset):
        offset (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | ListOfReferralHistoryEntry | ReferralLinkDto | ReferralStatsDto
     """


    return sync_detailed(
        client=client,
view=view,
limit=limit,
offset=offset,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    view: GetReferralsView | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,

) -> Response[ErrorBody | ListOfReferralHistoryEntry | ReferralLinkDto | ReferralStatsDto]:
    """ The account's referral code and its link; with `view=stats` the number of accounts
    referred and the credits they earned; with `view=history` those accounts, newest
    first (paged with `limit` and `offset`). An account without a code (made by social
    sign-up or the command line) gets one on its first read.

    Args:
        view (GetReferralsView | Unset): Which view of `GET /v1/me/referrals`.
        limit (int | Unset):
        offset (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | ListOfReferralHistoryEntry | ReferralLinkDto | ReferralStatsDto]
     """


    kwargs = _get_kwargs(
        view=view,
limit=limit,
offset=offset,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    view: GetReferralsView | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,

) -> ErrorBody | ListOfReferralHistoryEntry | ReferralLinkDto | ReferralStatsDto | None:
    """ The account's referral code and its link; with `view=stats` the number of accounts
    referred and the credits they earned; with `view=history` those accounts, newest
    first (paged with `limit` and `offset`). An account without a code (made by social
    sign-up or the command line) gets one on its first read.

    Args:
        view (GetReferralsView | Unset): Which view of `GET /v1/me/referrals`.
        limit (int | Unset):
        offset (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | ListOfReferralHistoryEntry | ReferralLinkDto | ReferralStatsDto
     """


    return (await asyncio_detailed(
        client=client,
view=view,
limit=limit,
offset=offset,

    )).parsed
