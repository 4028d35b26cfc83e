from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="DeviceDto")



@_attrs_define
class DeviceDto:
    """ 
        Attributes:
            browser (str):
            is_bot (bool):
            os (str):
            platform (str): `desktop`, `mobile`, `appliance`, `bot` or `unknown`.
            version (str):
     """

    browser: str
    is_bot: bool
    os: str
    platform: str
    version: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        browser = self.browser

        is_bot = self.is_bot

        os = self.os

        platform = self.platform

        version = self.version


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "browser": browser,
            "isBot": is_bot,
            "os": os,
            "platform": platform,
            "version": version,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        browser = d.pop("browser")

        is_bot = d.pop("isBot")

        os = d.pop("os")

        platform = d.pop("platform")

        version = d.pop("version")

        device_dto = cls(
            browser=browser,
            is_bot=is_bot,
            os=os,
            platform=platform,
            version=version,
        )


        device_dto.additional_properties = d
        return device_dto

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
