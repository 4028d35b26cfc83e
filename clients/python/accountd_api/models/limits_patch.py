from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="LimitsPatch")



@_attrs_define
class LimitsPatch:
    """ Overrides of an account's limits; `null` goes back to the configured default.

        Attributes:
            additional_addresses (int | None | Unset):
            personal_access_tokens (int | None | Unset):
            sessions (int | None | Unset):
            storage (int | None | Unset): Bytes.
     """

    additional_addresses: int | None | Unset = UNSET
    personal_access_tokens: int | None | Unset = UNSET
    sessions: int | None | Unset = UNSET
    storage: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        additional_addresses: int | None | Unset
        if isinstance(self.additional_addresses, Unset):
            additional_addresses = UNSET
        else:
            additional_addresses = self.additional_addresses

        personal_access_tokens: int | None | Unset
        if isinstance(self.personal_access_tokens, Unset):
            personal_access_tokens = UNSET
        else:
            personal_access_tokens = self.personal_access_tokens

        sessions: int | None | Unset
        if isinstance(self.sessions, Unset):
            sessions = UNSET
        else:
            sessions = self.sessions

        storage: int | None | Unset
        if isinstance(self.storage, Unset):
            storage = UNSET
        else:
            storage = self.storage


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if additional_addresses is not UNSET:
            field_dict["additionalAddresses"] = additional_addresses
        if personal_access_tokens is not UNSET:
            field_dict["personalAccessTokens"] = personal_access_tokens
        if sessions is not UNSET:
            field_dict["sessions"] = sessions
        if storage is not UNSET:
            field_dict["storage"] = storage

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        def _parse_additional_addresses(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        additional_addresses = _parse_additional_addresses(d.pop("additionalAddresses", UNSET))


        def _parse_personal_access_tokens(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        personal_access_tokens = _parse_personal_access_tokens(d.pop("personalAccessTokens", UNSET))


        def _parse_sessions(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        sessions = _parse_sessions(d.pop("sessions", UNSET))


        def _parse_storage(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        storage = _parse_storage(d.pop("storage", UNSET))


        limits_patch = cls(
            additional_addresses=additional_addresses,
            personal_access_tokens=personal_access_tokens,
            sessions=sessions,
            storage=storage,
        )


        limits_patch.additional_properties = d
        return limits_patch

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
