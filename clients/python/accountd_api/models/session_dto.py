from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
from uuid import UUID
import datetime

if TYPE_CHECKING:
  from ..models.device_dto import DeviceDto





T = TypeVar("T", bound="SessionDto")



@_attrs_define
class SessionDto:
    """ 
        Attributes:
            created_at (datetime.datetime):
            current (bool): Whether this is the session making the request.
            device (DeviceDto):
            expires_at (datetime.datetime):
            id (UUID):
            last_seen_at (datetime.datetime):
            ip (None | str | Unset):
            location (None | str | Unset): Not resolved by this version: always `null`.
            user_agent (None | str | Unset):
     """

    created_at: datetime.datetime
    current: bool
    device: DeviceDto
    expires_at: datetime.datetime
    id: UUID
    last_seen_at: datetime.datetime
    ip: None | str | Unset = UNSET
    location: None | str | Unset = UNSET
    user_agent: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.device_dto import DeviceDto # noqa: PLC0415
        created_at = self.created_at.isoformat()

        current = self.current

        device = self.device.to_dict()

        expires_at = self.expires_at.isoformat()

        id = str(self.id)

        last_seen_at = self.last_seen_at.isoformat()

        ip: None | str | Unset
        if isinstance(self.ip, Unset):
            ip = UNSET
        else:
            ip = self.ip

        location: None | str | Unset
        if isinstance(self.location, Unset):
            location = UNSET
        else:
            location = self.location

        user_agent: None | str | Unset
        if isinstance(self.user_agent, Unset):
            user_agent = UNSET
        else:
            user_agent = self.user_agent


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "createdAt": created_at,
            "current": current,
            "device": device,
            "expiresAt": expires_at,
            "id": id,
            "lastSeenAt": last_seen_at,
        })
        if ip is not UNSET:
            field_dict["ip"] = ip
        if location is not UNSET:
            field_dict["location"] = location
        if user_agent is not UNSET:
            field_dict["userAgent"] = user_agent

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.device_dto import DeviceDto # noqa: PLC0415
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))




        current = d.pop("current")

        device = DeviceDto.from_dict(d.pop("device"))




        expires_at = datetime.datetime.fromisoformat(d.pop("expiresAt"))




        id = UUID(d.pop("id"))




        last_seen_at = datetime.datetime.fromisoformat(d.pop("lastSeenAt"))




        def _parse_ip(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ip = _parse_ip(d.pop("ip", UNSET))


        def _parse_location(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        location = _parse_location(d.pop("location", UNSET))


        def _parse_user_agent(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_agent = _parse_user_agent(d.pop("userAgent", UNSET))


        session_dto = cls(
            created_at=created_at,
            current=current,
            device=device,
            expires_at=expires_at,
            id=id,
            last_seen_at=last_seen_at,
            ip=ip,
            location=location,
            user_agent=user_agent,
        )


        session_dto.additional_properties = d
        return session_dto

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
