"""`QtSession`: the Qt face of `queue_protocol.ClientSession`.

Events come out as signals on the GUI thread (the session runs on the qasync loop, which is the
Qt loop), commands stay coroutines (`await qt_session.client.issue_ticket(...)`). The last seq the
app took is written to the app's state file, so a restarted app resumes from it instead of taking
a whole snapshot.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from queue_protocol.client import ClientSession, ConnectionState
from queue_protocol.errors import SessionRefused
from queue_protocol.events import Envelope
from queue_protocol.messages import Snapshot

__all__ = ["QtSession", "read_saved_seq", "write_saved_seq"]

logger = logging.getLogger("okno.qt")


def read_saved_seq(state_file: Path | None, office: str) -> int | None:
    """The seq saved for `office` in `state_file`; None when absent, unreadable or another
    office's (then the app starts from a snapshot, which is always safe)."""
    if state_file is None:
        return None
    try:
        data = json.loads(state_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        logger.warning("ignoring the unreadable state file %s: %s", state_file, exc)
        return None
    if not isinstance(data, dict) or data.get("office") != office:
        return None
    seq = data.get("seq")
    return seq if type(seq) is int and seq >= 0 else None


def write_saved_seq(state_file: Path, office: str, seq: int) -> None:
    """Save `seq` atomically: a crash mid-write leaves the previous file, never half a file."""
    state_file.parent.mkdir(parents=True, exist_ok=True)
    temporary = state_file.with_name(state_file.name + ".tmp")
    temporary.write_text(json.dumps({"office": office, "seq": seq}), encoding="utf-8")
    os.replace(temporary, state_file)


class QtSession(QObject):
    """Signals for the app, fed by one task that consumes `client.events()`.

    Call `start()` on the running qasync loop and `await close()` when the app quits.
    """

    #: a `Snapshot`: replace everything the app knows about the office
    snapshot_received = Signal(object)
    #: an `Envelope`, in seq order, each once
    event_received = Signal(object)
    #: a `ConnectionState` (its value, a str)
    connection_changed = Signal(str)
    #: the server refused the token; the argument is the server's detail (for the log)
    refused = Signal(str)

    def __init__(
        self, client: ClientSession, state_file: Path | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._state_file = state_file
        self._task: asyncio.Task[None] | None = None

    @property
    def client(self) -> ClientSession:
        """The wrapped session: its command coroutines (`services`, `issue_ticket`, ...)."""
        return self._client

    @property
    def state(self) -> ConnectionState:
        """The event connection's present state."""
        return self._client.state

    def start(self) -> None:
        """Start following events in the background (idempotent)."""
        if self._task is not None and not self._task.done():
            return
        self._client.start()
        self._task = asyncio.get_running_loop().create_task(self._pump(), name="okno-qt-session")

    async def close(self) -> None:
        """Stop following events and close the connections."""
        await self._client.close()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:
                # The event stream had already died; closing still closes.
                logger.exception("the event stream had failed before closing")

    async def _pump(self) -> None:
        try:
            async for item in self._client.events():
                self._deliver(item)
        except SessionRefused as refusal:
            logger.error("the server refused this device: %s", refusal)
            self.refused.emit(refusal.detail)

    def _deliver(self, item: Any) -> None:
        if isinstance(item, ConnectionState):
            self.connection_changed.emit(item.value)
            return
        try:
            if isinstance(item, Snapshot):
                self.snapshot_received.emit(item)
            elif isinstance(item, Envelope):
                self.event_received.emit(item)
        except Exception:
            # A bug in one handler must not stop the stream for the whole app.
            logger.exception("handling %s failed", type(item).__name__)
        if self._state_file is not None:
            try:
                write_saved_seq(self._state_file, self._client.office, item.seq)
            except OSError as exc:
                logger.warning("cannot save the last seq to %s: %s", self._state_file, exc)
