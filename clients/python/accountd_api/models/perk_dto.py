from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.perk_progress_dto import PerkProgressDto





T = TypeVar("T", bound="PerkDto")



@_attrs_define
class PerkDto:
    """ 
        Attributes:
            description (str):
            eligible (bool):
            id (str):
            name (str):
            progress (PerkProgressDto):
            stale (bool): `true` when a refresh got no answer from the provider in time (or the provider
                is not linked): the progress is the last known one.
            checked_at (datetime.datetime | None | Unset): When the provider last answered for this perk; `null` for perks
                computed here
                (referrals, account age) and provider perks never checked.
     """

    description: str
    eligible: bool
    id: str
    name: str
    progress: PerkProgressDto
    stale: bool
    checked_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.perk_progress_dto import PerkProgressDto # noqa: PLC0415
        description = self.description

        eligible = self.eligible

        id = self.id

        name = self.name

        progress = self.progress.to_dict()

        stale = self.stale

        checked_at: None | str | Unset
        if isinstance(self.checked_at, Unset):
            checked_at = UNSET
        elif isinstance(self.checked_at, datetime.datetime):
            checked_at = self.checked_at.isoformat()
        else:
            checked_at = self.checked_at


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "description": description,
            "eligible": eligible,
            "id": id,
            "name": name,
            "progress": progress,
            "stale": stale,
        })
        if checked_at is not UNSET:
            field_dict["checkedAt"] = checked_at

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.perk_progress_dto import PerkProgressDto # noqa: PLC0415
        d = dict(src_dict)
        description = d.pop("description")

        eligible = d.pop("eligible")

        id = d.pop("id")

        name = d.pop("name")

        progress = PerkProgressDto.from_dict(d.pop("progress"))




        stale = d.pop("stale")

        def _parse_checked_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                checked_at_type_0 = datetime.datetime.fromisoformat(data)



                return checked_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        checked_at = _parse_checked_at(d.pop("checkedAt", UNSET))


        perk_dto = cls(
            description=description,
            eligible=eligible,
            id=id,
            name=name,
            progress=progress,
            stale=stale,
            checked_at=checked_at,
        )


        perk_dto.additional_properties = d
        return perk_dto

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
