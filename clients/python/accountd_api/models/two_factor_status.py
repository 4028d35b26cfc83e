from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime






T = TypeVar("T", bound="TwoFactorStatus")



@_attrs_define
class TwoFactorStatus:
    """ 
        Attributes:
            enabled (bool):
            pending_setup (bool): A setup waits for its first code.
            recovery_codes_remaining (int):
            enabled_at (datetime.datetime | None | Unset):
     """

    enabled: bool
    pending_setup: bool
    recovery_codes_remaining: int
    enabled_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        enabled = self.enabled

        pending_setup = self.pending_setup

        recovery_codes_remaining = self.recovery_codes_remaining

        enabled_at: None | str | Unset
        if isinstance(self.enabled_at, Unset):
            enabled_at = UNSET
        elif isinstance(self.enabled_at, datetime.datetime):
            enabled_at = self.enabled_at.isoformat()
        else:
            enabled_at = self.enabled_at


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "enabled": enabled,
            "pendingSetup": pending_setup,
            "recoveryCodesRemaining": recovery_codes_remaining,
        })
        if enabled_at is not UNSET:
            field_dict["enabledAt"] = enabled_at

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        enabled = d.pop("enabled")

        pending_setup = d.pop("pendingSetup")

        recovery_codes_remaining = d.pop("recoveryCodesRemaining")

        def _parse_enabled_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                enabled_at_type_0 = datetime.datetime.fromisoformat(data)



                return enabled_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        enabled_at = _parse_enabled_at(d.pop("enabledAt", UNSET))


        two_factor_status = cls(
            enabled=enabled,
            pending_setup=pending_setup,
            recovery_codes_remaining=recovery_codes_remaining,
            enabled_at=enabled_at,
        )


        two_factor_status.additional_properties = d
        return two_factor_status

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
