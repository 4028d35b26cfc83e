from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.credit_entry_dto import CreditEntryDto





T = TypeVar("T", bound="CreditsDto")



@_attrs_define
class CreditsDto:
    """ The balance (the sum of the ledger) and one page of the ledger, newest first.

        Attributes:
            balance (int):
            items (list[CreditEntryDto]):
            limit (int):
            offset (int):
            total (int):
     """

    balance: int
    items: list[CreditEntryDto]
    limit: int
    offset: int
    total: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.credit_entry_dto import CreditEntryDto # noqa: PLC0415
        balance = self.balance

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)



        limit = self.limit

        offset = self.offset

        total = self.total


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "balance": balance,
            "items": items,
            "limit": limit,
            "offset": offset,
            "total": total,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.credit_entry_dto import CreditEntryDto # noqa: PLC0415
        d = dict(src_dict)
        balance = d.pop("balance")

        items = []
        _items = d.pop("items")
        for items_item_data in (_items):
            items_item = CreditEntryDto.from_dict(items_item_data)



            items.append(items_item)


        limit = d.pop("limit")

        offset = d.pop("offset")

        total = d.pop("total")

        credits_dto = cls(
            balance=balance,
            items=items,
            limit=limit,
            offset=offset,
            total=total,
        )


        credits_dto.additional_properties = d
        return credits_dto

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
