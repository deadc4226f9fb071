"""What each device kind receives on /ws: only its scope's events and snapshot, with every seq
still there (events it must not see come as `filtered` placeholders)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from websockets.asyncio.client import ClientConnection

from queue_protocol.events import decode_event
from queue_protocol.messages import decode_server_message
from queue_protocol.payloads import DayReset
from queue_server.service.commands import Housekeep
from tests.helpers.live_app import LiveApp, live_app, receive
from tests.helpers.office import DISPLAY_TOKEN, KIOSK_TOKEN

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

RATING_TOKEN = "rating-token-1"  # the rating terminal of workplace 1 (alice's)


@pytest_asyncio.fixture
async def app(tmp_path: Path) -> AsyncIterator[LiveApp]:
    async with live_app(tmp_path) as live:
        yield live


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def serve_one_visitor_at_each_desk(app: LiveApp) -> None:
    """Two tickets; bob (window 2) then alice (window 1) call, start and finish one each."""
    for service in ("vac", "reg"):
        issued = await app.http.post(
            "/api/v1/offices/test/tickets", json={"service": service}, headers=bearer(KIOSK_TOKEN)
        )
        assert issued.status_code == 201, issued.text
    for operator in ("bob", "alice"):
        token = await app.login(operator)
        for step, body in (
            ("call-next", None),
            ("start", None),
            ("finish", {"outcome": "resolved"}),
        ):
            answer = await app.http.post(f"/api/v1/desk/{step}", json=body, headers=bearer(token))
            assert answer.status_code == 200, answer.text


async def events_until(ws: ClientConnection, last_seq: int, after: int) -> list[dict[str, Any]]:
    """Every event after seq `after` up to `last_seq`, checked to come without a gap."""
    events: list[dict[str, Any]] = []
    while not events or events[-1]["seq"] < last_seq:
        message = await receive(ws)
        decode_server_message(message_text(message))  # what a client reads, it can read
        assert message["seq"] == (events[-1]["seq"] if events else after) + 1, message
        events.append(message)
    return events


def message_text(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


async def office_seq(app: LiveApp) -> int:
    """The last seq of the office's event log."""
    return int(await asyncio.to_thread(app.container.queries.seq, "test"))


async def test_a_rating_terminal_sees_only_its_workplace_and_no_seq_is_missing(
    app: LiveApp,
) -> None:
    """The terminal of window 1 gets a snapshot without tickets or lines, then its own
    rating.requested and its specialist's status; everything else (tickets, lines, window 2's
    rating) arrives as data-less `filtered` placeholders, so its seqs have no gap."""
    async with app.socket(RATING_TOKEN) as ws:
        snapshot = await receive(ws)
        assert snapshot["type"] == "snapshot"
        data = snapshot["data"]
        assert data["waiting"] == data["active"] == data["services"] == []
        assert [w["id"] for w in data["workplaces"]] == ["1"]
        assert data["operators"] == []  # nobody at window 1 yet
        await serve_one_visitor_at_each_desk(app)
        events = await events_until(ws, await office_seq(app), snapshot["seq"])
    shown = [e for e in events if e["type"] != "filtered"]
    assert {e["type"] for e in shown} == {"operator.status", "rating.requested"}
    assert all(e["data"]["workplace"] in ("1", None) for e in shown)
    assert [e["data"]["number"] for e in shown if e["type"] == "rating.requested"] == ["А001"]
    hidden = [e for e in events if e["type"] == "filtered"]
    assert hidden and all(e["data"] == {} for e in hidden)
    assert len(hidden) > len(shown)


async def test_a_rating_terminal_resuming_gets_the_same_view(app: LiveApp) -> None:
    """Missed events replayed on resume are scoped as the live ones: the same placeholders and
    the same shown events, in the same seqs."""
    async with app.socket(RATING_TOKEN) as ws:
        snapshot = await receive(ws)
        await serve_one_visitor_at_each_desk(app)
        live = await events_until(ws, await office_seq(app), snapshot["seq"])
    async with app.socket(RATING_TOKEN, since=snapshot["seq"]) as ws:
        replayed = [await receive(ws) for _ in live]
        assert (await receive(ws))["type"] == "resumed"
    assert replayed == live


async def test_a_kiosk_gets_its_menu_and_estimates_only(app: LiveApp) -> None:
    """A kiosk's snapshot has the services (names, counts, estimates) and no tickets or people;
    it gets queue.changed, and day.reset without ticket ids; tickets, calls, people and ratings
    come as placeholders."""
    async with app.socket(KIOSK_TOKEN) as ws:
        snapshot = await receive(ws)
        data = snapshot["data"]
        assert {s["service"] for s in data["services"]} == {"reg", "vac", "ben"}
        assert data["waiting"] == data["active"] == data["operators"] == data["workplaces"] == []
        await serve_one_visitor_at_each_desk(app)
        issued = await app.http.post(
            "/api/v1/offices/test/tickets", json={"service": "ben"}, headers=bearer(KIOSK_TOKEN)
        )
        assert issued.status_code == 201
        app.office.clock.advance(minutes=24 * 60)  # the next day: the waiting ticket is closed
        executed = app.office.service.execute(Housekeep("test"))  # as the minutely task does
        assert any(e["type"] == "day.reset" for e in executed.events)
        events = await events_until(ws, await office_seq(app), snapshot["seq"])
    shown = {e["type"] for e in events if e["type"] != "filtered"}
    assert shown == {"queue.changed", "day.reset"}
    day_reset = next(e for e in events if e["type"] == "day.reset")
    assert list(day_reset["data"]) == ["day"]
    payload = decode_event(message_text(day_reset)).payload
    assert isinstance(payload, DayReset) and payload.closed == []


async def test_a_display_gets_calls_and_lines_but_not_ratings(app: LiveApp) -> None:
    """A hall display gets the whole snapshot and ticket and queue events whole; rating
    requests come as placeholders."""
    async with app.socket(DISPLAY_TOKEN) as ws:
        snapshot = await receive(ws)
        assert snapshot["data"]["services"]
        await serve_one_visitor_at_each_desk(app)
        events = await events_until(ws, await office_seq(app), snapshot["seq"])
    shown = {e["type"] for e in events if e["type"] != "filtered"}
    assert {"ticket.issued", "ticket.called", "queue.changed", "operator.status"} <= shown
    assert not any(kind.startswith("rating.") for kind in shown)
    assert any(e["type"] == "filtered" for e in events)


async def test_an_operator_sees_the_whole_office(app: LiveApp) -> None:
    """An operator's socket gets every event whole (no placeholder)."""
    carol = await app.login("carol")
    async with app.socket(carol) as ws:
        snapshot = await receive(ws)
        await serve_one_visitor_at_each_desk(app)
        events = await events_until(ws, await office_seq(app), snapshot["seq"])
    assert "filtered" not in {e["type"] for e in events}
    assert {"ticket.issued", "rating.requested"} <= {e["type"] for e in events}
