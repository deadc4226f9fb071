"""The lean routes (a kiosk's ticket issue, the desk's clicks) answer exactly what the FastAPI
routes answer, for every kind of request, and serve the plain ones themselves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from starlette.types import ASGIApp, Receive, Scope, Send

from queue_server.api.app import create_app
from queue_server.api.events import encode_row
from queue_server.api.lean import lean_routes
from queue_server.bootstrap import Container
from queue_server.service.hub import EventHub
from queue_server.settings import ServerSettings
from queue_server.storage.db import sqlite_url
from tests.helpers.office import KIOSK_TOKEN, PASSWORDS, WORKPLACES, make_office, without_random

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

PATH = "/api/v1/offices/test/tickets"
KIOSK = {"Authorization": f"Bearer {KIOSK_TOKEN}"}
MAX_BODY = 2048


class Counting:
    """The FastAPI app, counting the requests for the issue path and the desk that reach it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.issues = 0
        self.desk = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == PATH:
            self.issues += 1
        if scope["type"] == "http" and scope["path"].startswith("/api/v1/desk/"):
            self.desk += 1
        await self.app(scope, receive, send)


async def _client(tmp_path: Path, fast: bool) -> AsyncIterator[tuple[httpx.AsyncClient, Counting]]:
    office = make_office(tmp_path / "okno.db")
    settings = ServerSettings(
        database_url=sqlite_url(tmp_path / "okno.db"),
        public_url="http://okno.test",
        max_body_bytes=MAX_BODY,
    )
    container = Container(
        settings, office.engine, office.service, office.queries, office.auth, EventHub(encode_row)
    )
    inner = Counting(create_app(container))
    app = lean_routes(container, inner) if fast else inner
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://okno") as client:
        yield client, inner
    office.engine.dispose()


@pytest_asyncio.fixture
async def plain(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Counting]]:
    async for pair in _client(tmp_path / "plain", fast=False):
        yield pair


@pytest_asyncio.fixture
async def fast(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Counting]]:
    async for pair in _client(tmp_path / "fast", fast=True):
        yield pair


async def _signed_in(client: httpx.AsyncClient, login: str) -> dict[str, str]:
    answer = await client.post(
        "/api/v1/auth/login",
        json={"login": login, "password": PASSWORDS[login], "workplace": WORKPLACES[login]},
    )
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def _post(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], body: Any
) -> httpx.Response:
    """POST `body`: raw bytes said to be JSON, no body at all (None), or an object as JSON."""
    if isinstance(body, bytes):
        headers = {"Content-Type": "application/json", **headers}
        return await client.post(path, content=body, headers=headers)
    if body is None:
        return await client.post(path, headers=headers)
    return await client.post(path, json=body, headers=headers)


async def _session(client: httpx.AsyncClient) -> list[Any]:
    """Every kind of request to the issue path, and what came back of each."""
    carol = await _signed_in(client, "carol")
    cases: list[tuple[dict[str, str], Any]] = [
        (KIOSK, {"service": "reg"}),  # the first use of the token: checked through FastAPI
        (KIOSK, {"service": "vac", "lang": "en"}),
        (KIOSK, {"service": "nope"}),  # unknown service: the domain refuses
        ({**KIOSK, "Accept-Language": "en-GB"}, {"service": "nope"}),
        (KIOSK, {"service": "reg", "note": "VIP"}),  # a kiosk may not leave a note
        (KIOSK, {"service": "ben", "priority": True}),
        (carol, {"service": "reg", "note": "Заявление"}),
        ({**KIOSK, "Idempotency-Key": "k-1"}, {"service": "reg"}),
        ({**KIOSK, "Idempotency-Key": "k-1"}, {"service": "reg"}),  # replayed
        ({**KIOSK, "Idempotency-Key": "k-1"}, {"service": "vac"}),  # conflict
        ({**KIOSK, "Idempotency-Key": "k" * 201}, {"service": "reg"}),  # key too long
        (KIOSK, {"service": ""}),  # refused by the model
        (KIOSK, {"service": "reg", "extra": 1}),
        (KIOSK, b"{not json"),
        ({**KIOSK, "Content-Type": "text/plain"}, b'{"service": "reg"}'),
        (KIOSK, {"service": "reg", "note": "x" * 3000}),  # over the body limit
        ({}, {"service": "reg"}),  # no token
        ({"Authorization": "Bearer nobody"}, {"service": "reg"}),
    ]
    seen = []
    for headers, body in cases:
        answer = await _post(client, PATH, headers, body)
        other = await client.post(
            "/api/v1/offices/other/tickets", json={"service": "reg"}, headers=KIOSK
        )
        seen.append(
            (
                answer.status_code,
                answer.headers.get("content-type"),
                answer.headers.get("idempotent-replayed"),
                without_random(answer.json()),
                other.status_code,
                other.json()["code"],
            )
        )
    return seen


async def test_the_lean_issue_answers_what_the_route_answers(
    plain: tuple[httpx.AsyncClient, Counting], fast: tuple[httpx.AsyncClient, Counting]
) -> None:
    """Eighteen kinds of request (issued, refused by the domain, by the model, by the limits,
    by authentication, replayed, conflicting, another office's): the same status, media type,
    headers and body with and without the lean route; the plain ones never reach FastAPI."""
    (plain_client, plain_app), (fast_client, fast_app) = plain, fast
    expected = await _session(plain_client)
    got = await _session(fast_client)
    assert got == expected
    assert [status for status, *_ in got][:10] == [201, 201, 404, 404, 403, 201, 201, 201, 201, 422]
    assert plain_app.issues == 18
    # Served before FastAPI: every request of a token already checked with a JSON body the
    # model accepts, within the limits (cases 2-6 and 8-10; carol's token is new at case 7).
    assert fast_app.issues == 18 - 8


async def _desk_session(client: httpx.AsyncClient) -> list[Any]:
    """Every kind of desk click, and what came back of each."""
    alice = await _signed_in(client, "alice")
    en = {**alice, "Accept-Language": "en"}
    finish = "/api/v1/desk/finish"
    cases: list[tuple[str, dict[str, str], Any]] = [
        ("/api/v1/desk/call-next", alice, None),  # the first use of the token: through FastAPI
        ("/api/v1/desk/call-next", alice, None),  # queue_empty
        ("/api/v1/desk/call-next", en, None),
        ("/api/v1/desk/start", alice, None),  # nothing called
        (PATH, KIOSK, {"service": "reg"}),
        (PATH, KIOSK, {"service": "reg"}),
        (PATH, KIOSK, {"service": "vac"}),
        ("/api/v1/desk/call-next", {**alice, "Idempotency-Key": "c-1"}, None),
        ("/api/v1/desk/call-next", {**alice, "Idempotency-Key": "c-1"}, None),  # replayed
        ("/api/v1/desk/recall", alice, None),
        ("/api/v1/desk/start", alice, None),
        (finish, alice, {"outcome": "nope"}),  # refused by the model
        (finish, alice, b"{not json"),
        (finish, {**alice, "Content-Type": "text/plain"}, b'{"outcome": "resolved"}'),
        (finish, {**alice, "Idempotency-Key": "f-1"}, {"outcome": "resolved"}),
        (finish, {**alice, "Idempotency-Key": "f-1"}, {"outcome": "resolved"}),  # replayed
        (finish, {**alice, "Idempotency-Key": "f-1"}, {"outcome": "follow_up"}),  # conflict
        (finish, en, {"outcome": "resolved"}),  # nothing at the desk
        ("/api/v1/desk/call-next", {**alice, "Idempotency-Key": "k" * 201}, None),  # too long
        ("/api/v1/desk/call-next", alice, b"{}"),  # a body the route does not read
        ("/api/v1/desk/no-show", alice, None),
        ("/api/v1/desk/resume", alice, None),  # not paused
        ("/api/v1/desk/call-next", KIOSK, None),  # not an operator
        ("/api/v1/desk/call-next", {}, None),  # no token
        ("/api/v1/desk/call-next", {"Authorization": "Bearer nobody"}, None),
        ("/api/v1/desk/call-next", alice, None),
    ]
    seen = []
    for path, headers, body in cases:
        answer = await _post(client, path, headers, body)
        seen.append(
            (
                path,
                answer.status_code,
                answer.headers.get("content-type"),
                answer.headers.get("idempotent-replayed"),
                without_random(answer.json()),
            )
        )
    return seen


async def test_the_lean_desk_answers_what_the_routes_answer(
    plain: tuple[httpx.AsyncClient, Counting], fast: tuple[httpx.AsyncClient, Counting]
) -> None:
    """Twenty-six desk clicks (called, started, finished, refused by the domain, by the model,
    by the limits, by authentication, replayed, conflicting; in Russian and English): the same
    status, media type, headers and body with and without the lean routes; the plain ones never
    reach FastAPI."""
    (plain_client, plain_app), (fast_client, fast_app) = plain, fast
    expected = await _desk_session(plain_client)
    got = await _desk_session(fast_client)
    assert got == expected
    statuses = [status for _, status, *_ in got]
    assert statuses[:11] == [404, 404, 404, 409, 201, 201, 201, 200, 200, 200, 200]
    assert statuses[11:18] == [422, 400, 422, 200, 200, 422, 409]
    assert got[8][3] == "true" and got[15][3] == "true"
    assert plain_app.desk == 26 - 3
    # Through FastAPI: the token's first use, the three bodies refused before the command (by
    # the model, as JSON, by media type), the long key, the body on a route that takes none, the
    # kiosk, no token and an unknown one. (The key's conflict is the command's refusal.)
    assert fast_app.desk == 1 + 3 + 1 + 1 + 3
