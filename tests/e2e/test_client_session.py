"""ClientSession against a real server: snapshot, live events, resume after a crash."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from queue_protocol.client import ClientSession, ConnectionState
from queue_protocol.events import Envelope
from queue_protocol.messages import Snapshot
from tests.e2e.conftest import _server
from tests.helpers.office import DISPLAY_TOKEN, KIOSK_TOKEN, PASSWORDS, WORKPLACES

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]


async def next_of(session: ClientSession, kind: type) -> object:
    """The next item of `kind` from the session's stream (other items are skipped)."""
    async with asyncio.timeout(10):
        async for item in session.events():
            if isinstance(item, kind):
                return item
    raise AssertionError("the event stream ended")


async def until_state(session: ClientSession, state: ConnectionState, seen: list[object]) -> None:
    async with asyncio.timeout(30):
        async for item in session.events():
            seen.append(item)
            if item == state:
                return


async def test_session_follows_the_queue_across_a_server_crash(
    tmp_path: Path, office_db: Path
) -> None:
    """A display's session gets a snapshot, live calls, and after kill -9 + restart the missed
    events exactly once, in order."""
    server = _server(tmp_path, office_db).start()
    display = ClientSession(server.url, DISPLAY_TOKEN, "test", backoff_base=0.05, backoff_max=0.3)
    kiosk = ClientSession(server.url, KIOSK_TOKEN, "test")
    desk = ClientSession(server.url, None, "test")
    try:
        display.start()
        snapshot = await next_of(display, Snapshot)
        assert isinstance(snapshot, Snapshot) and snapshot.data["waiting"] == []

        await desk.login("alice", PASSWORDS["alice"], WORKPLACES["alice"])
        issued = await kiosk.issue_ticket("reg")
        called = await desk.call_next()
        assert called.ticket is not None and called.ticket.number == issued.number
        types = []
        while "ticket.called" not in types:
            event = await next_of(display, Envelope)
            assert isinstance(event, Envelope)
            types.append(event.type)
        assert types.index("ticket.issued") < types.index("ticket.called")

        server.kill()
        seen: list[object] = []
        await until_state(display, ConnectionState.RECONNECTING, seen)
        server.start()  # same port, same database
        await desk.start_service()
        await desk.finish("resolved")
        second = await kiosk.issue_ticket("vac")
        assert second.number == "В001"
        seqs: list[int] = []
        kinds: list[str] = []
        async with asyncio.timeout(30):
            async for item in display.events():
                if isinstance(item, Envelope):
                    seqs.append(item.seq)
                    kinds.append(item.type)
                    if item.type == "ticket.issued":
                        break
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "events skipped or repeated"
        # A display is not shown rating requests: its seq moves on past a `filtered` one.
        # (What the display had not read before the crash, e.g. a queue.changed, may come first.)
        start = kinds.index("ticket.started")
        assert kinds[start : start + 3] == ["ticket.started", "ticket.finished", "filtered"]
    finally:
        # Closed also when an assertion failed: a leaked socket would fail a later test.
        for session in (display, kiosk, desk):
            await session.close()
        server.stop()
