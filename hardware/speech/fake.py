"""Fakes for tests and demos: a clock that moves only when told, and a player that records."""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FakeClock", "FakePlayer", "PlayedSound"]

logger = logging.getLogger("okno.speech")


class FakeClock:
    """A `Clock` whose time advances only in `advance()`; callbacks run inside that call."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._counter = itertools.count()

    def now(self) -> float:
        """The fake time in seconds."""
        return self._now

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        """Schedule `callback` at now + `delay`."""
        heapq.heappush(self._heap, (self._now + max(0.0, delay), next(self._counter), callback))

    @property
    def pending(self) -> int:
        """Number of callbacks not yet run."""
        return len(self._heap)

    def advance(self, seconds: float) -> None:
        """Move time forward by `seconds`, running every callback that falls due, in order."""
        end = self._now + seconds
        while self._heap and self._heap[0][0] <= end:
            due, _, callback = heapq.heappop(self._heap)
            self._now = max(self._now, due)
            callback()
        self._now = end

    def run_until_idle(self, limit: float = 3600.0) -> None:
        """Advance until nothing is scheduled (at most `limit` fake seconds)."""
        deadline = self._now + limit
        while self._heap and self._heap[0][0] <= deadline:
            self.advance(self._heap[0][0] - self._now)


@dataclass(frozen=True)
class PlayedSound:
    """One playback: which file, from when to when (clock seconds)."""

    path: Path
    start: float
    end: float


class FakePlayer:
    """A `Player` that "plays" each file for `duration(path)` seconds of the fake clock."""

    name = "fake"

    def __init__(self, clock: FakeClock, duration: Callable[[Path], float] | None = None) -> None:
        self.clock = clock
        self.duration = duration or (lambda _path: 1.0)
        self.played: list[PlayedSound] = []
        self.playing: Path | None = None

    def play(self, path: Path, on_finished: Callable[[], None]) -> None:
        """Start "playing"; refuses (AssertionError) to play two sounds at once."""
        assert self.playing is None, f"overlap: {path} while {self.playing} is playing"
        self.playing = path
        start = self.clock.now()

        def finish() -> None:
            self.playing = None
            self.played.append(PlayedSound(path, start, self.clock.now()))
            on_finished()

        self.clock.call_later(self.duration(path), finish)

    def close(self) -> None:
        """Nothing to release."""
