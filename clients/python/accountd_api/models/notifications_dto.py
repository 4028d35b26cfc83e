from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.email_notifications_dto import EmailNotificationsDto





T = TypeVar("T", bound="NotificationsDto")



@_attrs_define
class NotificationsDto:
    """ 
        Attributes:
            email (EmailNotificationsDto):
     """

    email: EmailNotificationsDto
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.email_notifications_dto import EmailNotificationsDto # noqa: PLC0415
        email = self.email.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "email": email,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.email_notifications_dto import EmailNotificationsDto # noqa: PLC0415
        d = dict(src_dict)
        email = EmailNotificationsDto.from_dict(d.pop("email"))




        notifications_dto = cls(
            email=email,
        )


        notifications_dto.additional_properties = d
        return notifications_dto

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
