"""Bad requests to a real server: a problem JSON with its code, in Russian or English; no change."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.e2e.api import TICKETS_PATH, bearer, client, issue, login, office_seq, queue
from tests.helpers.office import KIOSK_TOKEN
from tests.helpers.server_process import ServerProcess

CYRILLIC_WORD = re.compile(r"[а-яё]{3,}")  # a lowercase Russian word, not just a number prefix
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
SETTLE_SECONDS = 0.6  # over twice the server's queue.changed window


@dataclass
class Office:
    url: str
    http: httpx.Client
    tokens: dict[str, str]

    def as_(self, who: str) -> dict[str, str]:
        return bearer(KIOSK_TOKEN if who == "kiosk" else self.tokens[who])

    def desk(self, who: str, command: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.http.post(f"/api/v1/desk/{command}", json=body, headers=self.as_(who))

    def state(self) -> dict[str, Any]:
        """What a refused request must leave as it was: the queue, the desks, the event seq."""
        listed = queue(self.http)
        desks = {}
        for operator in self.tokens:
            response = self.http.get("/api/v1/desk", headers=self.as_(operator))
            assert response.status_code == 200, response.text
            desks[operator] = response.json()
        return {
            "waiting": listed["waiting"],
            "counts": {s["service"]: s["waiting"] for s in listed["services"]},
            "desks": desks,
            "seq": office_seq(self.url),
        }

    def settled_state(self) -> dict[str, Any]:
        """`state` once the server has sent the `queue.changed` the setup's commands left owed
        (it coalesces them: OKNO_QUEUE_CHANGED_EVERY, 0.25 s by default)."""
        state = self.state()
        for _ in range(20):
            time.sleep(SETTLE_SECONDS)
            again = self.state()
            if again == state:
                return state
            state = again
        raise AssertionError("the office's state kept changing")


@pytest.fixture(scope="module")
def office(module_server: ServerProcess) -> Iterator[Office]:
    with client(module_server.url) as http:
        tokens = {op: login(http, op) for op in ("alice", "bob", "carol")}
        yield Office(module_server.url, http, tokens)


Send = Callable[[Office, dict[str, str]], httpx.Response]
Setup = Callable[[Office], Any]


@dataclass
class Case:
    send: Send  # makes the bad request with the given extra headers
    status: int
    code: str
    setup: Setup | None = None  # brings the office to the state the request is refused in
    teardown: Setup | None = None  # leaves the office with an empty queue and free desks


def _call_one_for_alice(office: Office) -> None:
    issue(office.http, "reg")
    assert office.desk("alice", "call-next").status_code == 200


def _serve_alices_ticket(office: Office) -> None:
    assert office.desk("alice", "start").status_code == 200
    assert office.desk("alice", "finish", {"outcome": "resolved"}).status_code == 200


IDEMPOTENCY_KEY = str(uuid.uuid4())


def _issue_with_the_key(office: Office) -> None:
    headers = {**office.as_("kiosk"), "Idempotency-Key": IDEMPOTENCY_KEY}
    response = office.http.post(TICKETS_PATH, json={"service": "reg"}, headers=headers)
    assert response.status_code == 201, response.text


def _cancel_waiting(office: Office) -> None:
    for ticket in queue(office.http)["waiting"]:
        response = office.http.post(
            f"{TICKETS_PATH}/{ticket['id']}/cancel", headers=office.as_("carol")
        )
        assert response.status_code == 200, response.text


CASES = {
    "malformed-json": Case(
        lambda o, h: o.http.post(
            TICKETS_PATH,
            content=b'{"service": "reg",',
            headers={**o.as_("kiosk"), "Content-Type": "application/json", **h},
        ),
        400,
        "malformed_request",
    ),
    "unknown-service": Case(
        lambda o, h: o.http.post(
            TICKETS_PATH, json={"service": "passport"}, headers={**o.as_("kiosk"), **h}
        ),
        404,
        "unknown_service",
    ),
    "unknown-office": Case(
        lambda o, h: o.http.post(
            "/api/v1/offices/nowhere/tickets",
            json={"service": "reg"},
            headers={**o.as_("kiosk"), **h},
        ),
        403,
        "forbidden",
    ),
    "finish-a-called-ticket": Case(
        lambda o, h: o.http.post(
            "/api/v1/desk/finish", json={"outcome": "resolved"}, headers={**o.as_("alice"), **h}
        ),
        409,
        "invalid_transition",
        setup=_call_one_for_alice,
        teardown=_serve_alices_ticket,
    ),
    "finish-without-a-ticket": Case(
        lambda o, h: o.http.post(
            "/api/v1/desk/finish", json={"outcome": "resolved"}, headers={**o.as_("bob"), **h}
        ),
        409,
        "no_current_ticket",
    ),
    "call-next-on-empty-queue": Case(
        lambda o, h: o.http.post("/api/v1/desk/call-next", headers={**o.as_("carol"), **h}),
        404,
        "queue_empty",
    ),
    "made-up-token": Case(
        lambda o, h: o.http.post(
            "/api/v1/desk/call-next", headers={**bearer("made-up-token"), **h}
        ),
        401,
        "unauthorized",
    ),
    "kiosk-token-at-a-desk": Case(
        lambda o, h: o.http.post("/api/v1/desk/call-next", headers={**o.as_("kiosk"), **h}),
        403,
        "forbidden",
    ),
    "operator-token-on-another-office": Case(
        lambda o, h: o.http.post(
            "/api/v1/offices/other/tickets",
            json={"service": "reg"},
            headers={**o.as_("carol"), **h},  # a supervisor, who may issue in her own office
        ),
        403,
        "forbidden",
    ),
    "missing-field": Case(
        lambda o, h: o.http.post(TICKETS_PATH, json={}, headers={**o.as_("kiosk"), **h}),
        422,
        "validation_error",
    ),
    "idempotency-key-reused-for-another-body": Case(
        lambda o, h: o.http.post(
            TICKETS_PATH,
            json={"service": "vac"},
            headers={**o.as_("kiosk"), "Idempotency-Key": IDEMPOTENCY_KEY, **h},
        ),
        422,
        "idempotency_conflict",
        setup=_issue_with_the_key,
        teardown=_cancel_waiting,
    ),
}


def assert_problem(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] and body["title"]
    detail: str = body["detail"]
    assert detail.strip()
    return detail


@pytest.mark.e2e
@pytest.mark.parametrize("name", list(CASES))
def test_bad_request_gets_its_problem_and_changes_nothing(office: Office, name: str) -> None:
    """Each bad request: its status and code, detail in Russian (or English), and no change."""
    case = CASES[name]
    if case.setup is not None:
        case.setup(office)
    try:
        before = office.settled_state()
        russian = assert_problem(case.send(office, {}), case.status, case.code)
        english = assert_problem(
            case.send(office, {"Accept-Language": "en"}), case.status, case.code
        )
        assert office.state() == before
    finally:
        if case.teardown is not None:
            case.teardown(office)
    assert CYRILLIC_WORD.search(russian), f"not Russian: {russian!r}"
    assert LATIN_WORD.search(english) and not CYRILLIC_WORD.search(english), english
    assert office.state()["waiting"] == []
