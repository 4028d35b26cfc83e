from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast






T = TypeVar("T", bound="MfaRequired")



@_attrs_define
class MfaRequired:
    """ The answer to a correct password when the account has two-factor authentication on.

        Attributes:
            methods (list[str]):  Example: ['totp', 'recovery_code'].
            mfa_required (bool): Always `true`.
            mfa_token (str): Single-use, lives 5 minutes; send it to `POST /v1/auth/login/2fa` with a code.
     """

    methods: list[str]
    mfa_required: bool
    mfa_token: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        methods = self.methods



        mfa_required = self.mfa_required

        mfa_token = self.mfa_token


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "methods": methods,
            "mfaRequired": mfa_required,
            "mfaToken": mfa_token,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        methods = cast(list[str], d.pop("methods"))


        mfa_required = d.pop("mfaRequired")

        mfa_token = d.pop("mfaToken")

        mfa_required = cls(
            methods=methods,
            mfa_required=mfa_required,
            mfa_token=mfa_token,
        )


        mfa_required.additional_properties = d
        return mfa_required

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
