"""The qasync loop of a GUI test, opened on the shared test QApplication and closed cleanly.

Every GUI test gets a fresh loop on the one QApplication of the pytest process. A loop closed
with tasks still pending (an app's reconnecting session, a timer's coroutine) leaves Python
callbacks behind that Qt may still reach from a later test's event processing; closing it here
first cancels and awaits those tasks, ends async generators, and lets Qt delete what the test
dropped while nothing of the loop is gone yet.
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

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        try:
            _drain(loop)
        finally:
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
