from enum import StrEnum

class GetReferralsView(StrEnum):
    HISTORY = "history"
    STATS = "stats"

    def __str__(self) -> str:
        return str(self.value)
