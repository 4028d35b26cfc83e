from enum import StrEnum

class CreateTokenRequestScopesItem(StrEnum):
    USERREAD = "user:read"
    USERWRITE = "user:write"

    def __str__(self) -> str:
        return str(self.value)
