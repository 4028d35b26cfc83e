from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="EmailNotificationsDto")



@_attrs_define
class EmailNotificationsDto:
    """ 
        Attributes:
            product (bool):
            security (bool):
            weekly_digest (bool):
     """

    product: bool
    security: bool
    weekly_digest: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        product = self.product

        security = self.security

        weekly_digest = self.weekly_digest


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "product": product,
            "security": security,
            "weeklyDigest": weekly_digest,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        product = d.pop("product")

        security = d.pop("security")

        weekly_digest = d.pop("weeklyDigest")

        email_notifications_dto = cls(
            product=product,
            security=security,
            weekly_digest=weekly_digest,
        )


        email_notifications_dto.additional_properties = d
        return email_notifications_dto

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
