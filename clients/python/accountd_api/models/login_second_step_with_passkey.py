from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
from uuid import UUID

if TYPE_CHECKING:
  from ..models.login_second_step_with_passkey_credential import LoginSecondStepWithPasskeyCredential





T = TypeVar("T", bound="LoginSecondStepWithPasskey")



@_attrs_define
class LoginSecondStepWithPasskey:
    """ 
        Attributes:
            challenge_id (UUID): The ceremony of `POST /v1/auth/login/2fa/passkey-options`.
            credential (LoginSecondStepWithPasskeyCredential): `AuthenticationResponseJSON`.
            mfa_token (str):
            code (None | str | Unset): A 6-digit TOTP code. Example: 123456.
            recovery_code (None | str | Unset): A recovery code, `xxxxx-xxxxx`.
     """

    challenge_id: UUID
    credential: LoginSecondStepWithPasskeyCredential
    mfa_token: str
    code: None | str | Unset = UNSET
    recovery_code: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.login_second_step_with_passkey_credential import LoginSecondStepWithPasskeyCredential # noqa: PLC0415
        challenge_id = str(self.challenge_id)

        credential = self.credential.to_dict()

        mfa_token = self.mfa_token

        code: None | str | Unset
        if isinstance(self.code, Unset):
            code = UNSET
        else:
            code = self.code

        recovery_code: None | str | Unset
        if isinstance(self.recovery_code, Unset):
            recovery_code = UNSET
        else:
            recovery_code = self.recovery_code


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "challengeId": challenge_id,
            "credential": credential,
            "mfaToken": mfa_token,
        })
        if code is not UNSET:
            field_dict["code"] = code
        if recovery_code is not UNSET:
            field_dict["recoveryCode"] = recovery_code

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.login_second_step_with_passkey_credential import LoginSecondStepWithPasskeyCredential # noqa: PLC0415
        d = dict(src_dict)
        challenge_id = UUID(d.pop("challengeId"))




        credential = LoginSecondStepWithPasskeyCredential.from_dict(d.pop("credential"))




        mfa_token = d.pop("mfaToken")

        def _parse_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        code = _parse_code(d.pop("code", UNSET))


        def _parse_recovery_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        recovery_code = _parse_recovery_code(d.pop("recoveryCode", UNSET))


        login_second_step_with_passkey = cls(
            challenge_id=challenge_id,
            credential=credential,
            mfa_token=mfa_token,
            code=code,
            recovery_code=recovery_code,
        )


        login_second_step_with_passkey.additional_properties = d
        return login_second_step_with_passkey

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
