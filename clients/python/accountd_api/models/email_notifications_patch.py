from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="EmailNotificationsPatch")



@_attrs_define
class EmailNotificationsPatch:
    """ 
        Attributes:
            product (bool | None | Unset):
            security (bool | None | Unset):
            weekly_digest (bool | None | Unset):
     """

    product: bool | None | Unset = UNSET
    security: bool | None | Unset = UNSET
    weekly_digest: bool | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        product: bool | None | Unset
        if isinstance(self.product, Unset):
            product = UNSET
        else:
            product = self.product

        security: bool | None | Unset
        if isinstance(self.security, Unset):
            security = UNSET
        else:
            security = self.security

        weekly_digest: bool | None | Unset
        if isinstance(self.weekly_digest, Unset):
            weekly_digest = UNSET
        else:
            weekly_digest = self.weekly_digest


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if product is not UNSET:
            field_dict["product"] = product
        if security is not UNSET:
            field_dict["security"] = security
        if weekly_digest is not UNSET:
            field_dict["weeklyDigest"] = weekly_digest

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        def _parse_product(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        product = _parse_product(d.pop("product", UNSET))


        def _parse_security(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        security = _parse_security(d.pop("security", UNSET))


        def _parse_weekly_digest(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        weekly_digest = _parse_weekly_digest(d.pop("weeklyDigest", UNSET))


        email_notifications_patch = cls(
            product=product,
            security=security,
            weekly_digest=weekly_digest,
        )


        email_notifications_patch.additional_properties = d
        return email_notifications_patch

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
