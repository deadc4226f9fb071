"""The GUI tests' loop behaves like an app's running loop, and a session closes whatever its
event stream did: a failed close once left a kiosk's Russian translator installed in the
shared QApplication, and every later English screen test failed on Russian texts."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from qt_common.session import QtSession
from tests.helpers.qt_loop import qasync_loop

pytestmark = pytest.mark.gui


def test_a_task_stepped_by_qt_between_runs_has_its_running_loop(qapp: Any) -> None:
    """pytest-qt and qasync process Qt events outside `run_until_complete`; a task step run there
    must still find its loop (an `asyncio.Queue` binds to it on its first wait)."""
    with qasync_loop(qapp) as loop:
        queue: asyncio.Queue[int] = asyncio.Queue()

        async def consumer() -> tuple[asyncio.AbstractEventLoop, int]:
            return asyncio.get_running_loop(), await queue.get()

        task = loop.create_task(consumer())
        loop.call_soon(queue.put_nowait, 7)
        deadline = time.monotonic() + 5
        while not task.done() and time.monotonic() < deadline:
            qapp.processEvents()
        assert task.done(), "Qt's event processing never ran the task"
        assert task.result() == (loop, 7)
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()


class _DeadStream:
    """A client whose event stream fails at once (a bug or a broken connection object)."""

    office = "test"
    state = None

    def __init__(self) -> None:
        self.closed = False

    def start(self) -> None:
        pass

    async def events(self) -> AsyncIterator[Any]:
        raise RuntimeError("the stream broke")
        yield  # pragma: no cover - makes this an async generator

    async def close(self) -> None:
        self.closed = True


def test_closing_a_session_whose_stream_died_still_closes(
    qapp: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with qasync_loop(qapp) as loop:
        client = _DeadStream()
        session = QtSession(client)  # type: ignore[arg-type]

        async def scenario() -> None:
            session.start()
            await asyncio.sleep(0.05)
            with caplog.at_level(logging.ERROR, logger="okno.qt"):
                await session.close()

        loop.run_until_complete(scenario())
    assert client.closed
    assert "the event stream had failed before closing" in caplog.text
    assert "the stream broke" in caplog.text
