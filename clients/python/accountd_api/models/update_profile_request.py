from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.notifications_patch import NotificationsPatch
  from ..models.preferences_patch import PreferencesPatch





T = TypeVar("T", bound="UpdateProfileRequest")



@_attrs_define
class UpdateProfileRequest:
    """ Any of the fields; absent fields stay as they are, `null` clears the nullable ones.

        Attributes:
            bio (None | str | Unset): At most 500 characters.
            discord_webhook_url (None | str | Unset): An https URL, or `null` to remove it.
            display_name (None | str | Unset): At most 64 characters; `null` or empty clears it.
            notifications (None | NotificationsPatch | Unset):
            preferences (None | PreferencesPatch | Unset):
     """

    bio: None | str | Unset = UNSET
    discord_webhook_url: None | str | Unset = UNSET
    display_name: None | str | Unset = UNSET
    notifications: None | NotificationsPatch | Unset = UNSET
    preferences: None | PreferencesPatch | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.notifications_patch import NotificationsPatch # noqa: PLC0415
        from ..models.preferences_patch import PreferencesPatch # noqa: PLC0415
        bio: None | str | Unset
        if isinstance(self.bio, Unset):
            bio = UNSET
        else:
            bio = self.bio

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

        notifications: dict[str, Any] | None | Unset
        if isinstance(self.notifications, Unset):
            notifications = UNSET
        elif isinstance(self.notifications, NotificationsPatch):
            notifications = self.notifications.to_dict()
        else:
            notifications = self.notifications

        preferences: dict[str, Any] | None | Unset
        if isinstance(self.preferences, Unset):
            preferences = UNSET
        elif isinstance(self.preferences, PreferencesPatch):
            preferences = self.preferences.to_dict()
        else:
            preferences = self.preferences


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if bio is not UNSET:
            field_dict["bio"] = bio
        if discord_webhook_url is not UNSET:
            field_dict["discordWebhookUrl"] = discord_webhook_url
        if display_name is not UNSET:
            field_dict["displayName"] = display_name
        if notifications is not UNSET:
            field_dict["notifications"] = notifications
        if preferences is not UNSET:
            field_dict["preferences"] = preferences

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.notifications_patch import NotificationsPatch # noqa: PLC0415
        from ..models.preferences_patch import PreferencesPatch # noqa: PLC0415
        d = dict(src_dict)
        def _parse_bio(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        bio = _parse_bio(d.pop("bio", UNSET))


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


        def _parse_notifications(data: object) -> None | NotificationsPatch | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                notifications_type_1 = NotificationsPatch.from_dict(data)



                return notifications_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | NotificationsPatch | Unset, data)

        notifications = _parse_notifications(d.pop("notifications", UNSET))


        def _parse_preferences(data: object) -> None | PreferencesPatch | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                preferences_type_1 = PreferencesPatch.from_dict(data)



                return preferences_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PreferencesPatch | Unset, data)

        preferences = _parse_preferences(d.pop("preferences", UNSET))


        update_profile_request = cls(
            bio=bio,
            discord_webhook_url=discord_webhook_url,
            display_name=display_name,
            notifications=notifications,
            preferences=preferences,
        )


        update_profile_request.additional_properties = d
        return update_profile_request

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
