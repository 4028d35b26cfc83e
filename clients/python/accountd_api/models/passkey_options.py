from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
from uuid import UUID

if TYPE_CHECKING:
  from ..models.passkey_options_public_key import PasskeyOptionsPublicKey





T = TypeVar("T", bound="PasskeyOptions")



@_attrs_define
class PasskeyOptions:
    """ A ceremony's options and the id that finishes it.

        Attributes:
            challenge_id (UUID): Lives 5 minutes; single-use.
            public_key (PasskeyOptionsPublicKey): `PublicKeyCredentialCreationOptionsJSON` or
                `PublicKeyCredentialRequestOptionsJSON`, for
                `PublicKeyCredential.parseCreationOptionsFromJSON()` / `parseRequestOptionsFromJSON()`.
     """

    challenge_id: UUID
    public_key: PasskeyOptionsPublicKey
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.passkey_options_public_key import PasskeyOptionsPublicKey # noqa: PLC0415
        challenge_id = str(self.challenge_id)

        public_key = self.public_key.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "challengeId": challenge_id,
            "publicKey": public_key,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.passkey_options_public_key import PasskeyOptionsPublicKey # noqa: PLC0415
        d = dict(src_dict)
        challenge_id = UUID(d.pop("challengeId"))




        public_key = PasskeyOptionsPublicKey.from_dict(d.pop("publicKey"))




        passkey_options = cls(
            challenge_id=challenge_id,
            public_key=public_key,
        )


        passkey_options.additional_properties = d
        return passkey_options

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
