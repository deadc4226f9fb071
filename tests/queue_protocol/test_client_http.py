"""ClientSession's HTTP commands against httpx.MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from queue_protocol.client import ClientSession
from queue_protocol.enums import ErrorCode, FinishOutcome, OperatorState, TicketStatus
from queue_protocol.errors import ConnectionLost, ProblemError, ProtocolError
from tests.queue_protocol.conftest import SessionFactory

BASE = "http://okno.test"

ISSUED = {
    "id": 1,
    "number": "A001",
    "service": "passport",
    "status": "waiting",
    "ahead": 2,
    "estimate_minutes": 12,
    "status_url": "http://okno.test/t/abc",
    "issued_at": "2024-05-06T09:00:00.000Z",
}
DESK = {"operator": "op-1", "workplace": "w-3", "state": "available", "ticket": None}
LOGIN = {
    "token": "operator-token",
    "expires_at": "2024-05-06T18:00:00Z",
    "office": "office-1",
    "operator": {"id": "op-1", "name": "Ivanova", "roles": ["operator"]},
    "workplace": {"id": "w-3", "name": {"ru": "Окно 3", "en": "Window 3"}},
}


class Recorder:
    """A MockTransport handler that records requests and answers from a script."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def header(self, name: str) -> list[str | None]:
        return [request.headers.get(name) for request in self.requests]


def problem(status: int, code: str, **extra: Any) -> httpx.Response:
    body = {
        "type": "about:blank",
        "title": "Refused",
        "status": status,
        "detail": "no",
        "code": code,
    }
    return httpx.Response(
        status,
        content=json.dumps({**body, **extra}),
        headers={"content-type": "application/problem+json"},
    )


@pytest.fixture
def http_session(make_session: SessionFactory) -> Callable[..., tuple[ClientSession, Recorder]]:
    """A session whose HTTP goes to a scripted Recorder, retrying without delay."""

    def build(
        *answers: httpx.Response | Exception, **options: Any
    ) -> tuple[ClientSession, Recorder]:
        recorder = Recorder(*answers)
        session = make_session(
            BASE, http_transport=httpx.MockTransport(recorder), rand=lambda: 0.0, **options
        )
        return session, recorder

    return build


@pytest.mark.asyncio
async def test_problem_json_raises_problem_error_with_code(http_session: Any) -> None:
    """A problem answer raises ProblemError carrying status, code, detail and extension members."""
    session, recorder = http_session(problem(404, "queue_empty", service="passport"))

    with pytest.raises(ProblemError) as refused:
        await session.call_next()

    assert refused.value.status == 404
    assert refused.value.code == ErrorCode.QUEUE_EMPTY
    assert refused.value.title == "Refused"
    assert refused.value.detail == "no"
    assert refused.value.extra == {"service": "passport"}
    assert len(recorder.requests) == 1


@pytest.mark.asyncio
async def test_retry_after_connection_error_reuses_the_idempotency_key(http_session: Any) -> None:
    """A ticket retried after connection errors carries the first try's Idempotency-Key."""
    session, recorder = http_session(
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("no answer"),
        httpx.Response(201, json=ISSUED),
    )

    ticket = await session.issue_ticket("passport")

    keys = recorder.header("Idempotency-Key")
    assert ticket.number == "A001" and ticket.status is TicketStatus.WAITING
    assert len(keys) == 3
    assert keys[0] is not None and len(set(keys)) == 1


@pytest.mark.asyncio
async def test_each_command_gets_a_fresh_idempotency_key(http_session: Any) -> None:
    """Two presses are two commands: their Idempotency-Keys differ; a given key is sent as is."""
    session, recorder = http_session(httpx.Response(201, json=ISSUED))

    await session.issue_ticket("passport")
    await session.issue_ticket("passport")
    await session.issue_ticket("passport", idempotency_key="press-17")

    keys = recorder.header("Idempotency-Key")
    assert keys[0] != keys[1]
    assert keys[2] == "press-17"


@pytest.mark.asyncio
async def test_connection_lost_after_bounded_attempts(http_session: Any) -> None:
    """When the server never answers, ConnectionLost is raised after http_attempts tries."""
    session, recorder = http_session(httpx.ConnectError("refused"), http_attempts=4)

    with pytest.raises(ConnectionLost):
        await session.call_next()

    assert len(recorder.requests) == 4
    assert len(set(recorder.header("Idempotency-Key"))) == 1


@pytest.mark.parametrize("status", [400, 409, 500, 503])
@pytest.mark.asyncio
async def test_problem_answers_are_not_retried(http_session: Any, status: int) -> None:
    """A 4xx or 5xx answer is the server's word: raised at once, never sent again."""
    session, recorder = http_session(problem(status, "conflict"), httpx.Response(200, json=DESK))

    with pytest.raises(ProblemError):
        await session.recall()

    assert len(recorder.requests) == 1


@pytest.mark.asyncio
async def test_answer_without_problem_json_still_raises_problem_error(http_session: Any) -> None:
    """A proxy's HTML error page becomes a ProblemError with a code taken from the status."""
    session, _ = http_session(httpx.Response(502, text="<html>Bad Gateway</html>"))

    with pytest.raises(ProblemError) as refused:
        await session.queue()

    assert refused.value.status == 502
    assert refused.value.code == ErrorCode.INTERNAL


@pytest.mark.asyncio
async def test_login_stores_the_token_for_later_commands(http_session: Any) -> None:
    """login() sends no bearer; the token it returns authorizes the next commands."""
    session, recorder = http_session(
        httpx.Response(200, json=LOGIN), httpx.Response(200, json=DESK), token=None
    )

    answer = await session.login("ivanova", "secret", "w-3")
    desk = await session.desk()

    assert answer.workplace.name.get("en") == "Window 3"
    assert desk.state is OperatorState.AVAILABLE
    assert recorder.header("Authorization") == [None, "Bearer operator-token"]
    assert json.loads(recorder.requests[0].content) == {
        "login": "ivanova",
        "password": "secret",
        "workplace": "w-3",
    }
    assert session.token == "operator-token"


@pytest.mark.asyncio
async def test_commands_use_the_documented_paths_and_bodies(http_session: Any) -> None:
    """Every desk command posts to its /api/v1 path with its body and a bearer token."""
    session, recorder = http_session(httpx.Response(200, json=DESK))

    await session.call_next()
    await session.call(17)
    await session.recall()
    await session.start_service()
    await session.finish(FinishOutcome.FOLLOW_UP)
    await session.no_show()
    await session.return_to_queue(10)
    await session.transfer("notary", workplace="w-5", to_head=True)
    await session.pause("lunch")
    await session.resume()

    sent = [
        (r.method, r.url.path, json.loads(r.content) if r.content else None)
        for r in recorder.requests
    ]
    assert sent == [
        ("POST", "/api/v1/desk/call-next", None),
        ("POST", "/api/v1/desk/call", {"ticket": 17}),
        ("POST", "/api/v1/desk/recall", None),
        ("POST", "/api/v1/desk/start", None),
        ("POST", "/api/v1/desk/finish", {"outcome": "follow_up"}),
        ("POST", "/api/v1/desk/no-show", None),
        ("POST", "/api/v1/desk/return", {"minutes": 10}),
        (
            "POST",
            "/api/v1/desk/transfer",
            {"service": "notary", "operator": None, "workplace": "w-5", "to_head": True},
        ),
        ("POST", "/api/v1/desk/pause", {"reason": "lunch"}),
        ("POST", "/api/v1/desk/resume", None),
    ]
    assert set(recorder.header("Authorization")) == {"Bearer device-token"}
    assert len(set(recorder.header("Idempotency-Key"))) == len(recorder.requests)


@pytest.mark.asyncio
async def test_reads_use_get_with_the_office_in_the_path(http_session: Any) -> None:
    """Reads are GETs without an Idempotency-Key; path segments are escaped."""
    session, recorder = http_session(
        httpx.Response(200, json={"office": "office-1", "services": []}),
        httpx.Response(200, json={"office": "office-1", "services": [], "waiting": []}),
        httpx.Response(200, json={"status": "ok", "version": "0.1.0"}),
    )

    await session.services()
    await session.queue()
    health = await session.health()

    assert [(r.method, r.url.raw_path) for r in recorder.requests] == [
        ("GET", b"/api/v1/offices/office-1/services"),
        ("GET", b"/api/v1/offices/office-1/queue"),
        ("GET", b"/api/v1/health"),
    ]
    assert recorder.header("Idempotency-Key") == [None, None, None]
    assert health.version == "0.1.0"


@pytest.mark.asyncio
async def test_public_ticket_escapes_the_token_and_sends_no_bearer(http_session: Any) -> None:
    """The public status request puts the token in one escaped segment and carries no bearer."""
    public = {
        "number": "A001",
        "service": "passport",
        "service_name": {"ru": "Паспорт"},
        "status": "called",
        "ahead": None,
        "estimate_minutes": None,
        "issued_at": "2024-05-06T09:00:00Z",
    }
    session, recorder = http_session(httpx.Response(200, json=public))

    ticket = await session.public_ticket("a/b?c")

    assert recorder.requests[0].url.raw_path == b"/api/v1/public/tickets/a%2Fb%3Fc"
    assert recorder.header("Authorization") == [None]
    assert ticket.status is TicketStatus.CALLED


@pytest.mark.asyncio
async def test_unexpected_success_body_is_a_protocol_error(http_session: Any) -> None:
    """A 200 whose body does not fit the response model raises ProtocolError."""
    session, _ = http_session(httpx.Response(200, json={"surprise": True}))

    with pytest.raises(ProtocolError):
        await session.desk()


@pytest.mark.asyncio
async def test_http_client_factory_is_used_and_closed(make_session: SessionFactory) -> None:
    """A client from http_client_factory carries the commands and is closed with the session."""
    recorder = Recorder(httpx.Response(200, json=DESK))
    made: list[httpx.AsyncClient] = []

    def factory() -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            transport=httpx.MockTransport(recorder), headers={"X-Workplace": "w-3"}
        )
        made.append(client)
        return client

    session = make_session(BASE, http_client_factory=factory)
    await session.desk()
    await session.close()

    assert recorder.header("X-Workplace") == ["w-3"]
    assert len(made) == 1 and made[0].is_closed
