"""Qt side of announcements: a Qt Multimedia player and a clock running on the GUI thread.

PySide6 is imported inside the functions, so importing this module loads no Qt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["QtClock", "QtPlayer"]

logger = logging.getLogger("okno.speech")


class QtPlayer:
    """Plays WAVs with QMediaPlayer + QAudioOutput; create and use it on the GUI thread."""

    name = "qt"

    @staticmethod
    def available() -> str | None:
        """None when a Qt application runs and an audio output exists; otherwise the reason."""
        try:
            from PySide6.QtCore import QCoreApplication
        except ImportError as error:
            return f"Qt cannot be loaded: {error}"
        if QCoreApplication.instance() is None:
            return "no Qt application is running"
        try:
            from PySide6.QtMultimedia import QMediaDevices
        except ImportError as error:
            return f"Qt Multimedia cannot be loaded: {error}"
        if QMediaDevices.defaultAudioOutput().isNull():
            return "Qt sees no audio output"
        return None

    def __init__(self) -> None:
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

        self._player = QMediaPlayer()
        self._output = QAudioOutput()
        self._player.setAudioOutput(self._output)
        self._on_finished: Callable[[], None] | None = None
        self._player.mediaStatusChanged.connect(self._on_status)
        self._player.errorOccurred.connect(self._on_error)

    def play(self, path: Path, on_finished: Callable[[], None]) -> None:
        """Start playing `path`."""
        from PySide6.QtCore import QUrl

        self._on_finished = on_finished
        self._player.setSource(QUrl.fromLocalFile(str(path)))
        self._player.play()

    def close(self) -> None:
        """Stop playback."""
        self._player.stop()

    def _finish(self) -> None:
        callback, self._on_finished = self._on_finished, None
        if callback is not None:
            callback()

    def _on_status(self, status: Any) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if status in (QMediaPlayer.MediaStatus.EndOfMedia, QMediaPlayer.MediaStatus.InvalidMedia):
            self._finish()

    def _on_error(self, error: Any, text: str) -> None:
        logger.error("Qt player error %s: %s", error, text)
        self._finish()


class QtClock:
    """A `Clock` whose callbacks run on the GUI thread; `call_later` is safe from any thread."""

    def __init__(self) -> None:
        from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal

        class _Bridge(QObject):
            # A queued signal carries the callback from any thread into the GUI thread.
            schedule = Signal(float, object)

            def __init__(self) -> None:
                super().__init__()
                self.schedule.connect(self._start, Qt.ConnectionType.QueuedConnection)

            def _start(self, delay: float, callback: Callable[[], None]) -> None:
                QTimer.singleShot(round(delay * 1000), callback)

        self._bridge = _Bridge()
        self._elapsed = QElapsedTimer()
        self._elapsed.start()

    def now(self) -> float:
        """Seconds since the clock was created."""
        return self._elapsed.elapsed() / 1000.0

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        """Run `callback` on the GUI thread after `delay` seconds."""
        self._bridge.schedule.emit(delay, callback)
