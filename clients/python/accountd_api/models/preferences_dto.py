from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="PreferencesDto")



@_attrs_define
class PreferencesDto:
    """ 
        Attributes:
            locale (str):
            streamer_mode (bool):
            theme (str): `system`, `light` or `dark`. Example: system.
     """

    locale: str
    streamer_mode: bool
    theme: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        locale = self.locale

        streamer_mode = self.streamer_mode

        theme = self.theme


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "locale": locale,
            "streamerMode": streamer_mode,
            "theme": theme,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        locale = d.pop("locale")

        streamer_mode = d.pop("streamerMode")

        theme = d.pop("theme")

        preferences_dto = cls(
            locale=locale,
            streamer_mode=streamer_mode,
            theme=theme,
        )


        preferences_dto.additional_properties = d
        return preferences_dto

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
