from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="RegisterRequest")



@_attrs_define
class RegisterRequest:
    """ 
        Attributes:
            email (str):  Example: jane@example.com.
            username (str): 3-32 characters of `a-z 0-9 _ -` (compared lower-cased), starting with a letter or digit.
                Example: jane.
            display_name (None | str | Unset): At most 64 characters.
            password (None | str | Unset): Omitted for a passwordless account: it adds a passkey in the returned session
                (`POST /v1/me/passkeys/options`, then `POST /v1/me/passkeys`), signs in by email, or sets a
                password later (`PUT /v1/me/password` without `currentPassword`). 8–128 characters with a lower-case letter, an
                upper-case letter, a digit and a symbol (`password:too_short`, `password:too_long`, `password:too_weak`); not a
                common password (`password:common`) and not the account's username or email (`password:too_weak`). Example:
                Correct-Horse-9.
            referral_code (None | str | Unset): Another account's referral code, compared case-insensitively; its holder is
                credited `referrals.reward_credits` in the same transaction as the new account.
     """

    email: str
    username: str
    display_name: None | str | Unset = UNSET
    password: None | str | Unset = UNSET
    referral_code: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        email = self.email

        username = self.username

        display_name: None | str | Unset
        if isinstance(self.display_name, Unset):
            display_name = UNSET
        else:
            display_name = self.display_name

        password: None | str | Unset
        if isinstance(self.password, Unset):
            password = UNSET
        else:
            password = self.password

        referral_code: None | str | Unset
        if isinstance(self.referral_code, Unset):
            referral_code = UNSET
        else:
            referral_code = self.referral_code


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "email": email,
            "username": username,
        })
        if display_name is not UNSET:
            field_dict["displayName"] = display_name
        if password is not UNSET:
            field_dict["password"] = password
        if referral_code is not UNSET:
            field_dict["referralCode"] = referral_code

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        email = d.pop("email")

        username = d.pop("username")

        def _parse_display_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        display_name = _parse_display_name(d.pop("displayName", UNSET))


        def _parse_password(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        password = _parse_password(d.pop("password", UNSET))


        def _parse_referral_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        referral_code = _parse_referral_code(d.pop("referralCode", UNSET))


        register_request = cls(
            email=email,
            username=username,
            display_name=display_name,
            password=password,
            referral_code=referral_code,
        )


        register_request.additional_properties = d
        return register_request

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
