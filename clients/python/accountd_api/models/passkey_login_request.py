from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
from uuid import UUID

if TYPE_CHECKING:
  from ..models.passkey_login_request_credential import PasskeyLoginRequestCredential





T = TypeVar("T", bound="PasskeyLoginRequest")



@_attrs_define
class PasskeyLoginRequest:
    """ `{"challengeId", "credential"}`.

        Attributes:
            challenge_id (UUID):
            credential (PasskeyLoginRequestCredential): `AuthenticationResponseJSON` (the browser's `credential.toJSON()`).
     """

    challenge_id: UUID
    credential: PasskeyLoginRequestCredential
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.passkey_login_request_credential import PasskeyLoginRequestCredential # noqa: PLC0415
        challenge_id = str(self.challenge_id)

        credential = self.credential.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "challengeId": challenge_id,
            "credential": credential,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.passkey_login_request_credential import PasskeyLoginRequestCredential # noqa: PLC0415
        d = dict(src_dict)
        challenge_id = UUID(d.pop("challengeId"))




        credential = PasskeyLoginRequestCredential.from_dict(d.pop("credential"))




        passkey_login_request = cls(
            challenge_id=challenge_id,
            credential=credential,
        )


        passkey_login_request.additional_properties = d
        return passkey_login_request

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
