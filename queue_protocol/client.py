"""The async client session of every front-end: events over a WebSocket, commands over HTTP.

Events::

    session = ClientSession("http://server:8000", token, "office-1", since=saved_seq)
    async with session:
        async for item in session.events():
            ...  # a Snapshot, an Envelope or a ConnectionState, in order, each event once

The session reconnects by itself (exponential backoff with full jitter), says hello with the last
seq it accepted and so resumes where it stopped. Commands (`issue_ticket`, `call_next`, ...) need
no `start()`; they raise `ProblemError` when the server refuses and `ConnectionLost` when it
cannot be reached after a few attempts, each attempt carrying the same `Idempotency-Key`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError
from websockets.asyncio.client import connect as websockets_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from queue_protocol.enums import ErrorCode, FinishOutcome, Lang
from queue_protocol.errors import ConnectionLost, ProblemError, ProtocolError, SessionRefused
from queue_protocol.events import Envelope
from queue_protocol.messages import (
    Hello,
    Resumed,
    Snapshot,
    WsError,
    decode_server_message,
    encode_message,
)
from queue_protocol.models import (
    CallRequest,
    DeskState,
    FinishRequest,
    Health,
    IssuedTicket,
    IssueTicketRequest,
    LoginRequest,
    LoginResponse,
    PauseRequest,
    PublicTicket,
    QueueResponse,
    ReturnRequest,
    ServicesResponse,
    TicketView,
    TransferRequest,
)

logger = logging.getLogger("okno.client")

#: WebSocket close codes the server uses when it refuses a hello.
CLOSE_BAD_HELLO = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403

#: Refusals after which reconnecting with the same token cannot help.
REFUSAL_CODES = frozenset({ErrorCode.UNAUTHORIZED, ErrorCode.TOKEN_EXPIRED, ErrorCode.FORBIDDEN})
_REFUSAL_CLOSE_CODES = frozenset({CLOSE_UNAUTHORIZED, CLOSE_FORBIDDEN})
_REFUSAL_HTTP_STATUSES = frozenset({401, 403})

_STANDARD_PROBLEM_MEMBERS = frozenset({"type", "title", "status", "detail", "code", "extra"})
_STATUS_CODES = {
    400: ErrorCode.MALFORMED,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    409: ErrorCode.CONFLICT,
    422: ErrorCode.VALIDATION,
}

ResponseModel = TypeVar("ResponseModel", bound=BaseModel)


class ConnectionState(StrEnum):
    """Where the event connection is; every change is also an item of `events()`."""

    IDLE = "idle"  # not started yet
    CONNECTING = "connecting"  # first connection being made
    LIVE = "live"  # the client is up to date and live events flow
    RECONNECTING = "reconnecting"  # the connection dropped or failed; retrying with backoff
    REFUSED = "refused"  # the server refused the token; no more retries (see `refusal`)
    CLOSED = "closed"  # close() was called


SessionItem = Snapshot | Envelope | ConnectionState


class WebSocketConnection(Protocol):
    """The part of a websockets `ClientConnection` the session uses (tests may fake it)."""

    async def send(self, message: str) -> None: ...

    async def recv(self) -> str | bytes: ...

    async def close(self, code: int = 1000, reason: str = "") -> None: ...


WebSocketConnect = Callable[[str], Awaitable[WebSocketConnection]]


async def connect_websocket(url: str) -> WebSocketConnection:
    """Open the event WebSocket: no compression (§6), keepalive pings detect a dead link."""
    connection: WebSocketConnection = await websockets_connect(
        url, compression=None, open_timeout=10, close_timeout=2, max_size=2**22
    )
    return connection


def backoff_delay(failures: int, base: float, maximum: float, rand: Callable[[], float]) -> float:
    """Seconds to wait after `failures` consecutive failures: full jitter over a doubling cap.

    Full jitter spreads the reconnects of every display and desk after a server restart.
    """
    cap = min(maximum, base * 2.0 ** min(failures, 64))
    return rand() * cap


def websocket_url(base_url: str) -> str:
    """The event endpoint of a server: `http` becomes `ws`, `https` becomes `wss`."""
    base = base_url.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base.removeprefix("https://") + "/ws"
    if base.startswith("http://"):
        return "ws://" + base.removeprefix("http://") + "/ws"
    raise ValueError(f"base_url must start with http:// or https://: {base_url!r}")


@dataclass(frozen=True)
class _End:
    """Queued after the last item of one run of the session; ends `events()`."""

    generation: int
    error: SessionRefused | None


class _ConnectionOutcome:
    """What one connection achieved, to choose the next backoff."""

    def __init__(self) -> None:
        self.went_live = False
        self.troubled = False  # the server broke the protocol: back off as after a failure

    @property
    def healthy(self) -> bool:
        return self.went_live and not self.troubled


class _Reconnect(Exception):
    """Internal: drop this connection and say hello again."""


class EventStream:
    """Async iterator over a session's items; ends after CLOSED, raises after REFUSED."""

    def __init__(self, session: ClientSession) -> None:
        self._session = session

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> SessionItem:
        return await self._session._next_item()


class ClientSession:
    """One front-end's link to the server.

    Events: call `start()` (or use `async with`), then consume `events()`: the session buffers
    everything it accepts until it is read. State changes appear in the stream and in `state`.
    After `ConnectionState.REFUSED` the stream raises `SessionRefused`: log in again (or get a
    new device token), then `start()` again and iterate anew.

    Commands: the typed async methods; they work without `start()`.

    Knobs: `since` is a seq saved from an earlier run (None: start from a snapshot);
    `backoff_base`/`backoff_max` bound the reconnect delays in seconds and `rand` draws the
    jitter fraction in [0, 1]; `hello_timeout` is how long the first answer may take;
    `http_transport` or `http_client_factory` replace the HTTP client (the session closes it);
    `http_attempts` is how many times a command is sent when no answer comes; `ws_connect`
    opens the WebSocket; `sleep` waits between attempts (tests pass one that does not sleep).
    `lang` is the language the server answers problems in (`Accept-Language`): a kiosk switched
    to English sets `session.lang = Lang.EN` and its refusals read in English.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None,
        office: str,
        since: int | None = None,
        *,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        rand: Callable[[], float] = random.random,
        hello_timeout: float = 10.0,
        http_transport: httpx.AsyncBaseTransport | None = None,
        http_client_factory: Callable[[], httpx.AsyncClient] | None = None,
        http_timeout: float = 10.0,
        http_attempts: int = 3,
        ws_connect: WebSocketConnect = connect_websocket,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        lang: Lang | str = Lang.RU,
    ) -> None:
        if http_transport is not None and http_client_factory is not None:
            raise ValueError("give http_transport or http_client_factory, not both")
        if http_attempts < 1:
            raise ValueError("http_attempts must be at least 1")
        self.base_url = base_url.rstrip("/")
        self.office = office
        self._ws_url = websocket_url(self.base_url)
        self._api_url = self.base_url + "/api/v1"
        self._token = token
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._rand = rand
        self._hello_timeout = hello_timeout
        self._http_transport = http_transport
        self._http_client_factory = http_client_factory
        self._http_timeout = http_timeout
        self._http_attempts = http_attempts
        self._ws_connect = ws_connect
        self._sleep = sleep
        self.lang = Lang(lang)
        self._http: httpx.AsyncClient | None = None

        # `_accepted_seq` is what the next hello asks from; `_last_seq` is what the consumer got.
        self._accepted_seq = since
        self._last_seq = since
        self._want_snapshot = False
        self._state = ConnectionState.IDLE
        self._queue: asyncio.Queue[SessionItem | _End] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._generation = 0
        self._refusal: SessionRefused | None = None
        self._closed = False

    # -- state -------------------------------------------------------------------------------

    @property
    def token(self) -> str | None:
        """The bearer token used for commands and for the next WebSocket hello."""
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        self._token = value

    @property
    def last_seq(self) -> int | None:
        """Seq of the last Snapshot or Envelope handed out by `events()`; save it to resume."""
        return self._last_seq

    @property
    def state(self) -> ConnectionState:
        """The event connection's present state."""
        return self._state

    @property
    def refusal(self) -> SessionRefused | None:
        """Why the server refused the session, while `state` is REFUSED."""
        return self._refusal

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start following the office's events in the background; call it in a running loop.

        Does nothing while already running. After a refusal it starts over with the present
        token (set by `login()` or the `token` property).
        """
        if self._closed:
            raise RuntimeError("the session is closed; make a new one")
        if self._task is not None and not self._task.done():
            return
        if not self._token:
            raise RuntimeError("no token: log in or set a device token before start()")
        self._generation += 1
        self._refusal = None
        self._set_state(ConnectionState.CONNECTING)
        self._task = asyncio.get_running_loop().create_task(
            self._run(self._generation), name="okno-client-events"
        )

    async def close(self) -> None:
        """Stop the background task, close the connections; `events()` ends after CLOSED."""
        if self._closed:
            return
        self._closed = True
        task, self._task = self._task, None
        try:
            if task is not None:
                task.cancel()
                await asyncio.wait([task])
                if not task.cancelled() and task.exception() is not None:
                    logger.error("event task failed", exc_info=task.exception())
        finally:
            # Even when close() itself is cancelled the stream must end and HTTP be released.
            self._set_state(ConnectionState.CLOSED)
            self._queue.put_nowait(_End(self._generation, None))
            if self._http is not None:
                http, self._http = self._http, None
                await http.aclose()

    async def __aenter__(self) -> ClientSession:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def events(self) -> EventStream:
        """The items of the session in order: Snapshot, Envelope and ConnectionState changes.

        Each Snapshot and Envelope is handed out once, envelopes in seq order without gaps (a
        Snapshot restarts the count at its seq). The iteration ends after CLOSED and raises
        `SessionRefused` after REFUSED. One consumer at a time.
        """
        return EventStream(self)

    async def _next_item(self) -> SessionItem:
        while True:
            if self._queue.empty():
                if self._closed:
                    raise StopAsyncIteration
                if self._refusal is not None and (self._task is None or self._task.done()):
                    raise self._refusal
            item = await self._queue.get()
            if isinstance(item, _End):
                if item.generation != self._generation:
                    continue  # the end of an earlier run that was restarted
                if item.error is not None:
                    raise item.error
                raise StopAsyncIteration
            if not isinstance(item, ConnectionState):
                self._last_seq = item.seq
            return item

    def _set_state(self, state: ConnectionState) -> None:
        if state is self._state:
            return
        logger.info("connection %s -> %s", self._state.value, state.value)
        self._state = state
        self._queue.put_nowait(state)

    # -- events ------------------------------------------------------------------------------

    async def _run(self, generation: int) -> None:
        failures = 0
        while True:
            try:
                outcome = await self._connect_once()
            except SessionRefused as refusal:
                logger.error("the server refused the session: %s", refusal)
                self._refusal = refusal
                self._set_state(ConnectionState.REFUSED)
                self._queue.put_nowait(_End(generation, refusal))
                return
            failures = 0 if outcome.healthy else failures + 1
            self._set_state(ConnectionState.RECONNECTING)
            delay = backoff_delay(failures, self._backoff_base, self._backoff_max, self._rand)
            logger.info("reconnecting in %.2f s (failures in a row: %d)", delay, failures)
            await self._sleep(delay)

    async def _connect_once(self) -> _ConnectionOutcome:
        """Connect, say hello, follow the events until the connection ends; never raises
        except SessionRefused (and CancelledError)."""
        outcome = _ConnectionOutcome()
        token = self._token
        if not token:
            raise SessionRefused(ErrorCode.UNAUTHORIZED, "no token")
        try:
            websocket = await self._ws_connect(self._ws_url)
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status in _REFUSAL_HTTP_STATUSES:
                raise SessionRefused(ErrorCode.UNAUTHORIZED, f"HTTP {status}") from exc
            logger.warning("the server rejected the WebSocket handshake: HTTP %d", status)
            return outcome
        except (OSError, TimeoutError, WebSocketException) as exc:
            logger.info("cannot connect to %s: %s", self._ws_url, exc or type(exc).__name__)
            return outcome
        try:
            await self._follow(websocket, token, outcome)
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd is not None else None
            if code in _REFUSAL_CLOSE_CODES:
                raise SessionRefused(ErrorCode.UNAUTHORIZED, f"closed with {code}") from exc
            if code == CLOSE_BAD_HELLO:
                outcome.troubled = True
            logger.info("connection closed: %s", exc)
        except TimeoutError:
            outcome.troubled = True
            logger.warning("no answer to hello within %.1f s", self._hello_timeout)
        except _Reconnect:
            pass
        except SessionRefused:
            raise
        except (OSError, WebSocketException) as exc:
            logger.info("connection failed: %s", exc)
        except Exception:
            # A bug here must not end the event stream for good: log it and reconnect.
            outcome.troubled = True
            logger.exception("unexpected error while following events")
        finally:
            await websocket.close()
        return outcome

    async def _follow(
        self, websocket: WebSocketConnection, token: str, outcome: _ConnectionOutcome
    ) -> None:
        since = None if self._want_snapshot else self._accepted_seq
        await websocket.send(encode_message(Hello(token=token, since=since)))
        logger.info("hello sent (since=%s)", since)
        async with asyncio.timeout(self._hello_timeout):
            first = await websocket.recv()
        self._handle(first, outcome)
        while True:
            self._handle(await websocket.recv(), outcome)

    def _handle(self, raw: str | bytes, outcome: _ConnectionOutcome) -> None:
        """Accept one server message; raises _Reconnect when this connection must be dropped."""
        try:
            message = decode_server_message(raw)
        except ProtocolError as exc:
            # Dropping is safe: a lost envelope shows up as a gap and is fetched again.
            logger.warning("dropped a malformed message: %s", exc)
            return
        if isinstance(message, WsError):
            if message.code in REFUSAL_CODES:
                raise SessionRefused(message.code, message.detail)
            outcome.troubled = True
            logger.error("the server sent an error: %s %s", message.code, message.detail)
            raise _Reconnect
        if isinstance(message, Snapshot):
            self._accept_snapshot(message, outcome)
        elif isinstance(message, Resumed):
            self._accept_resumed(message, outcome)
        else:
            self._accept_envelope(message, outcome)

    def _accept_snapshot(self, snapshot: Snapshot, outcome: _ConnectionOutcome) -> None:
        if snapshot.office != self.office:
            outcome.troubled = True
            logger.error("snapshot of office %r, expected %r", snapshot.office, self.office)
            raise _Reconnect
        # Taken even when older than what we had (a new day, a restored server): the snapshot
        # is the server's whole truth and envelopes continue from its seq.
        self._accepted_seq = snapshot.seq
        self._want_snapshot = False
        self._queue.put_nowait(snapshot)
        outcome.went_live = True
        self._set_state(ConnectionState.LIVE)

    def _accept_resumed(self, resumed: Resumed, outcome: _ConnectionOutcome) -> None:
        accepted = self._accepted_seq
        if resumed.office != self.office:
            outcome.troubled = True
            logger.error("resumed for office %r, expected %r", resumed.office, self.office)
            raise _Reconnect
        if accepted is None or resumed.seq > accepted:
            logger.warning(
                "resumed at %d but we have %s: events are missing", resumed.seq, accepted
            )
            outcome.troubled = True
            raise _Reconnect
        if resumed.seq < accepted:
            # The server is behind what we saw (restored from a backup?): start over from it.
            logger.warning(
                "resumed at %d, behind our %d: asking for a snapshot", resumed.seq, accepted
            )
            self._want_snapshot = True
            outcome.troubled = True
            raise _Reconnect
        outcome.went_live = True
        self._set_state(ConnectionState.LIVE)

    def _accept_envelope(self, event: Envelope, outcome: _ConnectionOutcome) -> None:
        accepted = self._accepted_seq
        if event.office != self.office:
            outcome.troubled = True
            logger.error("event of office %r, expected %r", event.office, self.office)
            raise _Reconnect
        if accepted is None:
            outcome.troubled = True
            logger.error("event %d before any snapshot", event.seq)
            raise _Reconnect
        if event.seq <= accepted:
            logger.debug("dropped event %d, already have %d", event.seq, accepted)
            return
        if event.seq > accepted + 1:
            # Never hand out a later event over a hole: reconnect and ask from what we have.
            logger.warning("gap: got event %d after %d; resuming", event.seq, accepted)
            outcome.troubled = True
            raise _Reconnect
        self._accepted_seq = event.seq
        self._queue.put_nowait(event)

    # -- HTTP commands -----------------------------------------------------------------------

    async def health(self) -> Health:
        """The server's health and version."""
        return await self._request("GET", "/health", Health, auth=False)

    async def login(self, login: str, password: str, workplace: str) -> LoginResponse:
        """Log an operator in at a workplace; the token is kept for commands and events."""
        body = LoginRequest(login=login, password=password, workplace=workplace)
        answer = await self._request("POST", "/auth/login", LoginResponse, body=body, auth=False)
        self._token = answer.token
        return answer

    async def services(self) -> ServicesResponse:
        """The office's services and categories (kiosk menu)."""
        return await self._request(
            "GET", f"/offices/{_segment(self.office)}/services", ServicesResponse
        )

    async def issue_ticket(
        self,
        service: str,
        priority: bool = False,
        lang: Lang | str = Lang.RU,
        idempotency_key: str | None = None,
        note: str | None = None,
    ) -> IssuedTicket:
        """Issue a ticket. Pass your own `idempotency_key` to retry a press after ConnectionLost
        without ever printing two tickets; `note` (staff only) is shown to the specialist."""
        body = IssueTicketRequest(service=service, priority=priority, lang=Lang(lang), note=note)
        path = f"/offices/{_segment(self.office)}/tickets"
        return await self._request(
            "POST", path, IssuedTicket, body=body, idempotency_key=idempotency_key
        )

    async def queue(self) -> QueueResponse:
        """Waiting counts, estimates and the waiting tickets of the office."""
        return await self._request("GET", f"/offices/{_segment(self.office)}/queue", QueueResponse)

    async def desk(self) -> DeskState:
        """The logged-in operator's desk state."""
        return await self._request("GET", "/desk", DeskState)

    async def call_next(self, *, idempotency_key: str | None = None) -> DeskState:
        """Call the next ticket; ProblemError code `queue_empty` when nobody waits."""
        return await self._desk("call-next", None, idempotency_key)

    async def call(self, ticket: int, *, idempotency_key: str | None = None) -> DeskState:
        """Call a chosen waiting ticket."""
        return await self._desk("call", CallRequest(ticket=ticket), idempotency_key)

    async def recall(self, *, idempotency_key: str | None = None) -> DeskState:
        """Call the current ticket again."""
        return await self._desk("recall", None, idempotency_key)

    async def start_service(self, *, idempotency_key: str | None = None) -> DeskState:
        """The visitor came: start serving the current ticket."""
        return await self._desk("start", None, idempotency_key)

    async def finish(
        self,
        outcome: FinishOutcome | str = FinishOutcome.RESOLVED,
        *,
        idempotency_key: str | None = None,
    ) -> DeskState:
        """Finish the current ticket with an outcome."""
        body = FinishRequest(outcome=FinishOutcome(outcome))
        return await self._desk("finish", body, idempotency_key)

    async def no_show(self, *, idempotency_key: str | None = None) -> DeskState:
        """The called visitor did not come."""
        return await self._desk("no-show", None, idempotency_key)

    async def return_to_queue(
        self, minutes: int = 0, *, idempotency_key: str | None = None
    ) -> DeskState:
        """Put the current ticket back in the queue, callable again after `minutes`."""
        return await self._desk("return", ReturnRequest(minutes=minutes), idempotency_key)

    async def transfer(
        self,
        service: str,
        operator: str | None = None,
        workplace: str | None = None,
        to_head: bool = False,
        *,
        idempotency_key: str | None = None,
    ) -> DeskState:
        """Send the current ticket to another service (optionally a given operator/workplace)."""
        body = TransferRequest(
            service=service, operator=operator, workplace=workplace, to_head=to_head
        )
        return await self._desk("transfer", body, idempotency_key)

    async def pause(self, reason: str = "", *, idempotency_key: str | None = None) -> DeskState:
        """Pause the operator: no calls until resume()."""
        return await self._desk("pause", PauseRequest(reason=reason), idempotency_key)

    async def resume(self, *, idempotency_key: str | None = None) -> DeskState:
        """End a pause."""
        return await self._desk("resume", None, idempotency_key)

    async def logout(self, *, idempotency_key: str | None = None) -> DeskState:
        """Leave the workplace: the operator goes offline and the token stops working (also for
        the event connection, which the server closes). The session forgets the token."""
        state = await self._desk("logout", None, idempotency_key)
        self._token = None
        return state

    async def cancel_ticket(self, ticket: int, *, idempotency_key: str | None = None) -> TicketView:
        """A supervisor takes a waiting ticket out of the queue (a visitor who left)."""
        path = f"/offices/{_segment(self.office)}/tickets/{ticket}/cancel"
        return await self._request("POST", path, TicketView, idempotency_key=idempotency_key)

    async def public_ticket(self, token: str) -> PublicTicket:
        """A ticket as its public status page shows it (no token needed)."""
        path = f"/public/tickets/{_segment(token)}"
        return await self._request("GET", path, PublicTicket, auth=False)

    async def _desk(
        self, action: str, body: BaseModel | None, idempotency_key: str | None
    ) -> DeskState:
        return await self._request(
            "POST", f"/desk/{action}", DeskState, body=body, idempotency_key=idempotency_key
        )

    async def _request(
        self,
        method: str,
        path: str,
        model: type[ResponseModel],
        *,
        body: BaseModel | None = None,
        auth: bool = True,
        idempotency_key: str | None = None,
    ) -> ResponseModel:
        """Send one command, retrying only when no answer came, always with the same key."""
        headers = {"Accept": "application/json", "Accept-Language": self.lang.value}
        if auth and self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        if method == "POST" and auth:
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        payload: Any = body.model_dump(mode="json") if body is not None else None
        client = self._http_client()
        url = self._api_url + path
        for attempt in range(1, self._http_attempts + 1):
            try:
                response = await client.request(method, url, json=payload, headers=headers)
                break
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                if attempt == self._http_attempts:
                    raise ConnectionLost(
                        f"{method} {path}: no answer after {attempt} attempts: {exc!r}"
                    ) from exc
                delay = backoff_delay(attempt, self._backoff_base, self._backoff_max, self._rand)
                logger.warning(
                    "%s %s failed (%r), attempt %d of %d, retrying in %.2f s",
                    method,
                    path,
                    exc,
                    attempt,
                    self._http_attempts,
                    delay,
                )
                await self._sleep(delay)
            except httpx.TransportError as exc:
                raise ConnectionLost(f"{method} {path}: {exc!r}") from exc
        if response.is_success:
            try:
                return model.model_validate_json(response.content)
            except ValidationError as exc:
                raise ProtocolError(
                    f"{method} {path}: unexpected answer: {exc.errors(include_url=False)}"
                ) from exc
        raise problem_from_response(response)

    def _http_client(self) -> httpx.AsyncClient:
        if self._closed:
            raise RuntimeError("the session is closed")
        if self._http is None and self._http_client_factory is not None:
            self._http = self._http_client_factory()
        if self._http is None:
            self._http = httpx.AsyncClient(
                transport=self._http_transport, timeout=self._http_timeout
            )
        return self._http


def problem_from_response(response: httpx.Response) -> ProblemError:
    """The ProblemError of a refused command, also when a proxy answered without problem JSON."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        fallback = _STATUS_CODES.get(status, ErrorCode.INTERNAL)
        text = response.text[:200]
        return ProblemError(status, fallback, response.reason_phrase, text, {})
    extra = {k: v for k, v in body.items() if k not in _STANDARD_PROBLEM_MEMBERS}
    nested = body.get("extra")
    if isinstance(nested, dict):
        extra = {**nested, **extra}
    code = body.get("code")
    if not isinstance(code, str) or not code:
        code = _STATUS_CODES.get(status, ErrorCode.INTERNAL)
    title = body.get("title")
    detail = body.get("detail")
    return ProblemError(
        status,
        str(code),
        title if isinstance(title, str) else response.reason_phrase,
        detail if isinstance(detail, str) else "",
        extra,
    )


def _segment(value: str) -> str:
    """A path segment with every reserved character escaped."""
    return quote(value, safe="")
