"""Reading a session's event stream in tests without ever waiting unboundedly."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from queue_protocol.client import ConnectionState, EventStream, SessionItem
from queue_protocol.events import Envelope

TIMEOUT = 5.0


async def take_until(stream: EventStream, done: Callable[[SessionItem], bool]) -> list[SessionItem]:
    """Items of `stream` up to and including the first for which `done` is true."""
    items: list[SessionItem] = []
    async with asyncio.timeout(TIMEOUT):
        async for item in stream:
            items.append(item)
            if done(item):
                return items
    raise AssertionError(f"the stream ended before the awaited item: {items}")


def is_event(seq: int) -> Callable[[SessionItem], bool]:
    """Matches the envelope of `seq`."""
    return lambda item: isinstance(item, Envelope) and item.seq == seq


def is_state(state: ConnectionState) -> Callable[[SessionItem], bool]:
    """Matches a connection-state change to `state`."""
    return lambda item: item is state


def event_seqs(items: list[SessionItem]) -> list[int]:
    """The seqs of the envelopes among `items`, in the order handed out."""
    return [item.seq for item in items if isinstance(item, Envelope)]
