"""Group commit through HTTP: kiosks asking at once share commits, each gets its own answer, and
the events reach the clients in the log's order."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import event

from tests.helpers.live_app import LiveApp, live_app, receive
from tests.helpers.office import DISPLAY_TOKEN, KIOSK_TOKEN

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

KIOSK = {"Authorization": f"Bearer {KIOSK_TOKEN}"}
REQUESTS = 40


@pytest_asyncio.fixture
async def app(tmp_path: Path) -> AsyncIterator[LiveApp]:
    async with live_app(tmp_path) as live:
        yield live


async def test_kiosks_asking_at_once_share_commits_and_get_their_own_tickets(
    app: LiveApp,
) -> None:
    """40 issues at once (one for an unknown service): fewer commits than commands, 39 distinct
    numbers in order of asking, the refusal answered alone, and a display sees every event once,
    in seq order with no gap."""
    commits = 0

    def count(_conn: Any) -> None:
        nonlocal commits
        commits += 1

    async with app.socket(DISPLAY_TOKEN) as ws:
        await receive(ws)  # the snapshot
        event.listen(app.office.engine, "commit", count)
        try:
            services = ["reg"] * REQUESTS
            services[17] = "nope"
            answers = await asyncio.gather(
                *(
                    app.http.post(
                        "/api/v1/offices/test/tickets", json={"service": s}, headers=KIOSK
                    )
                    for s in services
                )
            )
        finally:
            event.remove(app.office.engine, "commit", count)
        statuses = [a.status_code for a in answers]
        assert statuses.count(201) == REQUESTS - 1 and statuses[17] == 404
        assert answers[17].json()["code"] == "unknown_service"
        numbers = [a.json()["number"] for a in answers if a.status_code == 201]
        assert sorted(numbers) == [f"А{n:03d}" for n in range(1, REQUESTS)]
        assert commits < REQUESTS - 1, "every command paid its own commit"
        seqs: list[int] = []
        issued = 0
        while issued < REQUESTS - 1:
            message = await receive(ws)
            seqs.append(message["seq"])
            issued += message["type"] == "ticket.issued"
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert json.loads(answers[0].text)["status"] == "waiting"
