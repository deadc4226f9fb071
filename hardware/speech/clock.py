"""Clocks that run the announcer's steps: a real one on its own thread; fakes live in `fake.py`.

The announcer never sleeps: it asks its clock to call it back later. All its steps run on the
clock's thread, so the announcer needs no locks beyond its queue, and a test drives it instantly
with `FakeClock.advance`.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

__all__ = ["Clock", "ThreadClock"]

logger = logging.getLogger("okno.speech")


class Clock(Protocol):
    """Time and deferred calls; `call_later` is safe from any thread."""

    def now(self) -> float:
        """Seconds on a monotonic scale."""
        ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        """Run `callback` on the clock's thread after `delay` seconds (0: as soon as possible)."""
        ...


class ThreadClock:
    """A clock with one daemon thread that runs callbacks in time order; `close()` stops it."""

    def __init__(self, name: str = "okno-announcer") -> None:
        self._name = name
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._counter = itertools.count()
        self._wakeup = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None

    def now(self) -> float:
        """`time.monotonic()`."""
        return time.monotonic()

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        """Queue `callback`; the thread starts on first use."""
        with self._wakeup:
            if self._closed:
                raise RuntimeError("clock is closed")
            heapq.heappush(self._heap, (self.now() + delay, next(self._counter), callback))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._wakeup.notify()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread; callbacks not yet due are dropped."""
        with self._wakeup:
            self._closed = True
            self._wakeup.notify()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._wakeup:
                while not self._closed and (not self._heap or self._heap[0][0] > self.now()):
                    timeout = self._heap[0][0] - self.now() if self._heap else None
                    self._wakeup.wait(timeout)
                if self._closed:
                    return
                _, _, callback = heapq.heappop(self._heap)
            try:
                callback()
            except Exception:  # one broken step must not stop all later announcements
                logger.exception("announcer step failed")
