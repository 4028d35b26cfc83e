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
  from ..models.login_second_step_with_code_credential_type_0 import LoginSecondStepWithCodeCredentialType0





T = TypeVar("T", bound="LoginSecondStepWithCode")



@_attrs_define
class LoginSecondStepWithCode:
    """ 
        Attributes:
            code (str): A 6-digit TOTP code. Example: 123456.
            mfa_token (str):
            challenge_id (None | Unset | UUID): The ceremony of `POST /v1/auth/login/2fa/passkey-options`.
            credential (LoginSecondStepWithCodeCredentialType0 | None | Unset): `AuthenticationResponseJSON`.
            recovery_code (None | str | Unset): A recovery code, `xxxxx-xxxxx`.
     """

    code: str
    mfa_token: str
    challenge_id: None | Unset | UUID = UNSET
    credential: LoginSecondStepWithCodeCredentialType0 | None | Unset = UNSET
    recovery_code: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.login_second_step_with_code_credential_type_0 import LoginSecondStepWithCodeCredentialType0 # noqa: PLC0415
        code = self.code

        mfa_token = self.mfa_token

        challenge_id: None | str | Unset
        if isinstance(self.challenge_id, Unset):
            challenge_id = UNSET
        elif isinstance(self.challenge_id, UUID):
            challenge_id = str(self.challenge_id)
        else:
            challenge_id = self.challenge_id

        credential: dict[str, Any] | None | Unset
        if isinstance(self.credential, Unset):
            credential = UNSET
        elif isinstance(self.credential, LoginSecondStepWithCodeCredentialType0):
            credential = self.credential.to_dict()
        else:
            credential = self.credential

        recovery_code: None | str | Unset
        if isinstance(self.recovery_code, Unset):
            recovery_code = UNSET
        else:
            recovery_code = self.recovery_code


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "code": code,
            "mfaToken": mfa_token,
        })
        if challenge_id is not UNSET:
            field_dict["challengeId"] = challenge_id
        if credential is not UNSET:
            field_dict["credential"] = credential
        if recovery_code is not UNSET:
            field_dict["recoveryCode"] = recovery_code

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.login_second_step_with_code_credential_type_0 import LoginSecondStepWithCodeCredentialType0 # noqa: PLC0415
        d = dict(src_dict)
        code = d.pop("code")

        mfa_token = d.pop("mfaToken")

        def _parse_challenge_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                challenge_id_type_0 = UUID(data)



                return challenge_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        challenge_id = _parse_challenge_id(d.pop("challengeId", UNSET))


        def _parse_credential(data: object) -> LoginSecondStepWithCodeCredentialType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                credential_type_0 = LoginSecondStepWithCodeCredentialType0.from_dict(data)



                return credential_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LoginSecondStepWithCodeCredentialType0 | None | Unset, data)

        credential = _parse_credential(d.pop("credential", UNSET))


        def _parse_recovery_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        recovery_code = _parse_recovery_code(d.pop("recoveryCode", UNSET))


        login_second_step_with_code = cls(
            code=code,
            mfa_token=mfa_token,
            challenge_id=challenge_id,
            credential=credential,
            recovery_code=recovery_code,
        )


        login_second_step_with_code.additional_properties = d
        return login_second_step_with_code

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
