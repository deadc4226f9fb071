"""`WS /ws`: hello, then a snapshot or the missed events, then live events in seq order.

The subscription is taken before the database is read, so an event committed while the client
is being caught up is either in what was read or in the subscriber's queue; duplicates are
dropped by seq. A client that says hello with a seq too old (or unknown) gets a snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from queue_protocol.errors import ProtocolError
from queue_protocol.messages import Resumed, Snapshot, WsError, decode_hello, encode_message
from queue_server.api.events import encode_row
from queue_server.bootstrap import Container
from queue_server.service.auth import AuthError
from queue_server.service.hub import Subscriber

log = logging.getLogger("okno.ws")

router = APIRouter()

HELLO_TIMEOUT = 10.0
CLOSE_BAD_HELLO = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_TOO_SLOW = 4408


@router.websocket("/ws")
async def events_socket(websocket: WebSocket) -> None:
    """The route, for an app used without `direct_socket` (tests, embedding)."""
    await serve_socket(websocket, websocket.app.state.container)


def direct_socket(container: Container, app: ASGIApp) -> ASGIApp:
    """`app` with `/ws` served before FastAPI's middleware stack.

    An idle connection then holds only its own frames, not a dozen suspended middleware frames:
    that is most of the memory an idle display costs the server.
    """

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == "/ws":
            await serve_socket(WebSocket(scope, receive, send), container)
        else:
            await app(scope, receive, send)

    return asgi


async def serve_socket(websocket: WebSocket, container: Container) -> None:
    """Hello, catch-up, then live events until the client goes away."""
    await websocket.accept()
    try:
        raw = await asyncio.wait_for(websocket.receive_text(), HELLO_TIMEOUT)
        hello = decode_hello(raw)
    except (TimeoutError, ProtocolError, KeyError) as exc:
        await _refuse(websocket, "bad_hello", f"Expected a hello message: {exc}", CLOSE_BAD_HELLO)
        return
    except WebSocketDisconnect:
        return
    try:
        principal = await run_in_threadpool(container.auth.authenticate, hello.token)
    except AuthError as exc:
        await _refuse(websocket, exc.code, exc.en, CLOSE_UNAUTHORIZED)
        return
    if principal.kind != "operator":
        await run_in_threadpool(container.auth.touch_device, principal.id)
    office = principal.office
    hub = container.hub
    subscriber = hub.subscribe(office)
    reader = asyncio.create_task(_read_until_closed(websocket, subscriber))
    try:
        last = await _catch_up(websocket, container, office, hello.since)
        await _stream(websocket, container, subscriber, last)
    except (WebSocketDisconnect, RuntimeError, ConnectionError):
        pass
    finally:
        hub.unsubscribe(subscriber)
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


async def _refuse(websocket: WebSocket, code: str, detail: str, close_code: int) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await websocket.send_text(encode_message(WsError(code=code, detail=detail)))
        await websocket.close(close_code)


async def _catch_up(
    websocket: WebSocket, container: Container, office: str, since: int | None
) -> int:
    """Send a snapshot or the missed events; returns the last seq the client now has."""
    limit = container.settings.max_replay
    if since is not None:
        rows = await run_in_threadpool(container.queries.events_since, office, since, limit + 1)
        current = await run_in_threadpool(container.queries.seq, office)
        if since <= current and len(rows) <= limit:
            for row in rows:
                await websocket.send_text(encode_row(row))
            last = rows[-1]["seq"] if rows else since
            await websocket.send_text(encode_message(Resumed(office=office, seq=last)))
            return int(last)
    seq, data = await run_in_threadpool(container.queries.snapshot, office)
    await websocket.send_text(encode_message(Snapshot(office=office, seq=seq, data=data)))
    return seq


async def _stream(
    websocket: WebSocket, container: Container, subscriber: Subscriber, last: int
) -> None:
    while True:
        item = await subscriber.queue.get()
        if item is None:
            await websocket.close(CLOSE_TOO_SLOW)
            return
        seq, text = item
        if seq <= last:
            continue
        if seq > last + 1:  # never expected; fill from the log rather than skip
            rows = await run_in_threadpool(
                container.queries.events_since, subscriber.office, last, seq - last - 1
            )
            for row in rows:
                await websocket.send_text(encode_row(row))
        await websocket.send_text(text)
        last = seq
        if not subscriber.queue.empty():
            # Let every other client get this event before this one gets the next: a call
            # reaches the last of 1,000 displays before anyone's queue.changed goes out.
            await asyncio.sleep(0)


async def _read_until_closed(websocket: WebSocket, subscriber: Subscriber) -> None:
    """Drain what the client sends; when it goes away, wake the sender so it ends."""
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
    except (WebSocketDisconnect, RuntimeError):
        pass
    with contextlib.suppress(asyncio.QueueFull):
        subscriber.queue.put_nowait(None)
