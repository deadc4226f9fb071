"""Settings of `okno desk` and `okno rating` (flags, `OKNO_*` variables, a YAML settings file)
and the desk's memory of the last login (never the password)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from pydantic import Field

from qt_common.settings import ClientSettings, default_state_dir

__all__ = ["DeskMemory", "DeskSettings", "RatingSettings"]

logger = logging.getLogger("okno.desk")


class DeskSettings(ClientSettings):
    """Everything `okno desk` needs; see `okno desk --help`. The desk signs in with a login and
    password instead of a device token."""

    token: str = ""
    workplace: str | None = Field(
        default=None, min_length=1, max_length=64, description="fixes the desk's workplace"
    )
    login: str | None = Field(default=None, min_length=1, max_length=64)
    stay_on_top: bool = False
    windowed: bool = True

    def state_path(self) -> Path:
        return self.state_file or default_state_dir() / "desk.json"

    def memory_path(self) -> Path:
        """Where the last login and workplace are remembered (never the password)."""
        return self.state_path().with_name("desk-login.json")


class RatingSettings(ClientSettings):
    """Everything `okno rating` needs; see `okno rating --help`."""

    idle_seconds: float = Field(default=60, ge=5, le=3600)
    thanks_seconds: float = Field(default=6, ge=1, le=120)

    def state_path(self) -> Path:
        return self.state_file or default_state_dir() / "rating.json"


class DeskMemory:
    """The last login and workplace, and the workplaces seen, in a small JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.login = ""
        self.workplace = ""
        self.workplaces: dict[str, str] = {}  # id -> name
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            logger.warning("ignoring the unreadable desk memory %s: %s", path, exc)
            return
        if isinstance(data, dict):
            self.login = str(data.get("login") or "")
            self.workplace = str(data.get("workplace") or "")
            places = data.get("workplaces")
            if isinstance(places, dict):
                self.workplaces = {str(k): str(v) for k, v in places.items()}

    def save(self) -> None:
        """Written atomically; a failure is logged (the desk works without it)."""
        data = {"login": self.login, "workplace": self.workplace, "workplaces": self.workplaces}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(self.path.name + ".tmp")
            temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError as exc:
            logger.warning("cannot save the desk memory %s: %s", self.path, exc)
