from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.credit_entry_dto import CreditEntryDto





T = TypeVar("T", bound="CreditAdjustmentDto")



@_attrs_define
class CreditAdjustmentDto:
    """ 
        Attributes:
            balance (int): The account's balance after the entry.
            entry (CreditEntryDto):
     """

    balance: int
    entry: CreditEntryDto
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.credit_entry_dto import CreditEntryDto # noqa: PLC0415
        balance = self.balance

        entry = self.entry.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "balance": balance,
            "entry": entry,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.credit_entry_dto import CreditEntryDto # noqa: PLC0415
        d = dict(src_dict)
        balance = d.pop("balance")

        entry = CreditEntryDto.from_dict(d.pop("entry"))




        credit_adjustment_dto = cls(
            balance=balance,
            entry=entry,
        )


        credit_adjustment_dto.additional_properties = d
        return credit_adjustment_dto

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
