"""Request bodies over OKNO_MAX_BODY_BYTES are refused with 413 before they are read."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from queue_server.api.bodylimit import BodyLimit
from tests.helpers.office import Office

pytestmark = pytest.mark.asyncio

LIMIT = 64 * 1024
MEGABYTE = 1024 * 1024
CHUNK = 16 * 1024


class Recorder:
    """An ASGI app that reads the whole body, as FastAPI does, and records what it saw."""

    def __init__(self) -> None:
        self.called = False
        self.body = b""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.called = True
        more = True
        while more:
            message = await receive()
            self.body += message.get("body", b"")
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


class Streamed:
    """A client sending `total` bytes in CHUNK pieces; counts the pieces the server took."""

    def __init__(self, total: int) -> None:
        self.left = total
        self.taken = 0

    async def receive(self) -> Message:
        self.taken += 1
        piece = min(CHUNK, self.left)
        self.left -= piece
        return {"type": "http.request", "body": b"x" * piece, "more_body": self.left > 0}


async def _call(app: BodyLimit, headers: list[tuple[bytes, bytes]], client: Streamed) -> Message:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    await app(scope, client.receive, send)
    start = sent[0]
    start["body"] = b"".join(m.get("body", b"") for m in sent[1:])
    return start


async def test_declared_length_over_the_limit_is_refused_before_any_byte_is_read() -> None:
    """Content-Length: 1 MB → 413 problem JSON; the app never runs, no body byte is taken."""
    inner = Recorder()
    client = Streamed(MEGABYTE)
    answer = await _call(BodyLimit(inner, LIMIT), [(b"content-length", b"1048576")], client)
    assert answer["status"] == 413
    problem = json.loads(answer["body"])
    assert problem["code"] == "payload_too_large" and problem["extra"]["max_bytes"] == LIMIT
    assert "байт" in problem["detail"]
    assert (inner.called, client.taken) == (False, 0)


async def test_body_without_length_is_refused_as_soon_as_it_passes_the_limit() -> None:
    """A chunked 1 MB body: 413 after the first piece past 64 kB; the rest is never taken."""
    client = Streamed(MEGABYTE)
    answer = await _call(BodyLimit(Recorder(), LIMIT), [], client)
    assert answer["status"] == 413 and json.loads(answer["body"])["code"] == "payload_too_large"
    assert client.taken == LIMIT // CHUNK + 1


async def test_body_within_the_limit_reaches_the_app_whole() -> None:
    """A body of exactly the limit is passed through untouched."""
    inner = Recorder()
    answer = await _call(BodyLimit(inner, LIMIT), [], Streamed(LIMIT))
    assert answer["status"] == 200 and len(inner.body) == LIMIT


async def test_a_megabyte_without_a_token_gets_413_not_401(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """1 MB to a desk route without a token: 413 payload_too_large (ru, and en when asked)."""
    client, _ = api
    body = json.dumps({"service": "reg", "operator": "x" * MEGABYTE})
    headers = {"Content-Type": "application/json"}
    response = await client.post("/api/v1/desk/transfer", content=body, headers=headers)
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "payload_too_large" and "байт" in response.json()["detail"]
    english = await client.post(
        "/api/v1/auth/login", content=body, headers={**headers, "Accept-Language": "en"}
    )
    assert english.status_code == 413 and "larger than 65536 bytes" in english.json()["detail"]


async def test_a_streamed_megabyte_is_cut_off_early(api: tuple[httpx.AsyncClient, Office]) -> None:
    """Without Content-Length, the route reads only up to the limit before answering 413."""
    client, _ = api
    pieces = [0]

    async def megabyte() -> AsyncIterator[bytes]:
        for _ in range(MEGABYTE // CHUNK):
            pieces[0] += 1
            yield b" " * CHUNK

    response = await client.post(
        "/api/v1/auth/login", content=megabyte(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    assert pieces[0] <= LIMIT // CHUNK + 1


async def test_413_and_429_are_in_the_openapi(api: tuple[httpx.AsyncClient, Office]) -> None:
    """Every operation documents 413; the rate-limited ones also 429 with Retry-After.

    Those are login, the public ticket, the booking API (limited per caller) and check-in
    (code guessing throttled per device and address); a desk's commands are not limited.
    """
    client, _ = api
    paths = (await client.get("/openapi.json")).json()["paths"]
    api_operations = [
        (path, operation)
        for path, operations in paths.items()
        if path.startswith("/api/v1/") and path != "/api/v1/health"
        for operation in operations.values()
    ]
    assert all("413" in op["responses"] for _, op in api_operations)
    limited = {path for path, op in api_operations if "429" in op["responses"]}
    booking = "/api/v1/offices/{office}/booking"
    assert limited == {
        "/api/v1/auth/login",
        "/api/v1/public/tickets/{token}",
        "/api/v1/offices/{office}/check-in",
        f"{booking}/days",
        f"{booking}/slots",
        f"{booking}/bookings",
        f"{booking}/bookings/{{code}}",
        f"{booking}/bookings/{{code}}/cancel",
        f"{booking}/bookings/{{code}}/move",
    }
    for path in limited:
        for too_many in (op["responses"].get("429") for op in paths[path].values()):
            assert too_many is None or "Retry-After" in too_many["headers"], path
