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






T = TypeVar("T", bound="ExportDto")



@_attrs_define
class ExportDto:
    """ An export and where its archive is.

        Attributes:
            created_at (datetime.datetime):
            expires_at (datetime.datetime): When the export and its archive are deleted (7 days after the request).
            id (UUID):
            progress (int): 0 to 100.
            status (str): `pending`, `running`, `done` or `failed`. `failed` is final: the build gave up (its
                job failed for good, or was lost); no archive is offered and a new export may be
                requested at once.
            download_url (None | str | Unset): The archive, once `status` is `done`; `null` before.
     """

    created_at: datetime.datetime
    expires_at: datetime.datetime
    id: UUID
    progress: int
    status: str
    download_url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        expires_at = self.expires_at.isoformat()

        id = str(self.id)

        progress = self.progress

        status = self.status

        download_url: None | str | Unset
        if isinstance(self.download_url, Unset):
            download_url = UNSET
        else:
            download_url = self.download_url


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "createdAt": created_at,
            "expiresAt": expires_at,
            "id": id,
            "progress": progress,
            "status": status,
        })
        if download_url is not UNSET:
            field_dict["downloadUrl"] = download_url

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))




        expires_at = datetime.datetime.fromisoformat(d.pop("expiresAt"))




        id = UUID(d.pop("id"))




        progress = d.pop("progress")

        status = d.pop("status")

        def _parse_download_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        download_url = _parse_download_url(d.pop("downloadUrl", UNSET))


        export_dto = cls(
            created_at=created_at,
            expires_at=expires_at,
            id=id,
            progress=progress,
            status=status,
            download_url=download_url,
        )


        export_dto.additional_properties = d
        return export_dto

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
