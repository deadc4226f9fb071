"""Fixtures of the queue_protocol tests: a fake office server and quickly reconnecting sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest_asyncio

from queue_protocol.client import ClientSession, WebSocketConnection, connect_websocket
from tests.queue_protocol.fake_server import GOOD_TOKEN, FakeOfficeServer


class CountingConnect:
    """A WebSocket connect function that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, url: str) -> WebSocketConnection:
        self.calls += 1
        return await connect_websocket(url)


SessionFactory = Callable[..., ClientSession]


@pytest_asyncio.fixture
async def office_server() -> AsyncIterator[FakeOfficeServer]:
    """A running fake server with ten events in its log."""
    server = FakeOfficeServer()
    server.append(10)
    await server.start()
    yield server
    if server.hold is not None:
        server.hold.set()
    await server.stop()


@pytest_asyncio.fixture
async def make_session() -> AsyncIterator[SessionFactory]:
    """Builds sessions with millisecond backoff; closes every one of them after the test."""
    sessions: list[ClientSession] = []

    def factory(base_url: str, **overrides: Any) -> ClientSession:
        options: dict[str, Any] = {
            "token": GOOD_TOKEN,
            "office": "office-1",
            "backoff_base": 0.005,
            "backoff_max": 0.05,
            "rand": lambda: 1.0,
            "hello_timeout": 2.0,
        }
        options.update(overrides)
        session = ClientSession(base_url, **options)
        sessions.append(session)
        return session

    yield factory
    for session in sessions:
        await session.close()
