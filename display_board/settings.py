"""The board's settings: flags over `OKNO_*` variables over a YAML settings file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from display_board.state import BoardConfig, Zone
from display_board.voice import parse_audio
from qt_common.settings import ClientSettings, default_state_dir

__all__ = ["DisplaySettings"]


class DisplaySettings(ClientSettings):
    """Everything `okno display` needs; see `okno display --help`."""

    audio: str = Field(default="default", description="default, or file:DIR (WAV per call)")
    zone: list[str] = Field(
        default_factory=list, description="workplaces=1,2 and/or services=reg,ben"
    )
    ticker: list[str] = Field(default_factory=list, description="messages of the ticker line")
    speak_english: bool = Field(default=False, description="English after Russian for every call")
    blink_seconds: float = Field(default=10.0, ge=1, le=300)
    history_size: int = Field(default=8, ge=0, le=50)
    speak_max_age: float = Field(
        default=60.0, ge=0, le=3600, description="replayed calls older than this are not spoken"
    )
    speech_cache: Path | None = Field(default=None, description="where rendered phrases are kept")

    @field_validator("audio")
    @classmethod
    def _audio_form(cls, value: str) -> str:
        parse_audio(value)
        return value

    @field_validator("zone")
    @classmethod
    def _zone_form(cls, value: list[str]) -> list[str]:
        Zone.parse(value)
        return value

    def board_config(self) -> BoardConfig:
        return BoardConfig(
            blink_seconds=self.blink_seconds,
            history_size=self.history_size,
            speak_max_age=self.speak_max_age,
            speak_english=self.speak_english,
            zone=Zone.parse(self.zone),
            ticker=tuple(self.ticker),
            lang="en" if self.lang == "en" else "ru",
        )

    def state_path(self) -> Path:
        return self.state_file or default_state_dir() / "display.json"
