from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.usage_dto import UsageDto





T = TypeVar("T", bound="LimitsDto")



@_attrs_define
class LimitsDto:
    """ 
        Attributes:
            additional_addresses (UsageDto):
            personal_access_tokens (UsageDto):
            sessions (UsageDto):
            storage (UsageDto):
     """

    additional_addresses: UsageDto
    personal_access_tokens: UsageDto
    sessions: UsageDto
    storage: UsageDto
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.usage_dto import UsageDto # noqa: PLC0415
        additional_addresses = self.additional_addresses.to_dict()

        personal_access_tokens = self.personal_access_tokens.to_dict()

        sessions = self.sessions.to_dict()

        storage = self.storage.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "additionalAddresses": additional_addresses,
            "personalAccessTokens": personal_access_tokens,
            "sessions": sessions,
            "storage": storage,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage_dto import UsageDto # noqa: PLC0415
        d = dict(src_dict)
        additional_addresses = UsageDto.from_dict(d.pop("additionalAddresses"))




        personal_access_tokens = UsageDto.from_dict(d.pop("personalAccessTokens"))




        sessions = UsageDto.from_dict(d.pop("sessions"))




        storage = UsageDto.from_dict(d.pop("storage"))




        limits_dto = cls(
            additional_addresses=additional_addresses,
            personal_access_tokens=personal_access_tokens,
            sessions=sessions,
            storage=storage,
        )


        limits_dto.additional_properties = d
        return limits_dto

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
