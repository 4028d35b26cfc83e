from enum import StrEnum

class AdminUserPatchRoleType1(StrEnum):
    ADMIN = "admin"
    USER = "user"

    def __str__(self) -> str:
        return str(self.value)
