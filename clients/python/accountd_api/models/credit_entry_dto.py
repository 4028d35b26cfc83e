from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
from uuid import UUID
import datetime






T = TypeVar("T", bound="CreditEntryDto")



@_attrs_define
class CreditEntryDto:
    """ 
        Attributes:
            amount (int): Positive for a credit, negative for a debit.
            at (datetime.datetime):
            id (UUID):
            reason (str): `referral`, or the reason an administrator gave.
     """

    amount: int
    at: datetime.datetime
    id: UUID
    reason: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        amount = self.amount

        at = self.at.isoformat()

        id = str(self.id)

        reason = self.reason


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "amount": amount,
            "at": at,
            "id": id,
            "reason": reason,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount = d.pop("amount")

        at = datetime.datetime.fromisoformat(d.pop("at"))




        id = UUID(d.pop("id"))




        reason = d.pop("reason")

        credit_entry_dto = cls(
            amount=amount,
            at=at,
            id=id,
            reason=reason,
        )


        credit_entry_dto.additional_properties = d
        return credit_entry_dto

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
