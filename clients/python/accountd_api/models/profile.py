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
  from ..models.address_dto import AddressDto
  from ..models.linked_account_dto import LinkedAccountDto
  from ..models.notifications_dto import NotificationsDto
  from ..models.preferences_dto import PreferencesDto
  from ..models.storage_dto import StorageDto





T = TypeVar("T", bound="Profile")



@_attrs_define
class Profile:
    """ The account as its owner (or an administrator) sees it.

        Attributes:
            additional_addresses (list[AddressDto]):
            banned (bool):
            bio (str):
            created_at (datetime.datetime):
            email (str):
            email_verified (bool):
            id (UUID):
            linked_accounts (list[LinkedAccountDto]):
            notifications (NotificationsDto):
            preferences (PreferencesDto):
            role (str): `user` or `admin`.
            storage (StorageDto):
            two_factor_enabled (bool):
            updated_at (datetime.datetime):
            username (str):
            avatar_url (None | str | Unset):
            banner_url (None | str | Unset):
            discord_webhook_url (None | str | Unset):
            display_name (None | str | Unset):
            last_login_at (datetime.datetime | None | Unset):
            upload_domain (None | str | Unset): The upload domain of the account's uploader integrations: its selection
                while
                that is a verified domain of the instance, otherwise the default; `null` when the
                instance has no upload domain.
     """

    additional_addresses: list[AddressDto]
    banned: bool
    bio: str
    created_at: datetime.datetime
    email: str
    email_verified: bool
    id: UUID
    linked_accounts: list[LinkedAccountDto]
    notifications: NotificationsDto
    preferences: PreferencesDto
    role: str
    storage: StorageDto
    two_factor_enabled: bool
    updated_at: datetime.datetime
    username: str
    avatar_url: None | str | Unset = UNSET
    banner_url: None | str | Unset = UNSET
    discord_webhook_url: None | str | Unset = UNSET
    display_name: None | str | Unset = UNSET
    last_login_at: datetime.datetime | None | Unset = UNSET
    upload_domain: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.address_dto import AddressDto # noqa: PLC0415
        from ..models.linked_account_dto import LinkedAccountDto # noqa: PLC0415
        from ..models.notifications_dto import NotificationsDto # noqa: PLC0415
        from ..models.preferences_dto import PreferencesDto # noqa: PLC0415
        from ..models.storage_dto import StorageDto # noqa: PLC0415
        additional_addresses = []
        for additional_addresses_item_data in self.additional_addresses:
            additional_addresses_item = additional_addresses_item_data.to_dict()
            additional_addresses.append(additional_addresses_item)



        banned = self.banned

        bio = self.bio

        created_at = self.created_at.isoformat()

        email = self.email

        email_verified = self.email_verified

        id = str(self.id)

        linked_accounts = []
        for linked_accounts_item_data in self.linked_accounts:
            linked_accounts_item = linked_accounts_item_data.to_dict()
            linked_accounts.append(linked_accounts_item)



        notifications = self.notifications.to_dict()

        preferences = self.preferences.to_dict()

        role = self.role

        storage = self.storage.to_dict()

        two_factor_enabled = self.two_factor_enabled

        updated_at = self.updated_at.isoformat()

        username = self.username

        avatar_url: None | str | Unset
        if isinstance(self.avatar_url, Unset):
            avatar_url = UNSET
        else:
            avatar_url = self.avatar_url

        banner_url: None | str | Unset
        if isinstance(self.banner_url, Unset):
            banner_url = UNSET
        else:
            banner_url = self.banner_url

        discord_webhook_url: None | str | Unset
        if isinstance(self.discord_webhook_url, Unset):
            discord_webhook_url = UNSET
        else:
            discord_webhook_url = self.discord_webhook_url

        display_name: None | str | Unset
        if isinstance(self.display_name, Unset):
            display_name = UNSET
        else:
            display_name = self.display_name

        last_login_at: None | str | Unset
        if isinstance(self.last_login_at, Unset):
            last_login_at = UNSET
        elif isinstance(self.last_login_at, datetime.datetime):
            last_login_at = self.last_login_at.isoformat()
        else:
            last_login_at = self.last_login_at

        upload_domain: None | str | Unset
        if isinstance(self.upload_domain, Unset):
            upload_domain = UNSET
        else:
            upload_domain = self.upload_domain


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "additionalAddresses": additional_addresses,
            "banned": banned,
            "bio": bio,
            "createdAt": created_at,
            "email": email,
            "emailVerified": email_verified,
            "id": id,
            "linkedAccounts": linked_accounts,
            "notifications": notifications,
            "preferences": preferences,
            "role": role,
            "storage": storage,
            "twoFactorEnabled": two_factor_enabled,
            "updatedAt": updated_at,
            "username": username,
        })
        if avatar_url is not UNSET:
            field_dict["avatarUrl"] = avatar_url
        if banner_url is not UNSET:
            field_dict["bannerUrl"] = banner_url
        if discord_webhook_url is not UNSET:
            field_dict["discordWebhookUrl"] = discord_webhook_url
        if display_name is not UNSET:
            field_dict["displayName"] = display_name
        if last_login_at is not UNSET:
            field_dict["lastLoginAt"] = last_login_at
        if upload_domain is not UNSET:
            field_dict["uploadDomain"] = upload_domain

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.address_dto import AddressDto # noqa: PLC0415
        from ..models.linked_account_dto import LinkedAccountDto # noqa: PLC0415
        from ..models.notifications_dto import NotificationsDto # noqa: PLC0415
        from ..models.preferences_dto import PreferencesDto # noqa: PLC0415
        from ..models.storage_dto import StorageDto # noqa: PLC0415
        d = dict(src_dict)
        additional_addresses = []
        _additional_addresses = d.pop("additionalAddresses")
        for additional_addresses_item_data in (_additional_addresses):
            additional_addresses_item = AddressDto.from_dict(additional_addresses_item_data)



            additional_addresses.append(additional_addresses_item)


        banned = d.pop("banned")

        bio = d.pop("bio")

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))




        email = d.pop("email")

        email_verified = d.pop("emailVerified")

        id = UUID(d.pop("id"))




        linked_accounts = []
        _linked_accounts = d.pop("linkedAccounts")
        for linked_accounts_item_data in (_linked_accounts):
            linked_accounts_item = LinkedAccountDto.from_dict(linked_accounts_item_data)



            linked_accounts.append(linked_accounts_item)


        notifications = NotificationsDto.from_dict(d.pop("notifications"))




        preferences = PreferencesDto.from_dict(d.pop("preferences"))




        role = d.pop("role")

        storage = StorageDto.from_dict(d.pop("storage"))




        two_factor_enabled = d.pop("twoFactorEnabled")

        updated_at = datetime.datetime.fromisoformat(d.pop("updatedAt"))




        username = d.pop("username")

        def _parse_avatar_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        avatar_url = _parse_avatar_url(d.pop("avatarUrl", UNSET))


        def _parse_banner_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        banner_url = _parse_banner_url(d.pop("bannerUrl", UNSET))


        def _parse_discord_webhook_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        discord_webhook_url = _parse_discord_webhook_url(d.pop("discordWebhookUrl", UNSET))


        def _parse_display_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        display_name = _parse_display_name(d.pop("displayName", UNSET))


        def _parse_last_login_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_login_at_type_0 = datetime.datetime.fromisoformat(data)



                return last_login_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_login_at = _parse_last_login_at(d.pop("lastLoginAt", UNSET))


        def _parse_upload_domain(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        upload_domain = _parse_upload_domain(d.pop("uploadDomain", UNSET))


        profile = cls(
            additional_addresses=additional_addresses,
            banned=banned,
            bio=bio,
            created_at=created_at,
            email=email,
            email_verified=email_verified,
            id=id,
            linked_accounts=linked_accounts,
            notifications=notifications,
            preferences=preferences,
            role=role,
            storage=storage,
            two_factor_enabled=two_factor_enabled,
            updated_at=updated_at,
            username=username,
            avatar_url=avatar_url,
            banner_url=banner_url,
            discord_webhook_url=discord_webhook_url,
            display_name=display_name,
            last_login_at=last_login_at,
            upload_domain=upload_domain,
        )


        profile.additional_properties = d
        return profile

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
