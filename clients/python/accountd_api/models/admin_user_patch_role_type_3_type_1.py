from enum import StrEnum

class AdminUserPatchRoleType3Type1(StrEnum):
    ADMIN = "admin"
    USER = "user"

    def __str__(self) -> str:
        return str(self.value)
