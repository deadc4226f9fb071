"""Through the command bus, the recorded replay answers as the full replay (issue 11)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from queue_server.service import commands as c
from queue_server.service.tx import Tx
from queue_server.service.views import queue_lines
from queue_server.storage.repository import Repository
from tests.helpers.office import OFFICE, WORKPLACES, Office
from tests.queue_server.notify.test_outbox import add_booking

pytestmark = pytest.mark.integration


def _reference(office: Office) -> Tx:
    """A transaction over a plain repository: its positions are `estimate_all`'s."""
    conn = office.engine.connect()
    repo = Repository(conn)
    row = repo.office(OFFICE)
    assert row is not None
    return Tx(repo=repo, office=row, now=office.clock(), status_url=lambda _: "")


def _reference_lines(office: Office) -> list[dict[str, Any]]:
    """`queue.changed`'s services as the full replay gives them for the office's state now."""
    tx = _reference(office)
    try:
        return [line.model_dump(mode="json") for line in queue_lines(tx)]
    finally:
        tx.repo.conn.close()


def _lines(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    changed = [e for e in events if e["type"] == "queue.changed"]
    assert changed, "every command that touches the queue tells of it"
    return list(changed[-1]["data"]["services"])


def test_issues_and_calls_answer_as_the_full_replay(office: Office) -> None:
    """60 walk-ins and a few calls: every issue's ahead/minutes and every queue.changed equal
    estimate_all and views over the same state, and most issues need no new replay."""
    for op in ("alice", "bob", "carol"):
        office.service.execute(c.SignIn(OFFICE, op, WORKPLACES[op]))
    issues = 0
    for i in range(60):
        office.clock.advance(seconds=7)
        executed = office.service.execute(c.IssueTicket(OFFICE, ("reg", "vac", "ben")[i % 3]))
        issues += 1
        tx = _reference(office)
        try:
            _, positions = tx.positions()
            expected = positions[executed.body["id"]]
            assert (executed.body["ahead"], executed.body["estimate_minutes"]) == (
                expected.ahead,
                expected.minutes,
            )
            reference = [line.model_dump(mode="json") for line in queue_lines(tx)]
        finally:
            tx.repo.conn.close()
        assert _lines(executed.events) == reference
        if i % 20 == 19:
            called = office.service.execute(
                c.CallNext(office=OFFICE, operator="alice", workplace=WORKPLACES["alice"])
            )
            assert _lines(called.events) == _reference_lines(office)
            office.service.execute(
                c.NoShow(office=OFFICE, operator="alice", workplace=WORKPLACES["alice"])
            )
    keeper = office.service._caches[OFFICE].keeper
    assert keeper.rebuilds < issues // 2


def test_a_call_next_at_a_quiet_moment_needs_no_new_replay(office: Office) -> None:
    """Call-next by a free desk, with no call times learned yet, takes the called ticket out of
    the record: queue.changed equals the full replay's and nothing is replayed again."""
    for op in ("alice", "bob", "carol"):
        office.service.execute(c.SignIn(OFFICE, op, WORKPLACES[op]))
    for i in range(30):
        office.clock.advance(seconds=7)
        office.service.execute(c.IssueTicket(OFFICE, ("reg", "vac", "ben")[i % 3]))
    keeper = office.service._caches[OFFICE].keeper
    before = keeper.rebuilds
    office.clock.advance(seconds=3)
    called = office.service.execute(
        c.CallNext(office=OFFICE, operator="alice", workplace=WORKPLACES["alice"])
    )
    assert _lines(called.events) == _reference_lines(office)
    assert keeper.rebuilds == before
    office.clock.advance(seconds=5)
    issued = office.service.execute(c.IssueTicket(OFFICE, "reg"))
    tx = _reference(office)
    try:
        _, positions = tx.positions()
        expected = positions[issued.body["id"]]
        reference = [line.model_dump(mode="json") for line in queue_lines(tx)]
    finally:
        tx.repo.conn.close()
    assert (issued.body["ahead"], issued.body["estimate_minutes"]) == expected
    assert _lines(issued.events) == reference
    assert keeper.rebuilds == before


def test_the_forecast_reads_booked_slots_again_only_after_a_booking_event(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A finish makes the duration model learn again; the booked slots it forecasts from are
    not read again for that (one query per finish, measured in the simulated day), only when a
    booking event changes them."""
    reads: list[tuple[Any, Any]] = []
    original = Repository.booked_slots

    def counting(self: Repository, office_id: str, since: Any, until: Any) -> Any:
        reads.append((since, until))
        return original(self, office_id, since, until)

    monkeypatch.setattr(Repository, "booked_slots", counting)
    add_booking(office.engine, office.clock() + timedelta(hours=1))
    for op in ("alice", "bob", "carol"):
        office.service.execute(c.SignIn(OFFICE, op, WORKPLACES[op]))
    for i in range(25):  # over a quarter of an hour of walk-ins: the model forecasts
        office.clock.advance(minutes=1)
        office.service.execute(c.IssueTicket(OFFICE, ("reg", "vac")[i % 2]))
    assert reads, "the forecast reads the booked slots"
    read = len(reads)
    desk = {"office": OFFICE, "operator": "alice", "workplace": WORKPLACES["alice"]}
    office.service.execute(c.CallNext(**desk))
    office.service.execute(c.StartService(**desk))
    office.clock.advance(minutes=4)
    office.service.execute(c.Finish(**desk))
    office.clock.advance(seconds=10)
    office.service.execute(c.IssueTicket(OFFICE, "reg"))
    assert len(reads) == read
    office.service.execute(c.CancelBooking(OFFICE, "K7M2QX"))
    office.service.execute(c.IssueTicket(OFFICE, "reg"))
    assert len(reads) == read + 1
