from enum import StrEnum

class SpectacleMode(StrEnum):
    FULL = "full"
    REGION = "region"
    WINDOW = "window"

    def __str__(self) -> str:
        return str(self.value)
