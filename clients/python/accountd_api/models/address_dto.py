from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
from uuid import UUID
import datetime






T = TypeVar("T", bound="AddressDto")



@_attrs_define
class AddressDto:
    """ An additional email address of the account.

        Attributes:
            added_at (datetime.datetime):
            address (str):
            id (UUID):
            is_verified (bool):
            verified_at (datetime.datetime | None | Unset):
     """

    added_at: datetime.datetime
    address: str
    id: UUID
    is_verified: bool
    verified_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        added_at = self.added_at.isoformat()

        address = self.address

        id = str(self.id)

        is_verified = self.is_verified

        verified_at: None | str | Unset
        if isinstance(self.verified_at, Unset):
            verified_at = UNSET
        elif isinstance(self.verified_at, datetime.datetime):
            verified_at = self.verified_at.isoformat()
        else:
            verified_at = self.verified_at


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "addedAt": added_at,
            "address": address,
            "id": id,
            "isVerified": is_verified,
        })
        if verified_at is not UNSET:
            field_dict["verifiedAt"] = verified_at

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        added_at = datetime.datetime.fromisoformat(d.pop("addedAt"))




        address = d.pop("address")

        id = UUID(d.pop("id"))




        is_verified = d.pop("isVerified")

        def _parse_verified_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                verified_at_type_0 = datetime.datetime.fromisoformat(data)



                return verified_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        verified_at = _parse_verified_at(d.pop("verifiedAt", UNSET))


        address_dto = cls(
            added_at=added_at,
            address=address,
            id=id,
            is_verified=is_verified,
            verified_at=verified_at,
        )


        address_dto.additional_properties = d
        return address_dto

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
