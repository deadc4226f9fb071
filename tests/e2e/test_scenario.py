"""A day at the test office on a real server: every call-next is checked against DESIGN §4 by hand.

The expected ticket is computed here from the test's own model of the waiting set, built only from
what the HTTP answers said; the server's order code is not used. Times in the model are the order
in which this (sequential) test sent its requests: the server stamps each command with its clock
as it runs it, so that order is the order of the server's times.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.api import client, issue, login, queue
from tests.helpers.server_process import ServerProcess

# The levels of the test office (tests/helpers/office.py), written out: 1 = primary.
LEVELS = {
    "alice": {"reg": 1, "vac": 2},
    "bob": {"vac": 1, "reg": 2, "ben": 3},
    "carol": {"ben": 1, "reg": 3},
}
NUMBER_PREFIX = {"reg": "А", "vac": "В", "ben": "Б"}
LATER = 10**9  # the due time of a ticket returned for 30 minutes: after anything in this test

# 40 tickets: (service, priority). 25 before the first call, 15 more while the desks work.
FIRST_WAVE = [
    ("reg", False), ("vac", False), ("ben", False), ("reg", False), ("reg", True),
    ("vac", False), ("ben", False), ("reg", False), ("vac", True), ("ben", False),
    ("reg", False), ("vac", False), ("reg", False), ("ben", True), ("vac", False),
    ("reg", False), ("ben", False), ("vac", False), ("reg", False), ("reg", False),
    ("vac", False), ("ben", False), ("reg", True), ("vac", False), ("reg", False),
]  # fmt: skip
SECOND_WAVE = [
    ("vac", False), ("reg", False), ("ben", False), ("reg", True), ("vac", False),
    ("reg", False), ("ben", False), ("vac", True), ("reg", False), ("ben", False),
    ("vac", False), ("reg", False), ("ben", False), ("reg", False), ("vac", False),
]  # fmt: skip
SECOND_WAVE_AFTER_STEP = 8

# What the desk does with the ticket it called, by step; every other step serves it.
ACTIONS: dict[int, dict[str, Any]] = {
    2: {"do": "return", "minutes": 0},
    4: {"do": "transfer", "service": "ben", "to_head": False},
    6: {"do": "transfer", "service": "reg", "to_head": True, "start": True},
    9: {"do": "return", "minutes": 30},
    11: {"do": "transfer", "service": "vac", "to_head": False, "operator": "alice"},
    13: {"do": "return", "minutes": 0, "start": False},
    15: {"do": "transfer", "service": "reg", "to_head": True},
    17: {"do": "no_show"},
    19: {"do": "transfer", "service": "ben", "to_head": True, "operator": "carol", "start": True},
    22: {"do": "return", "minutes": 0},
    25: {"do": "transfer", "service": "vac", "to_head": False, "start": True},
}
MAX_STEPS = 120


@dataclass
class Waiting:
    """The test's picture of one waiting ticket."""

    id: int
    number: str
    service: str
    priority: bool
    issued: int  # the logical time of issue
    due: int
    later: bool = False  # returned for minutes > 0: not callable in this test's time
    target: str | None = None


class Model:
    """The waiting set and the rules of DESIGN §4, written independently of the server."""

    def __init__(self) -> None:
        self.waiting: dict[int, Waiting] = {}
        self.clock = itertools.count(1)

    def now(self) -> int:
        return next(self.clock)

    def issued(self, body: dict[str, Any], priority: bool) -> None:
        t = self.now()
        self.waiting[body["id"]] = Waiting(
            body["id"], body["number"], body["service"], priority, t, t
        )

    @staticmethod
    def band(ticket: Waiting) -> int:
        # No appointments exist yet; nobody waits 15 minutes in this test.
        return 0 if ticket.priority else 1

    def expected_next(self, operator: str) -> Waiting | None:
        levels = LEVELS[operator]
        eligible = [
            t
            for t in self.waiting.values()
            if t.service in levels and not t.later and t.target in (None, operator)
        ]
        return min(
            eligible,
            key=lambda t: (levels[t.service], self.band(t), t.due, t.id),
            default=None,
        )

    def queue_order(self) -> list[int]:
        """Order of the staff list: callable first, then by band, due time and id."""
        ordered = sorted(self.waiting.values(), key=lambda t: (t.later, self.band(t), t.due, t.id))
        return [t.id for t in ordered]


class Office:
    """The desks and the kiosk of the scenario, and the model they keep up to date."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.tokens = {op: login(http, op) for op in LEVELS}
        self.model = Model()
        self.called: list[tuple[str, int]] = []
        self.last_action = "issued the first wave"

    def desk(self, operator: str, command: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.post(
            f"/api/v1/desk/{command}",
            json=body,
            headers={"Authorization": f"Bearer {self.tokens[operator]}"},
        )
        return response

    def ok(self, operator: str, command: str, body: dict[str, Any] | None = None) -> Any:
        response = self.desk(operator, command, body)
        assert response.status_code == 200, (operator, command, body, response.text)
        return response.json()

    def issue(self, service: str, priority: bool) -> dict[str, Any]:
        body = issue(self.http, service, priority)
        self.model.issued(body, priority)
        assert body["number"][0] == NUMBER_PREFIX[service]
        return body

    def check_queue(self) -> None:
        listed = queue(self.http)["waiting"]
        assert [t["id"] for t in listed] == self.model.queue_order(), (
            f"GET /queue order differs from DESIGN §4 after: {self.last_action}"
        )
        for seen in listed:
            mine = self.model.waiting[seen["id"]]
            assert (seen["number"], seen["service"], seen["status"]) == (
                mine.number,
                mine.service,
                "waiting",
            )
            assert seen["ticket_class"] == ("priority" if mine.priority else "walk_in")

    def call_next(self, operator: str) -> Waiting | None:
        """Call next at `operator`'s desk and check it is the ticket the rules give."""
        expected = self.model.expected_next(operator)
        response = self.desk(operator, "call-next")
        if expected is None:
            assert response.status_code == 404, (operator, response.text)
            assert response.json()["code"] == "queue_empty"
            return None
        assert response.status_code == 200, (operator, expected, response.text)
        ticket = response.json()["ticket"]
        got = self.model.waiting.get(ticket["id"])
        assert ticket["id"] == expected.id, (
            f"{operator} called {ticket['number']} ({got}); the rules give {expected}; "
            f"last action: {self.last_action}"
        )
        assert ticket["status"] == "called"
        self.model.now()
        del self.model.waiting[expected.id]
        self.called.append((operator, expected.id))
        return expected

    def act(self, operator: str, ticket: Waiting, action: dict[str, Any]) -> None:
        """Do `action` with the called `ticket` and update the model the way DESIGN §4 says."""
        kind = action["do"]
        self.last_action = f"{operator} {action} on {ticket}"
        if action.get("start", kind in {"serve"}):
            assert self.ok(operator, "start")["ticket"]["status"] == "serving"
        if kind == "serve":
            state = self.ok(operator, "finish", {"outcome": "resolved"})
            assert state["ticket"] is None and state["outcome"] == "resolved"
            self.model.now()
        elif kind == "no_show":
            assert self.ok(operator, "no-show")["outcome"] == "no_show"
            self.model.now()
        elif kind == "return":
            self.ok(operator, "return", {"minutes": action["minutes"]})
            t = self.model.now()
            later = action["minutes"] > 0
            # Due at its not-before time: now plus the minutes it was returned for.
            due = LATER if later else t
            self.model.waiting[ticket.id] = Waiting(
                ticket.id, ticket.number, ticket.service, ticket.priority, ticket.issued, due, later
            )
        elif kind == "transfer":
            body = {"service": action["service"], "to_head": action["to_head"]}
            if "operator" in action:
                body["operator"] = action["operator"]
            state = self.ok(operator, "transfer", body)
            assert state["ticket"] is None and state["outcome"] == "transferred"
            t = self.model.now()
            # To the head: due at the original issue time; to the tail: due at the transfer.
            due = ticket.issued if action["to_head"] else t
            self.model.waiting[ticket.id] = Waiting(
                ticket.id,
                ticket.number,
                action["service"],
                ticket.priority,
                ticket.issued,
                due,
                target=action.get("operator"),
            )
        else:  # pragma: no cover - a typo in ACTIONS
            raise AssertionError(kind)


@pytest.mark.e2e
def test_every_call_next_follows_the_queue_rules(server: ServerProcess) -> None:
    """Over 40 tickets with priorities, returns and transfers, each call-next is the §4 ticket."""
    with client(server.url) as http:
        office = Office(http)
        for service, priority in FIRST_WAVE:
            office.issue(service, priority)
        office.check_queue()

        operators = itertools.cycle(LEVELS)
        empty_in_a_row = 0
        late_ticket: Waiting | None = None
        calls_before_late = 0
        for step in range(MAX_STEPS):
            if step == SECOND_WAVE_AFTER_STEP:
                for service, priority in SECOND_WAVE:
                    office.issue(service, priority)
                office.check_queue()
            operator = next(operators)
            ticket = office.call_next(operator)
            if ticket is None:
                empty_in_a_row += 1
                if empty_in_a_row == len(LEVELS):
                    break
                continue
            empty_in_a_row = 0
            action = ACTIONS.get(step, {"do": "serve"})
            office.act(operator, ticket, action)
            if action["do"] == "return" and action["minutes"] > 0:
                late_ticket, calls_before_late = ticket, len(office.called)
            office.check_queue()
        else:
            pytest.fail(f"the desks did not empty the queue in {MAX_STEPS} steps")

        issued = len(FIRST_WAVE) + len(SECOND_WAVE)
        assert issued == 40
        # Every ticket was called and served, except the one returned for 30 minutes.
        assert late_ticket is not None
        assert [t.id for t in office.model.waiting.values()] == [late_ticket.id]
        assert late_ticket.id not in {tid for _, tid in office.called[calls_before_late:]}
        called_ids = {tid for _, tid in office.called}
        assert len(called_ids) == issued
        waiting = queue(http)["waiting"]
        assert [t["id"] for t in waiting] == [late_ticket.id]
        not_before = datetime.fromisoformat(waiting[0]["not_before"])
        assert not_before > datetime.now(UTC) + timedelta(minutes=29)
        # Nobody may call it now, not even by each desk trying again.
        for operator in LEVELS:
            response = office.desk(operator, "call-next")
            assert response.status_code == 404 and response.json()["code"] == "queue_empty"


@pytest.mark.e2e
def test_ticket_returned_for_zero_minutes_goes_behind_those_waiting(server: ServerProcess) -> None:
    """Return with minutes 0: due at its not-before time (now), so the next call takes another."""
    with client(server.url) as http:
        office = Office(http)
        first = office.issue("reg", False)
        second = office.issue("reg", False)
        called = office.call_next("alice")
        assert called is not None and called.id == first["id"]
        office.act("alice", called, {"do": "return", "minutes": 0})
        office.check_queue()
        called_again = office.call_next("alice")
        assert called_again is not None and called_again.id == second["id"]
