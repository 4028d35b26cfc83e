from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="TwoFactorSetup")



@_attrs_define
class TwoFactorSetup:
    """ 
        Attributes:
            otpauth_uri (str): `otpauth://totp/{issuer}:{username}?secret=…&issuer=…`
            qr_code (str): `data:image/png;base64,…`: a QR code of `otpauthUri`.
            secret (str): The secret in base32 (160 bits), for typing into an app by hand.
     """

    otpauth_uri: str
    qr_code: str
    secret: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        otpauth_uri = self.otpauth_uri

        qr_code = self.qr_code

        secret = self.secret


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "otpauthUri": otpauth_uri,
            "qrCode": qr_code,
            "secret": secret,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        otpauth_uri = d.pop("otpauthUri")

        qr_code = d.pop("qrCode")

        secret = d.pop("secret")

        two_factor_setup = cls(
            otpauth_uri=otpauth_uri,
            qr_code=qr_code,
            secret=secret,
        )


        two_factor_setup.additional_properties = d
        return two_factor_setup

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
