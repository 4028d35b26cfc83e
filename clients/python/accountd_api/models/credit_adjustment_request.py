from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast






T = TypeVar("T", bound="CreditAdjustmentRequest")



@_attrs_define
class CreditAdjustmentRequest:
    """ 
        Attributes:
            amount (int): Positive grants, negative debits; never zero, at most 1000000000 either way.
            reason (str): 1–200 characters, shown to the account in its ledger.
     """

    amount: int
    reason: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        amount: int
        amount = self.amount

        reason = self.reason


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "amount": amount,
            "reason": reason,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        def _parse_amount(data: object) -> int:
            return cast(int, data)

        amount = _parse_amount(d.pop("amount"))


        reason = d.pop("reason")

        credit_adjustment_request = cls(
            amount=amount,
            reason=reason,
        )


        credit_adjustment_request.additional_properties = d
        return credit_adjustment_request

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
