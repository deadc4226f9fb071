"""The settable clock of a simulation server (OKNO_SIMULATION=true): `okno simulate` moves it.

A simulation drives a real server through its API, but an office day must pass in seconds: the
server then reads this clock instead of the wall clock (QueueService, QueueQueries and Auth all
take it). It is refused on a production server (settings), so a real office's time never moves.

The clock holds an anchor (a simulated instant and the wall-clock moment it was set) and a rate:
rate 0 stands still until the next `set` (the simulator advances it event by event, as fast as
possible); rate X runs X times faster than the wall clock (a demo at `--speed X`). Once set, it
never goes backwards: a step back would let a ticket be called before it was issued.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from queue_server.domain.errors import CodedError


class ClockRefused(CodedError):
    """A clock setting the simulation cannot take (HTTP 409); the clock is unchanged."""

    status = 409


MAX_RATE = 10_000.0


class SimulatedClock:
    """Call it for the simulated now (UTC); `set` moves it. Thread-safe."""

    def __init__(
        self,
        start: datetime | None = None,
        rate: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._anchor = start or datetime.now(UTC)
        self._wall = monotonic()
        self._rate = rate
        self._was_set = False

    def __call__(self) -> datetime:
        with self._lock:
            return self._now()

    def _now(self) -> datetime:
        elapsed = (self._monotonic() - self._wall) * self._rate
        return self._anchor + timedelta(seconds=elapsed)

    @property
    def rate(self) -> float:
        return self._rate

    def set(self, now: datetime, rate: float = 0.0) -> datetime:
        """Move the clock to `now` (aware) running at `rate`; returns the new now.

        The first setting may go anywhere (a simulation picks its day); later ones only forward.
        Raises ClockRefused, with the clock unchanged, for a naive time, a bad rate or a step back.
        """
        if now.tzinfo is None or now.utcoffset() is None:
            raise ClockRefused(
                "clock_naive_time",
                "Время часов симуляции должно быть с часовым поясом (например, …Z)",
                "The simulation clock's time needs a time zone (e.g. …Z)",
            )
        if not 0 <= rate <= MAX_RATE:
            raise ClockRefused(
                "clock_bad_rate",
                f"Скорость часов симуляции должна быть от 0 до {MAX_RATE:g}",
                f"The simulation clock's rate must be 0…{MAX_RATE:g}",
            )
        now = now.astimezone(UTC)
        with self._lock:
            current = self._now()
            if self._was_set and now < current:
                raise ClockRefused(
                    "clock_backwards",
                    f"Часы симуляции не идут назад: сейчас {current.isoformat()}",
                    f"The simulation clock does not go backwards: it is {current.isoformat()}",
                    now=current.isoformat(),
                )
            self._anchor = now
            self._wall = self._monotonic()
            self._rate = rate
            self._was_set = True
            return now
