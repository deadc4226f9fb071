"""Two server processes on one PostgreSQL database: one queue, one event stream, no double calls."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.api import client, issue, office_seq, queue
from tests.e2e.test_concurrency import Desk, Watcher
from tests.helpers.postgres import fresh_database
from tests.helpers.server_process import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]

TICKETS = 100
TIMEOUT = 10.0


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Two `okno server` processes sharing a fresh PostgreSQL database with the test office."""
    with fresh_database() as url:
        first = ServerProcess(tmp_path / "a", db=url)
        second = ServerProcess(tmp_path / "b", db=url)
        first.workdir.mkdir()
        second.workdir.mkdir()
        first.apply_test_office()
        with first, second:
            yield first, second


def test_desks_on_two_processes_share_one_queue(
    cluster: tuple[ServerProcess, ServerProcess],
) -> None:
    """Alice on process A and Bob on process B race for 100 tickets: each is called once, and a
    display connected to B sees every call of both, in seq order, with no gap."""
    first, second = cluster
    with client(first.url) as http:
        issued = [issue(http, "reg")["id"] for _ in range(TICKETS)]
    watcher = Watcher(second.url, office_seq(second.url))
    watcher.start()
    assert watcher.ready.wait(TIMEOUT) and watcher.error is None, watcher.error

    go = threading.Barrier(2)
    desks = [Desk(first.url, "alice", go), Desk(second.url, "bob", go)]
    for desk in desks:
        desk.start()
    for desk in desks:
        desk.join(90)
    assert not any(desk.is_alive() for desk in desks), "a desk did not finish in time"
    assert [desk.error for desk in desks] == [None, None]
    calls = Counter(ticket for desk in desks for ticket in desk.called)
    assert calls == Counter(issued), "a ticket was called twice or skipped"
    assert all(desk.called for desk in desks), "one desk served nobody: nothing was contended"

    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if Counter(e["type"] for e in watcher.events)["ticket.finished"] >= TICKETS:
            break
        time.sleep(0.05)
    watcher.stop.set()
    watcher.join(TIMEOUT)
    assert watcher.error is None, watcher.error
    called = Counter(e["data"]["id"] for e in watcher.events if e["type"] == "ticket.called")
    assert called == Counter(issued), "the display on B missed or repeated a call"
    seqs = [e["seq"] for e in watcher.events]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    with client(second.url) as http:
        assert queue(http)["waiting"] == []
