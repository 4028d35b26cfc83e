from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="ReferralStatsDto")



@_attrs_define
class ReferralStatsDto:
    """ 
        Attributes:
            rewards_earned (int): The credits earned from referrals.
            total_referrals (int):
     """

    rewards_earned: int
    total_referrals: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        rewards_earned = self.rewards_earned

        total_referrals = self.total_referrals


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "rewardsEarned": rewards_earned,
            "totalReferrals": total_referrals,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        rewards_earned = d.pop("rewardsEarned")

        total_referrals = d.pop("totalReferrals")

        referral_stats_dto = cls(
            rewards_earned=rewards_earned,
            total_referrals=total_referrals,
        )


        referral_stats_dto.additional_properties = d
        return referral_stats_dto

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
