from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="LoginAuthorization")



@_attrs_define
class LoginAuthorization:
    """ A login's authorization URL, and the value that ties its `state` to this client.

        Attributes:
            flow (str): Send it back with the code to `POST /v1/auth/oauth/{provider}/login`, unless the
                client keeps cookies: the `accountd_oauth` cookie set with this answer carries the
                same value. Keep it in the client; never put it in a URL.
            url (str): Send the user here.
     """

    flow: str
    url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        flow = self.flow

        url = self.url


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "flow": flow,
            "url": url,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        flow = d.pop("flow")

        url = d.pop("url")

        login_authorization = cls(
            flow=flow,
            url=url,
        )


        login_authorization.additional_properties = d
        return login_authorization

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
