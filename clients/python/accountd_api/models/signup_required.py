from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="SignupRequired")



@_attrs_define
class SignupRequired:
    """ A new identity: choose a username and call `POST /v1/auth/complete-signup`.

        Attributes:
            email (str):
            signup_required (bool): Always `true`.
            signup_token (str): Single-use, valid for 10 minutes.
            suggested_username (str):
     """

    email: str
    signup_required: bool
    signup_token: str
    suggested_username: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        email = self.email

        signup_required = self.signup_required

        signup_token = self.signup_token

        suggested_username = self.suggested_username


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "email": email,
            "signupRequired": signup_required,
            "signupToken": signup_token,
            "suggestedUsername": suggested_username,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        email = d.pop("email")

        signup_required = d.pop("signupRequired")

        signup_token = d.pop("signupToken")

        suggested_username = d.pop("suggestedUsername")

        signup_required = cls(
            email=email,
            signup_required=signup_required,
            signup_token=signup_token,
            suggested_username=suggested_username,
        )


        signup_required.additional_properties = d
        return signup_required

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
