"""The event WebSocket of a real server: snapshot, resume after missed events, refusals."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.api import TICKETS_PATH, TIMEOUT, ws_url
from tests.helpers.office import KIOSK_TOKEN, PASSWORDS, WORKPLACES
from tests.helpers.server_process import ServerProcess

MISSED = 30
QUIET = 0.5  # how long "no further message" is waited for


@asynccontextmanager
async def socket(url: str) -> AsyncIterator[ClientConnection]:
    async with connect(ws_url(url), open_timeout=TIMEOUT, close_timeout=2) as ws:
        yield ws


async def hello(ws: ClientConnection, since: int | None, token: str = KIOSK_TOKEN) -> None:
    await ws.send(json.dumps({"type": "hello", "v": 1, "token": token, "since": since}))


async def receive(ws: ClientConnection, within: float = TIMEOUT) -> dict[str, Any]:
    async with asyncio.timeout(within):
        message: dict[str, Any] = json.loads(await ws.recv())
    return message


async def assert_quiet(ws: ClientConnection) -> None:
    """Nothing more arrives for a while (no duplicate, no stray event)."""
    with pytest.raises(TimeoutError):
        extra = await receive(ws, QUIET)
        pytest.fail(f"unexpected message {extra}")


class Office:
    """The HTTP side: a kiosk and two desks whose commands make events."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.tokens: dict[str, str] = {}

    async def login(self, operator: str) -> None:
        body = {
            "login": operator,
            "password": PASSWORDS[operator],
            "workplace": WORKPLACES[operator],
        }
        response = await self.http.post("/api/v1/auth/login", json=body)
        assert response.status_code == 200, response.text
        self.tokens[operator] = response.json()["token"]

    async def issue(self, service: str) -> dict[str, Any]:
        response = await self.http.post(
            TICKETS_PATH,
            json={"service": service},
            headers={"Authorization": f"Bearer {KIOSK_TOKEN}"},
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def desk(self, operator: str, command: str, body: dict[str, Any] | None = None) -> None:
        response = await self.http.post(
            f"/api/v1/desk/{command}",
            json=body,
            headers={"Authorization": f"Bearer {self.tokens[operator]}"},
        )
        assert response.status_code == 200, response.text


@pytest.mark.e2e
@pytest.mark.asyncio
async def test_reconnect_with_since_gets_exactly_the_missed_events_then_live_ones(
    uncoalesced_server: ServerProcess,
) -> None:
    """Hello since=S after 30 events: those 30 in seq order, then resumed, then live; none twice.
    (A server that does not coalesce queue.changed: the count of events is then known.)"""
    server = uncoalesced_server
    async with httpx.AsyncClient(base_url=server.url, timeout=TIMEOUT) as http:
        office = Office(http)
        await office.login("alice")
        await office.login("bob")
        await office.login("carol")  # watches: an operator's socket sees every event
        watcher = office.tokens["carol"]
        await office.issue("reg")

        async with socket(server.url) as first:
            await hello(first, None, watcher)
            snapshot = await receive(first)
        assert snapshot["type"] == "snapshot"
        assert snapshot["office"] == "test" and snapshot["data"]
        since = snapshot["seq"]
        assert since > 0

        async with socket(server.url) as live:
            await hello(live, since, watcher)
            assert await receive(live) == {
                "type": "resumed",
                "v": 1,
                "office": "test",
                "seq": since,
            }
            # 10 tickets (issued + queue.changed each), then two desks at work: 30 events.
            for i in range(10):
                await office.issue(("reg", "vac", "ben")[i % 3])
            await office.desk("alice", "call-next")  # called, queue.changed
            await office.desk("alice", "recall")  # recalled
            await office.desk("alice", "start")  # started
            await office.desk("alice", "finish", {"outcome": "resolved"})  # + rating, queue
            await office.desk("bob", "call-next")  # called, queue.changed
            await office.desk("bob", "start")  # started
            missed = [await receive(live) for _ in range(MISSED)]
            await assert_quiet(live)
        assert [e["seq"] for e in missed] == list(range(since + 1, since + MISSED + 1))
        assert {e["type"] for e in missed} >= {
            "ticket.issued",
            "queue.changed",
            "ticket.called",
            "ticket.recalled",
            "ticket.started",
            "ticket.finished",
            "rating.requested",
        }

        async with socket(server.url) as back:
            await hello(back, since, watcher)
            replayed = [await receive(back) for _ in range(MISSED)]
            assert replayed == missed
            assert await receive(back) == {
                "type": "resumed",
                "v": 1,
                "office": "test",
                "seq": since + MISSED,
            }
            ticket = await office.issue("vac")
            issued = await receive(back)
            assert (issued["type"], issued["seq"], issued["data"]["id"]) == (
                "ticket.issued",
                since + MISSED + 1,
                ticket["id"],
            )
            assert issued["data"]["number"] == ticket["number"]
            changed = await receive(back)
            assert (changed["type"], changed["seq"]) == ("queue.changed", since + MISSED + 2)
            await assert_quiet(back)


@pytest.mark.e2e
@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("first_message", "code", "close_code"),
    [
        (
            json.dumps({"type": "hello", "v": 1, "token": "no-such-token", "since": None}),
            "unauthorized",
            4401,
        ),
        ("{not json", "bad_hello", 4400),
        (json.dumps({"type": "hello", "v": 1}), "bad_hello", 4400),
        (json.dumps({"type": "subscribe", "token": KIOSK_TOKEN}), "bad_hello", 4400),
    ],
    ids=["unknown-token", "not-json", "no-token", "not-a-hello"],
)
async def test_refused_hello_gets_an_error_and_a_close_code(
    module_server: ServerProcess, first_message: str, code: str, close_code: int
) -> None:
    """A bad token gets an error and close 4401; a malformed hello an error and close 4400."""
    async with socket(module_server.url) as ws:
        await ws.send(first_message)
        error = await receive(ws)
        assert error["type"] == "error"
        assert error["detail"]
        assert error["code"] == code
        with pytest.raises(ConnectionClosed):
            await receive(ws)
        assert ws.close_code == close_code
