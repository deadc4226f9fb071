"""Tells a keyboard-wedge barcode scanner's burst from a person typing on the same keyboard.

A USB scanner "types" the code a few milliseconds per character and presses Enter. A person
types at 80 ms or more per key. The detector holds fast characters back; when Enter closes a
fast burst of at least `min_length` characters it is a scan, otherwise the held characters are
given back as typing so the UI can insert them. Pure logic: timestamps come from the caller.

Usage from a key handler (timestamps in seconds, e.g. `time.monotonic()` or the Qt event time)::

    typed = detector.feed(char, now)          # on a printable key
    result = detector.feed_enter(now)         # on Enter: Scanned or Typed
    typed = detector.poll(now)                # from a ~50 ms timer: releases a stalled buffer
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

__all__ = ["ScanDetector", "Scanned", "Typed"]

logger = logging.getLogger("okno.scanner")

#: scanners send a character every 2-20 ms; even fast typists rarely go below 60 ms per key
DEFAULT_MAX_GAP = 0.04
DEFAULT_MIN_LENGTH = 4


@dataclass(frozen=True)
class Scanned:
    """A barcode read by the scanner (without the Enter)."""

    code: str


@dataclass(frozen=True)
class Typed:
    """Characters a person typed; `enter` is True when the person also pressed Enter."""

    text: str
    enter: bool = False


class ScanDetector:
    """Feeds of characters and Enter, with timestamps, in; `Scanned` or `Typed` out."""

    def __init__(
        self, max_gap: float = DEFAULT_MAX_GAP, min_length: int = DEFAULT_MIN_LENGTH
    ) -> None:
        if max_gap <= 0 or min_length < 1:
            raise ValueError("max_gap must be positive and min_length at least 1")
        self.max_gap = max_gap
        self.min_length = min_length
        self._buffer: list[str] = []
        self._last: float | None = None

    @property
    def holding(self) -> str:
        """Characters held back while deciding (show nothing yet; they come back or scan)."""
        return "".join(self._buffer)

    def _is_quick(self, timestamp: float) -> bool:
        return self._last is not None and timestamp - self._last <= self.max_gap

    def _release(self) -> Typed | None:
        text = "".join(self._buffer)
        self._buffer.clear()
        return Typed(text) if text else None

    def feed(self, char: str, timestamp: float) -> Typed | None:
        """A printable character arrived; returns earlier held characters now known to be typed."""
        released = None
        if self._buffer and not self._is_quick(timestamp):
            released = self._release()  # too slow after the last one: that was a person
        self._buffer.append(char)
        self._last = timestamp
        return released

    def feed_enter(self, timestamp: float) -> Scanned | Typed:
        """Enter arrived: a quick burst long enough is a scan, anything else is typing + Enter."""
        quick = self._is_quick(timestamp)
        text = "".join(self._buffer)
        self._buffer.clear()
        self._last = None
        if quick and len(text) >= self.min_length:
            logger.info("barcode scanned (%d characters)", len(text))
            return Scanned(text)
        return Typed(text, enter=True)

    def poll(self, timestamp: float) -> Typed | None:
        """Release held characters once no next one came within the gap (call from a timer)."""
        if self._buffer and not self._is_quick(timestamp):
            self._last = None
            return self._release()
        return None
