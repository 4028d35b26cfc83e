from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="UploadDomainDto")



@_attrs_define
class UploadDomainDto:
    """ 
        Attributes:
            domain (str):
            is_default (bool):
            selected (bool): The domain the account's uploads use: its selection, or the default.
            verified (bool):
     """

    domain: str
    is_default: bool
    selected: bool
    verified: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        domain = self.domain

        is_default = self.is_default

        selected = self.selected

        verified = self.verified


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "domain": domain,
            "isDefault": is_default,
            "selected": selected,
            "verified": verified,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        domain = d.pop("domain")

        is_default = d.pop("isDefault")

        selected = d.pop("selected")

        verified = d.pop("verified")

        upload_domain_dto = cls(
            domain=domain,
            is_default=is_default,
            selected=selected,
            verified=verified,
        )


        upload_domain_dto.additional_properties = d
        return upload_domain_dto

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
