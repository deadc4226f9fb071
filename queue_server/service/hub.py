"""The event hub: fans committed events out to the WebSocket clients of each office, in seq order.

Commands commit in seq order but may reach `publish` out of order (threads); the hub holds an
early event until the ones before it arrived, so every subscriber sees seq n before n + 1.
Events committed by other server processes fill such gaps through `relay.PgEventRelay`
(PostgreSQL LISTEN/NOTIFY), which reads them from the event log.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

log = logging.getLogger("okno.hub")

# A subscriber's queue holds encoded events; a client that falls this far behind is dropped and
# must reconnect with `since` (it loses nothing: the log has every event).
MAX_BACKLOG = 10_000


class Delivery(NamedTuple):
    """One event for the subscribers: its seq, its encoded text, and the envelope dict it was
    encoded from (for a subscriber that must see less of it)."""

    seq: int
    text: str
    event: dict[str, Any]


@dataclass(eq=False)
class Subscriber:
    """One connected client of one office: encoded events to send, in order.

    None in the queue tells the sender to stop (the client went away, fell too far behind, or
    its connection was ended).
    """

    office: str
    queue: asyncio.Queue[Delivery | None] = field(
        default_factory=lambda: asyncio.Queue(MAX_BACKLOG)
    )


@dataclass
class _OfficeStream:
    delivered: int | None = None  # the last seq handed to subscribers
    pending: dict[int, dict[str, Any]] = field(default_factory=dict)  # early events, by seq
    subscribers: set[Subscriber] = field(default_factory=set)


# Told of each event as it is handed to the subscribers: (office, envelope dict).
Listener = Callable[[str, dict[str, Any]], None]


class EventHub:
    """In-process fan-out. All methods run on the event loop thread."""

    def __init__(self, encode: Callable[[dict[str, Any]], str]) -> None:
        self._encode = encode
        self._offices: dict[str, _OfficeStream] = {}
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> None:
        """Call `listener(office, event)` for every event, once, in seq order, as it goes out."""
        self._listeners.append(listener)

    def _stream(self, office: str) -> _OfficeStream:
        return self._offices.setdefault(office, _OfficeStream())

    def subscribe(self, office: str) -> Subscriber:
        subscriber = Subscriber(office)
        self._stream(office).subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._stream(subscriber.office).subscribers.discard(subscriber)

    def subscriber_count(self, office: str | None = None) -> int:
        if office is not None:
            return len(self._stream(office).subscribers)
        return sum(len(s.subscribers) for s in self._offices.values())

    def offices(self) -> list[str]:
        return list(self._offices)

    def delivered(self, office: str) -> int | None:
        """The last seq of `office` handed to subscribers (None before the hub knows any)."""
        return self._stream(office).delivered

    def known_seq(self, office: str, seq: int) -> None:
        """Tell the hub the log of `office` stands at `seq` (at start-up, before any publish)."""
        stream = self._stream(office)
        if stream.delivered is None or seq > stream.delivered:
            stream.delivered = seq

    def publish(self, office: str, events: Iterable[dict[str, Any]]) -> None:
        """Hand committed events (envelope dicts with `seq`) to the subscribers, in seq order."""
        stream = self._stream(office)
        for event in events:
            seq = int(event["seq"])
            if stream.delivered is not None and seq <= stream.delivered:
                continue
            stream.pending[seq] = event
        if stream.delivered is None and stream.pending:
            stream.delivered = min(stream.pending) - 1
        while stream.delivered is not None and stream.delivered + 1 in stream.pending:
            seq = stream.delivered + 1
            event = stream.pending.pop(seq)
            stream.delivered = seq
            if stream.subscribers:  # encoded once for them all, and only when someone listens
                item = Delivery(seq, self._encode(event), event)
                for subscriber in list(stream.subscribers):
                    self._offer(stream, subscriber, item)
            for listener in self._listeners:
                try:
                    listener(office, event)
                except Exception:
                    log.exception("a listener failed on event %d of office %s", seq, office)
        if stream.pending:
            log.debug("office %s: holding %d early events", office, len(stream.pending))

    def reset(self, office: str, seq: int) -> None:
        """Start over at `seq`: every subscriber of `office` is closed and will reconnect for a
        snapshot (used when the hub fell too far behind the log to replay it)."""
        stream = self._stream(office)
        stream.delivered = seq
        stream.pending.clear()
        for subscriber in list(stream.subscribers):
            stream.subscribers.discard(subscriber)
            while not subscriber.queue.empty():
                subscriber.queue.get_nowait()
            subscriber.queue.put_nowait(None)

    def gap(self, office: str) -> tuple[int, int] | None:
        """The missing seq range (first, last) while events wait for earlier ones, else None."""
        stream = self._stream(office)
        if not stream.pending or stream.delivered is None:
            return None
        return stream.delivered + 1, min(stream.pending) - 1

    @staticmethod
    def _offer(stream: _OfficeStream, subscriber: Subscriber, item: Delivery) -> None:
        try:
            subscriber.queue.put_nowait(item)
        except asyncio.QueueFull:
            log.warning(
                "dropping a subscriber of office %s: %d events behind",
                subscriber.office,
                MAX_BACKLOG,
            )
            stream.subscribers.discard(subscriber)
            subscriber.queue.get_nowait()
            subscriber.queue.put_nowait(None)
