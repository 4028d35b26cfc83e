from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.admin_user_patch_role_type_1 import AdminUserPatchRoleType1
from ..models.admin_user_patch_role_type_2_type_1 import AdminUserPatchRoleType2Type1
from ..models.admin_user_patch_role_type_3_type_1 import AdminUserPatchRoleType3Type1
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.limits_patch import LimitsPatch





T = TypeVar("T", bound="AdminUserPatch")



@_attrs_define
class AdminUserPatch:
    """ Any of the fields; absent ones stay as they are.

        Attributes:
            ban_reason (None | str | Unset):
            banned (bool | None | Unset): `true` ends every session and token of the account at once.
            email_verified (bool | None | Unset):
            limits (LimitsPatch | None | Unset):
            role (AdminUserPatchRoleType1 | AdminUserPatchRoleType2Type1 | AdminUserPatchRoleType3Type1 | None | Unset):
                `user` or `admin`.
     """

    ban_reason: None | str | Unset = UNSET
    banned: bool | None | Unset = UNSET
    email_verified: bool | None | Unset = UNSET
    limits: LimitsPatch | None | Unset = UNSET
    role: AdminUserPatchRoleType1 | AdminUserPatchRoleType2Type1 | AdminUserPatchRoleType3Type1 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.limits_patch import LimitsPatch # noqa: PLC0415
        ban_reason: None | str | Unset
        if isinstance(self.ban_reason, Unset):
            ban_reason = UNSET
        else:
            ban_reason = self.ban_reason

        banned: bool | None | Unset
        if isinstance(self.banned, Unset):
            banned = UNSET
        else:
            banned = self.banned

        email_verified: bool | None | Unset
        if isinstance(self.email_verified, Unset):
            email_verified = UNSET
        else:
            email_verified = self.email_verified

        limits: dict[str, Any] | None | Unset
        if isinstance(self.limits, Unset):
            limits = UNSET
        elif isinstance(self.limits, LimitsPatch):
            limits = self.limits.to_dict()
        else:
            limits = self.limits

        role: None | str | Unset
        if isinstance(self.role, Unset):
            role = UNSET
        elif isinstance(self.role, AdminUserPatchRoleType1):
            role = self.role.value
        elif isinstance(self.role, AdminUserPatchRoleType2Type1):
            role = self.role.value
        elif isinstance(self.role, AdminUserPatchRoleType3Type1):
            role = self.role.value
        else:
            role = self.role


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if ban_reason is not UNSET:
            field_dict["banReason"] = ban_reason
        if banned is not UNSET:
            field_dict["banned"] = banned
        if email_verified is not UNSET:
            field_dict["emailVerified"] = email_verified
        if limits is not UNSET:
            field_dict["limits"] = limits
        if role is not UNSET:
            field_dict["role"] = role

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.limits_patch import LimitsPatch # noqa: PLC0415
        d = dict(src_dict)
        def _parse_ban_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ban_reason = _parse_ban_reason(d.pop("banReason", UNSET))


        def _parse_banned(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        banned = _parse_banned(d.pop("banned", UNSET))


        def _parse_email_verified(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        email_verified = _parse_email_verified(d.pop("emailVerified", UNSET))


        def _parse_limits(data: object) -> LimitsPatch | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                limits_type_1 = LimitsPatch.from_dict(data)



                return limits_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LimitsPatch | None | Unset, data)

        limits = _parse_limits(d.pop("limits", UNSET))


        def _parse_role(data: object) -> AdminUserPatchRoleType1 | AdminUserPatchRoleType2Type1 | AdminUserPatchRoleType3Type1 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_1 = AdminUserPatchRoleType1(data)



                return role_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_2_type_1 = AdminUserPatchRoleType2Type1(data)



                return role_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_3_type_1 = AdminUserPatchRoleType3Type1(data)



                return role_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AdminUserPatchRoleType1 | AdminUserPatchRoleType2Type1 | AdminUserPatchRoleType3Type1 | None | Unset, data)

        role = _parse_role(d.pop("role", UNSET))


        admin_user_patch = cls(
            ban_reason=ban_reason,
            banned=banned,
            email_verified=email_verified,
            limits=limits,
            role=role,
        )


        admin_user_patch.additional_properties = d
        return admin_user_patch

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
