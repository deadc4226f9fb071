"""Two desks calling next at the same time on a real server with a SQLite file."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from typing import Any

import pytest
from websockets.sync.client import connect as ws_connect

from tests.e2e.api import TIMEOUT, bearer, client, issue, login, office_seq, queue, ws_url
from tests.helpers.office import DISPLAY_TOKEN
from tests.helpers.server_process import ServerProcess

log = logging.getLogger("okno.tests.e2e")

TICKETS = 200
DESKS = ("alice", "bob")  # both serve reg (alice at level 1, bob at level 2)
MAX_LOOPS = TICKETS + 10  # a desk that loops more than this is stuck
RUN_TIMEOUT = 60.0


class Desk(threading.Thread):
    """One desk with its own HTTP client: call-next, start, finish, until the queue is empty."""

    def __init__(self, url: str, operator: str, go: threading.Barrier) -> None:
        super().__init__(name=f"desk-{operator}", daemon=True)
        self.url, self.operator, self.go = url, operator, go
        self.called: list[int] = []
        self.finished: list[int] = []
        self.error: str | None = None
        self.emptied = False

    def run(self) -> None:
        try:
            with client(self.url) as http:
                token = bearer(login(http, self.operator))
                self.go.wait(TIMEOUT)
                for _ in range(MAX_LOOPS):
                    response = http.post("/api/v1/desk/call-next", headers=token)
                    if response.status_code == 404 and response.json()["code"] == "queue_empty":
                        self.emptied = True
                        return
                    assert response.status_code == 200, response.text
                    ticket = response.json()["ticket"]["id"]
                    self.called.append(ticket)
                    started = http.post("/api/v1/desk/start", headers=token)
                    assert started.status_code == 200, started.text
                    assert started.json()["ticket"]["id"] == ticket
                    done = http.post(
                        "/api/v1/desk/finish", json={"outcome": "resolved"}, headers=token
                    )
                    assert done.status_code == 200, done.text
                    assert done.json()["outcome"] == "resolved"
                    self.finished.append(ticket)
        except Exception as exc:  # reported by the test on the main thread
            self.error = f"{self.operator}: {exc!r}"


class Watcher(threading.Thread):
    """A display's WebSocket from a known seq: counts called and finished events per ticket."""

    def __init__(self, url: str, since: int) -> None:
        super().__init__(name="watcher", daemon=True)
        self.url, self.since = url, since
        self.events: list[dict[str, Any]] = []
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.error: str | None = None

    def run(self) -> None:
        try:
            with ws_connect(ws_url(self.url), open_timeout=TIMEOUT, close_timeout=2) as ws:
                hello = {"type": "hello", "v": 1, "token": DISPLAY_TOKEN, "since": self.since}
                ws.send(json.dumps(hello))
                # Events after `since` come first (such as the queue.changed the issues left
                # owed, sent after the seq was read), then `resumed`.
                while (message := json.loads(ws.recv(timeout=TIMEOUT)))["type"] != "resumed":
                    assert message["seq"] > self.since, message
                    self.events.append(message)
                self.ready.set()
                while not self.stop.is_set():
                    try:
                        message = json.loads(ws.recv(timeout=0.2))
                    except TimeoutError:
                        continue
                    self.events.append(message)
        except Exception as exc:
            self.error = repr(exc)
            self.ready.set()


@pytest.mark.e2e
@pytest.mark.slow
def test_two_desks_calling_next_concurrently_never_share_or_skip_a_ticket(
    server: ServerProcess,
) -> None:
    """200 call-next from two desks at once: each ticket called once, served once, none skipped."""
    with client(server.url) as http:
        # One service both serve, so both desks always race for the same head ticket.
        issued = [issue(http, "reg")["id"] for _ in range(TICKETS)]
        assert len(set(issued)) == TICKETS
    watcher = Watcher(server.url, office_seq(server.url))
    watcher.start()
    assert watcher.ready.wait(TIMEOUT) and watcher.error is None, watcher.error

    go = threading.Barrier(len(DESKS))
    desks = [Desk(server.url, operator, go) for operator in DESKS]
    started = time.monotonic()
    for desk in desks:
        desk.start()
    for desk in desks:
        desk.join(max(0.1, RUN_TIMEOUT - (time.monotonic() - started)))
    assert not any(desk.is_alive() for desk in desks), "a desk did not finish in time"
    assert [desk.error for desk in desks] == [None, None]
    assert all(desk.emptied for desk in desks)

    calls = Counter(ticket for desk in desks for ticket in desk.called)
    assert calls.total() == TICKETS
    assert [ticket for ticket, n in calls.items() if n > 1] == []
    assert set(calls) == set(issued)
    finishes = Counter(ticket for desk in desks for ticket in desk.finished)
    assert finishes == Counter(issued)
    assert all(desk.called for desk in desks), "one desk served nobody: no concurrency was tested"

    with client(server.url) as http:
        assert queue(http)["waiting"] == []
    # The event log agrees: each ticket was called and finished exactly once.
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        seen = Counter(e["type"] for e in watcher.events)
        if seen["ticket.finished"] >= TICKETS:
            break
        time.sleep(0.05)
    watcher.stop.set()
    watcher.join(TIMEOUT)
    assert watcher.error is None, watcher.error
    by_type: dict[str, Counter[int]] = {"ticket.called": Counter(), "ticket.finished": Counter()}
    for event in watcher.events:
        if event["type"] in by_type:
            by_type[event["type"]][event["data"]["id"]] += 1
    assert by_type["ticket.called"] == Counter(issued)
    assert by_type["ticket.finished"] == Counter(issued)
    assert {e["data"]["outcome"] for e in watcher.events if e["type"] == "ticket.finished"} == {
        "resolved"
    }
    seqs = [e["seq"] for e in watcher.events]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    log.info(
        "call-next: %s; duplicates 0; %d events seen",
        {desk.operator: len(desk.called) for desk in desks},
        len(watcher.events),
    )
