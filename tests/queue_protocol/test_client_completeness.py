"""ClientSession's logout, cancel, language and injected sleeps (issue 6 item 10)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from queue_protocol.client import ConnectionState
from queue_protocol.enums import Lang, TicketStatus
from queue_protocol.errors import ConnectionLost
from tests.queue_protocol.conftest import SessionFactory
from tests.queue_protocol.fake_server import FakeOfficeServer
from tests.queue_protocol.streams import is_state, take_until
from tests.queue_protocol.test_client_http import BASE, DESK, ISSUED, Recorder

TICKET = {
    "id": 5,
    "number": "A005",
    "service": "passport",
    "status": "cancelled",
    "ticket_class": "walk_in",
    "issued_at": "2024-05-06T09:00:00.000Z",
}


class RecordedSleep:
    """A sleep that records each delay and returns at once (yielding to the loop)."""

    def __init__(self, enough: int = 0) -> None:
        self.delays: list[float] = []
        self.enough = enough
        self.reached = asyncio.Event()  # set once `enough` delays were asked for

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        if len(self.delays) >= self.enough:
            self.reached.set()
        await asyncio.sleep(0)


def _session(make_session: SessionFactory, *answers: Any, **options: Any) -> Any:
    recorder = Recorder(*answers)
    session = make_session(BASE, http_transport=httpx.MockTransport(recorder), **options)
    return session, recorder


@pytest.mark.asyncio
async def test_logout_posts_to_the_desk_and_forgets_the_token(
    make_session: SessionFactory,
) -> None:
    """logout() sends POST /desk/logout with the bearer; afterwards the session has no token."""
    session, recorder = _session(make_session, httpx.Response(200, json=DESK), token="op-token")

    state = await session.logout()

    request = recorder.requests[0]
    assert (request.method, request.url.path) == ("POST", "/api/v1/desk/logout")
    assert request.headers["Authorization"] == "Bearer op-token"
    assert state.operator == "op-1" and session.token is None


@pytest.mark.asyncio
async def test_cancel_ticket_posts_to_the_tickets_cancel_path(make_session: SessionFactory) -> None:
    """cancel_ticket(5) posts to /offices/{office}/tickets/5/cancel and reads the ticket back."""
    session, recorder = _session(make_session, httpx.Response(200, json=TICKET))

    ticket = await session.cancel_ticket(5, idempotency_key="k-1")

    request = recorder.requests[0]
    assert request.url.path == "/api/v1/offices/office-1/tickets/5/cancel"
    assert request.headers["Idempotency-Key"] == "k-1"
    assert ticket.status is TicketStatus.CANCELLED


@pytest.mark.asyncio
async def test_accept_language_follows_the_sessions_language(make_session: SessionFactory) -> None:
    """Requests carry Accept-Language: ru by default, en once the kiosk switches to English."""
    session, recorder = _session(make_session, httpx.Response(201, json=ISSUED))

    await session.issue_ticket("passport")
    session.lang = Lang.EN
    await session.issue_ticket("passport", lang=Lang.EN)

    assert recorder.header("Accept-Language") == ["ru", "en"]
    assert json.loads(recorder.requests[1].content)["lang"] == "en"


@pytest.mark.asyncio
async def test_http_retries_wait_through_the_injected_sleep(make_session: SessionFactory) -> None:
    """Retries after connection errors wait the doubling backoff through `sleep`, not for real."""
    sleep = RecordedSleep()
    session, recorder = _session(
        make_session,
        httpx.ConnectError("refused"),
        sleep=sleep,
        backoff_base=1.0,
        backoff_max=100.0,
        http_attempts=4,
    )

    with pytest.raises(ConnectionLost):
        await session.call_next()

    assert len(recorder.requests) == 4
    assert sleep.delays == [2.0, 4.0, 8.0]  # rand 1.0: the whole cap each time


@pytest.mark.asyncio
async def test_reconnect_backoff_doubles_to_its_cap_through_the_injected_sleep(
    make_session: SessionFactory,
) -> None:
    """With the server down, reconnects wait 2, 4, 8 … capped at backoff_max, without sleeping
    for real; once the server is up the session goes live."""
    server = FakeOfficeServer()
    server.append(1)
    await server.start()
    port = server.port
    await server.stop()
    sleep = RecordedSleep(enough=6)
    session = make_session(
        server.base_url, sleep=sleep, backoff_base=1.0, backoff_max=30.0, rand=lambda: 1.0
    )
    session.start()
    stream = session.events()
    try:
        await take_until(stream, is_state(ConnectionState.RECONNECTING))
        async with asyncio.timeout(5):
            await sleep.reached.wait()
        await server.start(port)
        await take_until(stream, is_state(ConnectionState.LIVE))
    finally:
        await server.stop()

    assert sleep.delays[:6] == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
