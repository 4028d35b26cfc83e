from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.device_dto import DeviceDto





T = TypeVar("T", bound="ListOfLoginHistoryEntryItemsItem")



@_attrs_define
class ListOfLoginHistoryEntryItemsItem:
    """ 
        Attributes:
            at (datetime.datetime):
            device (DeviceDto):
            method (str): How the login was made: `password`.
            success (bool):
            failure_reason (None | str | Unset): `invalid_password`, `banned` or `email_not_verified` for failed attempts.
            ip (None | str | Unset):
            user_agent (None | str | Unset):
     """

    at: datetime.datetime
    device: DeviceDto
    method: str
    success: bool
    failure_reason: None | str | Unset = UNSET
    ip: None | str | Unset = UNSET
    user_agent: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.device_dto import DeviceDto # noqa: PLC0415
        at = self.at.isoformat()

        device = self.device.to_dict()

        method = self.method

        success = self.success

        failure_reason: None | str | Unset
        if isinstance(self.failure_reason, Unset):
            failure_reason = UNSET
        else:
            failure_reason = self.failure_reason

        ip: None | str | Unset
        if isinstance(self.ip, Unset):
            ip = UNSET
        else:
            ip = self.ip

        user_agent: None | str | Unset
        if isinstance(self.user_agent, Unset):
            user_agent = UNSET
        else:
            user_agent = self.user_agent


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "at": at,
            "device": device,
            "method": method,
            "success": success,
        })
        if failure_reason is not UNSET:
            field_dict["failureReason"] = failure_reason
        if ip is not UNSET:
            field_dict["ip"] = ip
        if user_agent is not UNSET:
            field_dict["userAgent"] = user_agent

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.device_dto import DeviceDto # noqa: PLC0415
        d = dict(src_dict)
        at = datetime.datetime.fromisoformat(d.pop("at"))




        device = DeviceDto.from_dict(d.pop("device"))




        method = d.pop("method")

        success = d.pop("success")

        def _parse_failure_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        failure_reason = _parse_failure_reason(d.pop("failureReason", UNSET))


        def _parse_ip(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ip = _parse_ip(d.pop("ip", UNSET))


        def _parse_user_agent(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_agent = _parse_user_agent(d.pop("userAgent", UNSET))


        list_of_login_history_entry_items_item = cls(
            at=at,
            device=device,
            method=method,
            success=success,
            failure_reason=failure_reason,
            ip=ip,
            user_agent=user_agent,
        )


        list_of_login_history_entry_items_item.additional_properties = d
        return list_of_login_history_entry_items_item

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
