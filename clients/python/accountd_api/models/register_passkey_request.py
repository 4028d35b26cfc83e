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
  from ..models.register_passkey_request_credential import RegisterPasskeyRequestCredential





T = TypeVar("T", bound="RegisterPasskeyRequest")



@_attrs_define
class RegisterPasskeyRequest:
    """ `{"challengeId", "credential", "name"?}`.

        Attributes:
            challenge_id (UUID):
            credential (RegisterPasskeyRequestCredential): `RegistrationResponseJSON` (the browser's `credential.toJSON()`).
            name (None | str | Unset): At most 64 characters; defaults to "Passkey".
     """

    challenge_id: UUID
    credential: RegisterPasskeyRequestCredential
    name: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.register_passkey_request_credential import RegisterPasskeyRequestCredential # noqa: PLC0415
        challenge_id = str(self.challenge_id)

        credential = self.credential.to_dict()

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "challengeId": challenge_id,
            "credential": credential,
        })
        if name is not UNSET:
            field_dict["name"] = name

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.register_passkey_request_credential import RegisterPasskeyRequestCredential # noqa: PLC0415
        d = dict(src_dict)
        challenge_id = UUID(d.pop("challengeId"))




        credential = RegisterPasskeyRequestCredential.from_dict(d.pop("credential"))




        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))


        register_passkey_request = cls(
            challenge_id=challenge_id,
            credential=credential,
            name=name,
        )


        register_passkey_request.additional_properties = d
        return register_passkey_request

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
