"""Audio players for announcements, and `make_player`, which picks the first one that works.

A player starts a WAV and calls `on_finished` once it is over (from any thread); it never blocks
the caller. Kinds: Qt Multimedia (`hardware.speech.qt`), `aplay` (ALSA command line) and the null
player, which only logs, for machines without a sound card.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from hardware.config import PlayerKind
from hardware.speech.errors import AudioUnavailable

__all__ = ["AplayPlayer", "NullPlayer", "Player", "make_player"]

logger = logging.getLogger("okno.speech")


class Player(Protocol):
    """Plays one WAV at a time; the announcer never calls `play` before `on_finished`."""

    name: str

    def play(self, path: Path, on_finished: Callable[[], None]) -> None:
        """Start playing `path`; call `on_finished` exactly once when it ends or fails."""
        ...

    def close(self) -> None:
        """Stop playback and release the device."""
        ...


class NullPlayer:
    """Plays nothing: logs each sound so the missing audio device is visible in the log."""

    name = "null"

    def __init__(self, reason: str = "no audio device") -> None:
        self.reason = reason
        self._warned = False

    def play(self, path: Path, on_finished: Callable[[], None]) -> None:
        """Log and finish at once."""
        if not self._warned:
            logger.warning("announcements are silent: %s (Нет звука: %s)", self.reason, self.reason)
            self._warned = True
        logger.info("silent announcement: %s", path.name)
        on_finished()

    def close(self) -> None:
        """Nothing to release."""


class AplayPlayer:
    """Plays through the `aplay` command (alsa-utils); a helper thread waits for it to exit."""

    name = "aplay"

    def __init__(self, command: str = "aplay", device: str | None = None) -> None:
        self.command = command
        self.device = device
        self._process: subprocess.Popen[bytes] | None = None

    @classmethod
    def available(cls, command: str = "aplay") -> str | None:
        """None when aplay exists and ALSA lists a playback card; otherwise the reason."""
        if shutil.which(command) is None:
            return f"{command} is not installed (alsa-utils)"
        try:
            listing = subprocess.run(
                [command, "-l"], capture_output=True, text=True, timeout=5, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"{command} -l failed: {error}"
        if listing.returncode != 0 or "card" not in listing.stdout:
            return "ALSA lists no sound card"
        return None

    def play(self, path: Path, on_finished: Callable[[], None]) -> None:
        """Start `aplay -q path`; `on_finished` runs on a helper thread when it exits."""
        args = [self.command, "-q"]
        if self.device:
            args += ["-D", self.device]
        try:
            process = subprocess.Popen(
                [*args, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
        except OSError as error:
            logger.error("cannot start %s: %s", self.command, error)
            on_finished()
            return
        self._process = process

        def wait() -> None:
            _, stderr = process.communicate()
            if process.returncode != 0:
                logger.error("aplay failed on %s: %s", path.name, stderr.decode(errors="replace"))
            on_finished()

        threading.Thread(target=wait, name="okno-aplay", daemon=True).start()

    def close(self) -> None:
        """Stop a sound still playing."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()


def make_player(kind: PlayerKind = PlayerKind.AUTO) -> Player:
    """The player of `kind`; for AUTO the first that works of Qt, aplay, null.

    Qt is chosen only when a Q(Gui)Application exists (the display board), because Qt Multimedia
    needs the application's event loop. An explicit kind that cannot work raises AudioUnavailable.
    """
    if kind in {PlayerKind.QT, PlayerKind.AUTO}:
        from hardware.speech.qt import QtPlayer

        reason = QtPlayer.available()
        if reason is None:
            return QtPlayer()
        if kind is PlayerKind.QT:
            raise AudioUnavailable(detail=reason)
        logger.info("Qt player not used: %s", reason)
    if kind in {PlayerKind.APLAY, PlayerKind.AUTO}:
        reason = AplayPlayer.available()
        if reason is None:
            return AplayPlayer()
        if kind is PlayerKind.APLAY:
            raise AudioUnavailable(detail=reason)
        logger.info("aplay not used: %s", reason)
        return NullPlayer(reason)
    return NullPlayer("the null player was chosen in the settings")
