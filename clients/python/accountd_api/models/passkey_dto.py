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






T = TypeVar("T", bound="PasskeyDto")



@_attrs_define
class PasskeyDto:
    """ `Passkey`: `id` is accountd's id, not the credential id.

        Attributes:
            backed_up (bool): The authenticator said the credential is backed up (synced to other devices).
            created_at (datetime.datetime):
            id (UUID):
            name (str):
            transports (list[str]): As the authenticator reported them (`internal`, `usb`, `hybrid`, ...).
            last_used_at (datetime.datetime | None | Unset):
     """

    backed_up: bool
    created_at: datetime.datetime
    id: UUID
    name: str
    transports: list[str]
    last_used_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        backed_up = self.backed_up

        created_at = self.created_at.isoformat()

        id = str(self.id)

        name = self.name

        transports = self.transports



        last_used_at: None | str | Unset
        if isinstance(self.last_used_at, Unset):
            last_used_at = UNSET
        elif isinstance(self.last_used_at, datetime.datetime):
            last_used_at = self.last_used_at.isoformat()
        else:
            last_used_at = self.last_used_at


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "backedUp": backed_up,
            "createdAt": created_at,
            "id": id,
            "name": name,
            "transports": transports,
        })
        if last_used_at is not UNSET:
            field_dict["lastUsedAt"] = last_used_at

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        backed_up = d.pop("backedUp")

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))




        id = UUID(d.pop("id"))




        name = d.pop("name")

        transports = cast(list[str], d.pop("transports"))


        def _parse_last_used_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_used_at_type_0 = datetime.datetime.fromisoformat(data)



                return last_used_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_used_at = _parse_last_used_at(d.pop("lastUsedAt", UNSET))


        passkey_dto = cls(
            backed_up=backed_up,
            created_at=created_at,
            id=id,
            name=name,
            transports=transports,
            last_used_at=last_used_at,
        )


        passkey_dto.additional_properties = d
        return passkey_dto

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
