"""Fixtures of the board's GUI tests: the qasync loop on the test QApplication, and helpers."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest

T = TypeVar("T")


@pytest.fixture
def loop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    """The qasync loop on the test QApplication."""
    os.environ.setdefault("QT_API", "pyside6")
    import qasync

    qapp.setQuitOnLastWindowClosed(False)  # a closed board must not stop the test's loop
    event_loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(event_loop)
    yield event_loop
    event_loop.close()
    asyncio.set_event_loop(None)


def run(loop: asyncio.AbstractEventLoop, coroutine: Awaitable[T], timeout: float = 120) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coroutine, timeout)

    return loop.run_until_complete(bounded())


async def until(condition: Callable[[], object], wait: float = 20.0, what: str = "") -> None:
    """Wait (on the loop, so Qt and the session keep working) until `condition()` is true."""
    deadline = time.monotonic() + wait
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.01)
