"""Fixtures of the board's GUI tests: the qasync loop on the test QApplication, and helpers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest

from tests.helpers.qt_loop import qasync_loop

T = TypeVar("T")


@pytest.fixture
def loop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    """The qasync loop on the test QApplication, closed cleanly (tests/helpers/qt_loop.py)."""
    qapp.setQuitOnLastWindowClosed(False)  # a closed board must not stop the test's loop
    with qasync_loop(qapp) as event_loop:
        yield event_loop


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
