from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime






T = TypeVar("T", bound="LinkedAccountDto")



@_attrs_define
class LinkedAccountDto:
    """ An identity at a social login provider linked to the account.

        Attributes:
            linked_at (datetime.datetime):
            provider (str):
            provider_user_id (str):
            avatar_url (None | str | Unset):
            email (None | str | Unset):
            username (None | str | Unset):
     """

    linked_at: datetime.datetime
    provider: str
    provider_user_id: str
    avatar_url: None | str | Unset = UNSET
    email: None | str | Unset = UNSET
    username: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        linked_at = self.linked_at.isoformat()

        provider = self.provider

        provider_user_id = self.provider_user_id

        avatar_url: None | str | Unset
        if isinstance(self.avatar_url, Unset):
            avatar_url = UNSET
        else:
            avatar_url = self.avatar_url

        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

        username: None | str | Unset
        if isinstance(self.username, Unset):
            username = UNSET
        else:
            username = self.username


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "linkedAt": linked_at,
            "provider": provider,
            "providerUserId": provider_user_id,
        })
        if avatar_url is not UNSET:
            field_dict["avatarUrl"] = avatar_url
        if email is not UNSET:
            field_dict["email"] = email
        if username is not UNSET:
            field_dict["username"] = username

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        linked_at = datetime.datetime.fromisoformat(d.pop("linkedAt"))




        provider = d.pop("provider")

        provider_user_id = d.pop("providerUserId")

        def _parse_avatar_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        avatar_url = _parse_avatar_url(d.pop("avatarUrl", UNSET))


        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))


        def _parse_username(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        username = _parse_username(d.pop("username", UNSET))


        linked_account_dto = cls(
            linked_at=linked_at,
            provider=provider,
            provider_user_id=provider_user_id,
            avatar_url=avatar_url,
            email=email,
            username=username,
        )


        linked_account_dto.additional_properties = d
        return linked_account_dto

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
