from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
from uuid import UUID
import datetime

if TYPE_CHECKING:
  from ..models.actor_dto import ActorDto





T = TypeVar("T", bound="PublicActionDto")



@_attrs_define
class PublicActionDto:
    """ An entry of the public feed: no address, IP, user agent or metadata.

        Attributes:
            action (str): `user.registered`, `username.changed` or `avatar.changed`.
            actor (ActorDto): Who did a public action.
            at (datetime.datetime):
            id (UUID):
     """

    action: str
    actor: ActorDto
    at: datetime.datetime
    id: UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.actor_dto import ActorDto # noqa: PLC0415
        action = self.action

        actor = self.actor.to_dict()

        at = self.at.isoformat()

        id = str(self.id)


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "action": action,
            "actor": actor,
            "at": at,
            "id": id,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.actor_dto import ActorDto # noqa: PLC0415
        d = dict(src_dict)
        action = d.pop("action")

        actor = ActorDto.from_dict(d.pop("actor"))




        at = datetime.datetime.fromisoformat(d.pop("at"))




        id = UUID(d.pop("id"))




        public_action_dto = cls(
            action=action,
            actor=actor,
            at=at,
            id=id,
        )


        public_action_dto.additional_properties = d
        return public_action_dto

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
