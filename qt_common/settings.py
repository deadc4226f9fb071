"""Settings of a client app: flags over `OKNO_*` variables over a YAML settings file.

One typed class per app (a subclass of `ClientSettings`), validated once at start by
`load_settings`; a bad value stops the app with a message naming the field, before any window.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

__all__ = ["ClientSettings", "SettingsError", "default_state_dir", "load_settings"]

#: the YAML file of the `load_settings` call in progress (pydantic-settings builds the sources
#: in a classmethod, so the path travels in a context variable rather than a global)
_settings_file: contextvars.ContextVar[Path | None] = contextvars.ContextVar(
    "okno_settings_file", default=None
)


def default_state_dir() -> Path:
    """`$XDG_STATE_HOME/okno`, falling back to `~/.local/state/okno`."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "okno"


class SettingsError(Exception):
    """The settings cannot work; `str()` names each bad field (English, for administrators)."""


class ClientSettings(BaseSettings):
    """What every client app needs: where the server is, who it is, how it looks."""

    model_config = SettingsConfigDict(env_prefix="OKNO_", extra="ignore", frozen=True)

    server: str = Field(description="the server's base URL, e.g. http://10.0.0.2:8000")
    token: str = Field(min_length=1, description="the device token (okno device add)")
    office: str | None = Field(
        default=None, description="office id; None: asked from the server with the token"
    )
    lang: str = Field(default="ru", pattern="^(ru|en)$")
    large_text: bool = False
    high_contrast: bool = False
    state_file: Path | None = Field(
        default=None, description="where the app keeps its last event seq (default per app)"
    )
    windowed: bool = Field(default=False, description="a normal window instead of full screen")
    admin_pin: str | None = Field(
        default=None, pattern=r"^\d{4,8}$", description="PIN that closes the full-screen app"
    )
    screenshot: Path | None = None
    screenshot_after: float = Field(default=10.0, gt=0, le=600)
    screen_size: tuple[int, int] | None = Field(
        default=None, description="window size in pixels (screenshots, testing)"
    )

    @field_validator("server")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _settings_file.get()
        if path is not None:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=path))
        return tuple(sources)


Settings = TypeVar("Settings", bound=ClientSettings)


def load_settings(
    cls: type[Settings], flags: Mapping[str, Any], settings_file: Path | None = None
) -> Settings:
    """Validate the settings: `flags` (None values are "not given") win over `OKNO_*` variables,
    which win over `settings_file` (YAML; `OKNO_SETTINGS_FILE` when not given).

    Raises SettingsError naming every bad or missing field.
    """
    if settings_file is None and os.environ.get("OKNO_SETTINGS_FILE"):
        settings_file = Path(os.environ["OKNO_SETTINGS_FILE"])
    if settings_file is not None and not settings_file.is_file():
        raise SettingsError(f"settings file not found: {settings_file}")
    given = {name: value for name, value in flags.items() if value is not None}
    token = _settings_file.set(settings_file)
    try:
        return cls(**given)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'settings'}: {error['msg']}"
            for error in exc.errors(include_url=False)
        )
        raise SettingsError(problems) from exc
    except ValueError as exc:  # a settings file that is not a YAML mapping
        raise SettingsError(f"cannot read the settings file {settings_file}: {exc}") from exc
    finally:
        _settings_file.reset(token)
