"""The qasync loop of a GUI test, opened on the shared test QApplication and closed cleanly.

Every GUI test gets a fresh loop on the one QApplication of the pytest process. A loop closed
with tasks still pending (an app's reconnecting session, a timer's coroutine) leaves Python
callbacks behind that Qt may still reach from a later test's event processing; closing it here
first cancels and awaits those tasks, ends async generators, and lets Qt delete what the test
dropped while nothing of the loop is gone yet.

qasync runs the loop's callbacks from Qt timers, so they also run whenever Qt processes events
outside `run_until_complete`: pytest-qt's processing after each test, `qtbot.wait`, and qasync's
own last pass after every `run_until_complete`. asyncio's running loop is unset there, and a
task step that first waits on an `asyncio.Queue` or asks for the running loop fails ("bound to a
different event loop"). An app runs inside `run_forever` for its whole life; the test loop copies
that and stays asyncio's running loop from its opening to its closing.
"""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DRAIN_SECONDS = 5.0


@contextmanager
def qasync_loop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    os.environ.setdefault("QT_API", "pyside6")
    import qasync
    from PySide6.QtCore import QCoreApplication, QEvent

    class HeldLoop(qasync.QEventLoop):  # type: ignore[misc]
        """asyncio's running loop between runs too (qasync sets and unsets it in each run)."""

        def run_forever(self) -> Any:
            asyncio.events._set_running_loop(None)
            try:
                return super().run_forever()
            finally:
                asyncio.events._set_running_loop(self)

    loop = HeldLoop(qapp)
    asyncio.set_event_loop(loop)
    asyncio.events._set_running_loop(loop)
    try:
        yield loop
    finally:
        try:
            _drain(loop)
        finally:
            asyncio.events._set_running_loop(None)
            loop.close()
            asyncio.set_event_loop(None)
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            qapp.processEvents()
            gc.collect()


def _drain(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel the loop's pending tasks and wait (bounded) until they have ended."""
    if loop.is_closed() or loop.is_running():
        return
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.wait(pending, timeout=DRAIN_SECONDS))
    loop.run_until_complete(loop.shutdown_asyncgens())
