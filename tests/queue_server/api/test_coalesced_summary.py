"""A running server sends the `queue.changed` that coalesced commands left owed, on its own."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.helpers.live_app import live_app, receive
from tests.helpers.office import DISPLAY_TOKEN, KIOSK_TOKEN

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

KIOSK = {"Authorization": f"Bearer {KIOSK_TOKEN}"}


async def test_the_owed_summary_reaches_a_display_within_the_window(tmp_path: Path) -> None:
    """Five issues in a row with a 0.2 s window: the display gets five ticket.issued and, within
    about two windows, a queue.changed that counts all five, without another command."""
    async with live_app(tmp_path, queue_changed_every=0.2) as app, app.socket(DISPLAY_TOKEN) as ws:
        await receive(ws)  # the snapshot
        for _ in range(5):
            answer = await app.http.post(
                "/api/v1/offices/test/tickets", json={"service": "reg"}, headers=KIOSK
            )
            assert answer.status_code == 201
        loop = asyncio.get_running_loop()
        start = loop.time()
        issued, counts = 0, []
        while not counts or counts[-1] != 5:
            message = await receive(ws, within=2.0)
            if message["type"] == "ticket.issued":
                issued += 1
            elif message["type"] == "queue.changed":
                lines = {s["service"]: s["waiting"] for s in message["data"]["services"]}
                counts.append(lines["reg"])
        assert issued == 5
        assert len(counts) < 5, "every issue sent its own queue.changed"
        assert loop.time() - start < 1.0
