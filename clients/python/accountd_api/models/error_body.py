from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.error_body_fields_type_0 import ErrorBodyFieldsType0





T = TypeVar("T", bound="ErrorBody")



@_attrs_define
class ErrorBody:
    """ The body of every error response.

        Attributes:
            code (str): Stable, machine-readable `area:reason`. Example: user:email_taken.
            message (str): For humans. Example: An account with this email already exists..
            status (int): The HTTP status, repeated. Example: 409.
            fields (ErrorBodyFieldsType0 | None | Unset): Per-field problems of a validation error.
     """

    code: str
    message: str
    status: int
    fields: ErrorBodyFieldsType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.error_body_fields_type_0 import ErrorBodyFieldsType0 # noqa: PLC0415
        code = self.code

        message = self.message

        status = self.status

        fields: dict[str, Any] | None | Unset
        if isinstance(self.fields, Unset):
            fields = UNSET
        elif isinstance(self.fields, ErrorBodyFieldsType0):
            fields = self.fields.to_dict()
        else:
            fields = self.fields


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "code": code,
            "message": message,
            "status": status,
        })
        if fields is not UNSET:
            field_dict["fields"] = fields

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.error_body_fields_type_0 import ErrorBodyFieldsType0 # noqa: PLC0415
        d = dict(src_dict)
        code = d.pop("code")

        message = d.pop("message")

        status = d.pop("status")

        def _parse_fields(data: object) -> ErrorBodyFieldsType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                fields_type_0 = ErrorBodyFieldsType0.from_dict(data)



                return fields_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorBodyFieldsType0 | None | Unset, data)

        fields = _parse_fields(d.pop("fields", UNSET))


        error_body = cls(
            code=code,
            message=message,
            status=status,
            fields=fields,
        )


        error_body.additional_properties = d
        return error_body

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
