from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime






T = TypeVar("T", bound="RecoveryCodesStatus")



@_attrs_define
class RecoveryCodesStatus:
    """ 
        Attributes:
            remaining (int):
            total (int):
            codes (list[str] | None | Unset):
            generated_at (datetime.datetime | None | Unset):
     """

    remaining: int
    total: int
    codes: list[str] | None | Unset = UNSET
    generated_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        remaining = self.remaining

        total = self.total

        codes: list[str] | None | Unset
        if isinstance(self.codes, Unset):
            codes = UNSET
        elif isinstance(self.codes, list):
            codes = self.codes


        else:
            codes = self.codes

        generated_at: None | str | Unset
        if isinstance(self.generated_at, Unset):
            generated_at = UNSET
        elif isinstance(self.generated_at, datetime.datetime):
            generated_at = self.generated_at.isoformat()
        else:
            generated_at = self.generated_at


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "remaining": remaining,
            "total": total,
        })
        if codes is not UNSET:
            field_dict["codes"] = codes
        if generated_at is not UNSET:
            field_dict["generatedAt"] = generated_at

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        remaining = d.pop("remaining")

        total = d.pop("total")

        def _parse_codes(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                codes_type_0 = cast(list[str], data)

                return codes_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        codes = _parse_codes(d.pop("codes", UNSET))


        def _parse_generated_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                generated_at_type_0 = datetime.datetime.fromisoformat(data)



                return generated_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        generated_at = _parse_generated_at(d.pop("generatedAt", UNSET))


        recovery_codes_status = cls(
            remaining=remaining,
            total=total,
            codes=codes,
            generated_at=generated_at,
        )


        recovery_codes_status.additional_properties = d
        return recovery_codes_status

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
