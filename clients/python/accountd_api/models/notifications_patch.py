from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.email_notifications_patch import EmailNotificationsPatch





T = TypeVar("T", bound="NotificationsPatch")



@_attrs_define
class NotificationsPatch:
    """ 
        Attributes:
            email (EmailNotificationsPatch | None | Unset):
     """

    email: EmailNotificationsPatch | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.email_notifications_patch import EmailNotificationsPatch # noqa: PLC0415
        email: dict[str, Any] | None | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        elif isinstance(self.email, EmailNotificationsPatch):
            email = self.email.to_dict()
        else:
            email = self.email


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if email is not UNSET:
            field_dict["email"] = email

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.email_notifications_patch import EmailNotificationsPatch # noqa: PLC0415
        d = dict(src_dict)
        def _parse_email(data: object) -> EmailNotificationsPatch | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                email_type_1 = EmailNotificationsPatch.from_dict(data)



                return email_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EmailNotificationsPatch | None | Unset, data)

        email = _parse_email(d.pop("email", UNSET))


        notifications_patch = cls(
            email=email,
        )


        notifications_patch.additional_properties = d
        return notifications_patch

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
