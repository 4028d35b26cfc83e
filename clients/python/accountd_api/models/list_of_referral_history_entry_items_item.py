from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime






T = TypeVar("T", bound="ListOfReferralHistoryEntryItemsItem")



@_attrs_define
class ListOfReferralHistoryEntryItemsItem:
    """ An account registered with the code.

        Attributes:
            joined_at (datetime.datetime):
            reward (int):
            username (None | str | Unset): `null` once that account is deleted (the referral and its reward stay).
     """

    joined_at: datetime.datetime
    reward: int
    username: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        joined_at = self.joined_at.isoformat()

        reward = self.reward

        username: None | str | Unset
        if isinstance(self.username, Unset):
            username = UNSET
        else:
            username = self.username


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "joinedAt": joined_at,
            "reward": reward,
        })
        if username is not UNSET:
            field_dict["username"] = username

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        joined_at = datetime.datetime.fromisoformat(d.pop("joinedAt"))




        reward = d.pop("reward")

        def _parse_username(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        username = _parse_username(d.pop("username", UNSET))


        list_of_referral_history_entry_items_item = cls(
            joined_at=joined_at,
            reward=reward,
            username=username,
        )


        list_of_referral_history_entry_items_item.additional_properties = d
        return list_of_referral_history_entry_items_item

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
