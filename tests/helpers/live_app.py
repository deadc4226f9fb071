"""The server app in this process, served by uvicorn on 127.0.0.1 (port 0), on the test office.

For WebSocket tests that need what a real server process cannot give: an injected clock and
direct access to the container (its hub, auth and database), on the test's own event loop.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from queue_server.api.app import create_app, served_app
from queue_server.api.events import encode_row
from queue_server.bootstrap import Container
from queue_server.service.hub import EventHub
from queue_server.settings import ServerSettings
from queue_server.storage.db import sqlite_url
from tests.helpers.office import PASSWORDS, WORKPLACES, Office, make_office

TIMEOUT = 5.0


@dataclass
class LiveApp:
    url: str
    office: Office
    container: Container
    http: httpx.AsyncClient

    async def login(self, operator: str, workplace: str | None = None) -> str:
        """Sign `operator` in (at their own workplace unless told) and return the token."""
        response = await self.http.post(
            "/api/v1/auth/login",
            json={
                "login": operator,
                "password": PASSWORDS[operator],
                "workplace": workplace or WORKPLACES[operator],
            },
        )
        assert response.status_code == 200, response.text
        return str(response.json()["token"])

    @asynccontextmanager
    async def socket(self, token: str, since: int | None = None) -> AsyncIterator[ClientConnection]:
        """A WebSocket that has said hello with `token` (its first answer is still unread)."""
        url = self.url.replace("http://", "ws://", 1) + "/ws"
        async with connect(url, open_timeout=TIMEOUT, close_timeout=2) as ws:
            await ws.send(json.dumps({"type": "hello", "v": 1, "token": token, "since": since}))
            yield ws


async def receive(ws: ClientConnection, within: float = TIMEOUT) -> dict[str, Any]:
    async with asyncio.timeout(within):
        message: dict[str, Any] = json.loads(await ws.recv())
    return message


@dataclass(frozen=True)
class Closed:
    """How the server ended a connection: the messages before, the close code and reason."""

    messages: list[dict[str, Any]]
    code: int | None
    reason: str | None

    @property
    def error(self) -> dict[str, Any]:
        """The last message, which must be the error sent before closing."""
        assert self.messages and self.messages[-1]["type"] == "error", self.messages
        return self.messages[-1]


async def until_closed(ws: ClientConnection, within: float = TIMEOUT) -> Closed:
    """Read until the server closes the connection (fails after `within` seconds)."""
    messages: list[dict[str, Any]] = []
    async with asyncio.timeout(within):
        try:
            while True:
                messages.append(json.loads(await ws.recv()))
        except ConnectionClosed as exc:
            close = exc.rcvd
            return Closed(messages, close.code if close else None, close.reason if close else None)


@asynccontextmanager
async def live_app(tmp_path: Path, queue_changed_every: float = 0.0) -> AsyncIterator[LiveApp]:
    """The app on a fresh test office (hand-moved clock), with its lifespan (the event-log
    catch-up every half second) running; `queue_changed_every`: see ServerSettings."""
    office = make_office(tmp_path / "okno.db")
    office.service.coalesce_seconds = queue_changed_every
    settings = ServerSettings(
        database_url=sqlite_url(tmp_path / "okno.db"), public_url="http://okno.test"
    )
    container = Container(
        settings, office.engine, office.service, office.queries, office.auth, EventHub(encode_row)
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        served_app(container, create_app(container)),
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(TIMEOUT):
            while not server.started:
                assert not task.done(), "the server did not start"
                await asyncio.sleep(0.01)
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as http:
            yield LiveApp(url, office, container, http)
    finally:
        server.should_exit = True
        await task
        sock.close()
        office.engine.dispose()
