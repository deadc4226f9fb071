"""`WS /ws`: hello, then a snapshot or the missed events, then live events in seq order.

The subscription is taken before the database is read, so an event committed while the client
is being caught up is either in what was read or in the subscriber's queue; duplicates are
dropped by seq. A client that says hello with a seq too old (or unknown) gets a snapshot.

Each caller gets only its scope of the office (`queue_server.service.scope`): an operator every
event; a display all but `rating.*`, `booking.*` and `device.*`; a kiosk `queue.changed`,
`config.changed` and `day.reset` (no ticket ids) and a snapshot of the services only; a rating
terminal the `rating.*` and `operator.status` of its own workplace (and operators leaving one),
`config.changed` and `day.reset`, and a snapshot of its workplace and its operator. An event a
caller must not see still takes its seq (clients count seqs without gaps): it is replaced by
`{"v": 1, "office": …, "seq": n, "type": "filtered", "at": …, "data": {}}`, which tells neither
the hidden type nor its data; a client hands it out as an unknown type and moves on. Replayed
events on resume are scoped the same way.

Close codes (each refusal first sends a `WsError` with its code and an English detail):

- 4400: the first message was not a valid hello (`bad_hello`).
- 4401: the token is not (or no longer) valid; reconnecting with it cannot help, so a client
  stops. At hello: `unauthorized` or `token_expired`. On an open connection, the close reason
  tells why it ended: `token_revoked` (logout), `token_replaced` (a newer login of the same
  operator, or a new token of the same device from `okno device add`), `deactivated` (the
  operator or device was left out of an applied office file), all with the error code
  `unauthorized`; `token_expired` (an operator's 12 h session ran out), error `token_expired`.
- 4403: the token is valid but not for events: an outside system's booking API token
  (`okno api-client add`), error `forbidden`. Refused at hello, before anything is sent.
- 4408: the client fell too far behind (or the server restarted its stream); reconnect with
  `since`, nothing is lost.

An open connection ends as soon as its credential does: at once when the change is made in this
process (logout, login, expiry timer); when it is made by another process or the `okno`
command, as soon as this process reads its event (config.changed, operator.status: within about
half a second), and otherwise at the latest at the next re-check of every open connection,
made at most every RECHECK_SECONDS while events flow.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from queue_protocol.errors import ProtocolError
from queue_protocol.events import EventType
from queue_protocol.messages import Resumed, Snapshot, WsError, decode_hello, encode_message
from queue_server.api.events import encode_row
from queue_server.bootstrap import Container
from queue_server.service.auth import API_CLIENT, AuthError
from queue_server.service.connections import Connection, Ending
from queue_server.service.hub import Delivery, Subscriber
from queue_server.service.scope import FILTERED, Visibility, visibility_for

log = logging.getLogger("okno.ws")

router = APIRouter()

HELLO_TIMEOUT = 10.0
CLOSE_BAD_HELLO = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_SLOW = 4408
RECHECK_SECONDS = 10.0


def watch_credentials(container: Container) -> None:
    """Credentials changed by another process reach this one through the event log.

    An office's config.changed (an office file applied, an operator added, a device given a new
    token) drops the tokens this process checked lately, so a deactivated account is refused
    at once, and re-checks the office's open connections; an operator.status re-checks that
    operator's connections (a logout or login elsewhere). While events flow, every open
    connection is re-checked at most every RECHECK_SECONDS, for whatever no event tells.
    """
    auth = container.auth
    running: set[asyncio.Future[int]] = set()
    next_sweep = 0.0

    def finished(future: asyncio.Future[int]) -> None:
        running.discard(future)
        if not future.cancelled() and future.exception() is not None:
            log.error("re-checking open connections failed", exc_info=future.exception())

    def recheck(wanted: Callable[[Connection], bool]) -> None:
        if not auth.connections.matching(wanted):
            return
        future = asyncio.get_running_loop().run_in_executor(None, auth.recheck, wanted)
        running.add(future)
        future.add_done_callback(finished)

    def on_event(office: str, event: dict[str, Any]) -> None:
        nonlocal next_sweep
        kind = event["type"]
        if kind == EventType.CONFIG_CHANGED.value:
            auth.forget_tokens()
            recheck(lambda c: c.office == office)
        elif kind == EventType.OPERATOR_STATUS.value:
            operator = event["data"].get("operator")
            recheck(
                lambda c: (
                    c.credential.principal.kind == "operator"
                    and c.credential.principal.id == operator
                )
            )
        now = time.monotonic()
        if now >= next_sweep and len(auth.connections):
            next_sweep = now + RECHECK_SECONDS
            recheck(lambda _: True)

    container.hub.listen(on_event)


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
    auth = container.auth
    generation = auth.generation
    try:
        credential = await run_in_threadpool(auth.check, hello.token)
    except AuthError as exc:
        await _refuse(websocket, exc.code, exc.en, CLOSE_UNAUTHORIZED)
        return
    principal = credential.principal
    if principal.kind == API_CLIENT:
        await _refuse(
            websocket,
            "forbidden",
            "This token is for the booking API; it cannot follow the office's events",
            CLOSE_FORBIDDEN,
        )
        return
    if principal.kind != "operator":
        await run_in_threadpool(auth.touch_device, principal.id)
    office = principal.office
    hub = container.hub
    subscriber = hub.subscribe(office)
    loop = asyncio.get_running_loop()

    def end(_ending: Ending) -> None:  # any thread
        with contextlib.suppress(RuntimeError):  # the loop is closing: so is the socket
            loop.call_soon_threadsafe(_stop, subscriber)

    connection = auth.connections.add(credential, end)
    expiry = None
    if credential.expires_at is not None:
        delay = (credential.expires_at - auth.clock()).total_seconds()
        expiry = loop.call_later(max(delay, 0.0), auth.connections.end, connection, Ending.EXPIRED)
    reader = asyncio.create_task(_read_until_closed(websocket, subscriber))
    try:
        if auth.generation != generation:
            # Credentials ended while this one was checked: it may be one of them.
            await run_in_threadpool(auth.recheck, lambda c: c is connection)
        visibility = visibility_for(principal)
        last = await _catch_up(websocket, container, visibility, office, hello.since)
        await _stream(websocket, container, visibility, subscriber, connection, last)
    except (WebSocketDisconnect, RuntimeError, ConnectionError):
        pass
    finally:
        auth.connections.remove(connection)
        if expiry is not None:
            expiry.cancel()
        hub.unsubscribe(subscriber)
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


def _stop(subscriber: Subscriber) -> None:
    """The connection's credential ended: nothing more is sent, the sender closes at once."""
    while not subscriber.queue.empty():
        subscriber.queue.get_nowait()
    subscriber.queue.put_nowait(None)


async def _refuse(
    websocket: WebSocket, code: str, detail: str, close_code: int, reason: str | None = None
) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await websocket.send_text(encode_message(WsError(code=code, detail=detail)))
        await websocket.close(close_code, reason)


def _scoped(visibility: Visibility, event: dict[str, Any], text: str | None = None) -> str:
    """The text of `event` for a caller of `visibility`: whole (`text` when already encoded), with
    less data, or the `filtered` placeholder that only moves the seq on."""
    if visibility.whole:
        return text if text is not None else encode_row(event)
    data = visibility.view(event["type"], event["data"])
    if data is event["data"]:
        return text if text is not None else encode_row(event)
    if data is None:
        return _placeholder(event["office"], event["seq"], event["at"])
    return encode_row({**event, "data": data})


@functools.lru_cache(maxsize=256)
def _placeholder(office: str, seq: int, at: datetime) -> str:
    """Encoded once per event, however many kiosks and terminals it is hidden from."""
    return encode_row({"office": office, "seq": seq, "type": FILTERED, "at": at, "data": {}})


async def _catch_up(
    websocket: WebSocket,
    container: Container,
    visibility: Visibility,
    office: str,
    since: int | None,
) -> int:
    """Send a snapshot or the missed events; returns the last seq the client now has."""
    limit = container.settings.max_replay
    if since is not None:
        rows = await run_in_threadpool(container.queries.events_since, office, since, limit + 1)
        current = await run_in_threadpool(container.queries.seq, office)
        if since <= current and len(rows) <= limit:
            for row in rows:
                await websocket.send_text(_scoped(visibility, row))
            last = rows[-1]["seq"] if rows else since
            await websocket.send_text(encode_message(Resumed(office=office, seq=last)))
            return int(last)
    seq, data = await run_in_threadpool(container.queries.snapshot, office)
    snapshot = Snapshot(office=office, seq=seq, data=dict(visibility.snapshot(data)))
    await websocket.send_text(encode_message(snapshot))
    return seq


async def _stream(
    websocket: WebSocket,
    container: Container,
    visibility: Visibility,
    subscriber: Subscriber,
    connection: Connection,
    last: int,
) -> None:
    while True:
        item: Delivery | None = await subscriber.queue.get()
        if item is None:
            ending = connection.ended
            if ending is not None:
                log.info(
                    "closing %s %s: %s",
                    connection.credential.principal.kind,
                    connection.credential.principal.id,
                    ending.reason,
                )
                await _refuse(
                    websocket, ending.code, ending.detail, CLOSE_UNAUTHORIZED, ending.reason
                )
            else:
                await websocket.close(CLOSE_TOO_SLOW)
            return
        seq, text, event = item
        if seq <= last:
            continue
        if seq > last + 1:  # never expected; fill from the log rather than skip
            rows = await run_in_threadpool(
                container.queries.events_since, subscriber.office, last, seq - last - 1
            )
            for row in rows:
                await websocket.send_text(_scoped(visibility, row))
        await websocket.send_text(_scoped(visibility, event, text))
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
