from enum import StrEnum

class FlameshotMode(StrEnum):
    FULL = "full"
    GUI = "gui"
    SCREEN = "screen"

    def __str__(self) -> str:
        return str(self.value)
