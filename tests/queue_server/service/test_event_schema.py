"""Every event the server writes, and its snapshot, fit the typed payloads of queue_protocol."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from queue_protocol.events import EventType
from queue_protocol.payloads import PAYLOADS, SnapshotData, TicketPayload
from queue_server.service import commands as c
from queue_server.storage import tables as t
from tests.helpers.office import OFFICE, WORKPLACES, Office, make_office

pytestmark = pytest.mark.integration

#: Event types no command emits yet: their issues (ratings, bookings) are still open.
NOT_EMITTED_YET = {
    EventType.FILTERED,  # sent in place of hidden events, never written to the log
    EventType.RATING_RECEIVED,
    EventType.BOOKING_CREATED,
    EventType.BOOKING_CANCELLED,
    EventType.BOOKING_CHECKED_IN,
}
WIRE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _desk(op: str) -> dict[str, str]:
    return {"office": OFFICE, "operator": op, "workplace": WORKPLACES[op]}


def _a_busy_day(office: Office) -> None:
    """Commands that make the server emit every event type it knows today."""
    run = office.service.execute
    for op in ("alice", "bob", "carol"):
        run(c.SignIn(OFFICE, op, WORKPLACES[op]))
    first = run(c.IssueTicket(OFFICE, "reg", False)).body
    run(c.IssueTicket(OFFICE, "reg", True))
    run(c.IssueTicket(OFFICE, "vac", False))
    run(c.CallNext(**_desk("alice")))
    run(c.Recall(**_desk("alice")))
    run(c.StartService(**_desk("alice")))
    run(c.Finish(**_desk("alice"), outcome="resolved"))
    run(c.CallNext(**_desk("alice")))
    run(c.NoShow(**_desk("alice")))
    run(c.CallNext(**_desk("bob")))
    run(c.ReturnToQueue(**_desk("bob"), minutes=5))
    run(c.IssueTicket(OFFICE, "vac", False))
    run(c.CallNext(**_desk("bob")))
    run(c.Transfer(**_desk("bob"), service="ben", to_operator="carol", to_head=True))
    run(c.Pause(**_desk("carol"), reason="обед"))
    run(c.Resume(**_desk("carol")))
    waiting = run(c.IssueTicket(OFFICE, "ben", False)).body
    run(c.CancelTicket(OFFICE, waiting["id"]))
    run(c.ReportDeviceAlert(OFFICE, "kiosk-1", "kiosk", None, "printer", "PaperOut", "no paper"))
    assert first["number"]
    # The next morning: yesterday's waiting tickets are closed by day.reset.
    office.clock.advance(minutes=24 * 60)
    run(c.Housekeep(OFFICE))


def _times_in(value: Any) -> list[str]:
    """Every string in `value` that looks like a time (has a T between a date and a clock)."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in _times_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in _times_in(v)]
    if isinstance(value, str) and re.match(r"^\d{4}-\d\d-\d\dT", value):
        return [value]
    return []


def test_every_event_type_has_a_payload_model() -> None:
    """PAYLOADS names a model for each event type of DESIGN.md §5."""
    assert set(PAYLOADS) == set(EventType)


def test_every_emitted_event_fits_its_payload_exactly(tmp_path: Any) -> None:
    """Each event in the log reads back into its type's model and writes out the same JSON:
    no field the model does not name, times in milliseconds with a Z."""
    office = make_office(tmp_path / "okno.db")
    _a_busy_day(office)
    with office.engine.connect() as conn:
        rows = list(conn.execute(select(t.events).order_by(t.events.c.seq)))
    seen = set()
    for row in rows:
        kind = EventType(row.type)
        seen.add(kind)
        model = PAYLOADS[kind].model_validate(row.data)
        assert model.to_json() == row.data, f"event {row.seq} ({row.type})"
        for moment in _times_in(row.data):
            assert WIRE_TIME.match(moment), f"event {row.seq}: {moment}"
    assert seen == set(EventType) - NOT_EMITTED_YET


def test_snapshot_fits_snapshot_data_with_one_ticket_shape(tmp_path: Any) -> None:
    """The snapshot reads into SnapshotData exactly; waiting and active tickets share one shape,
    and services carry their names so a board needs no second request."""
    office = make_office(tmp_path / "okno.db")
    run = office.service.execute
    run(c.SignIn(OFFICE, "alice", WORKPLACES["alice"]))
    run(c.IssueTicket(OFFICE, "reg", False))
    run(c.IssueTicket(OFFICE, "reg", False))
    run(c.CallNext(**_desk("alice")))
    _, data = office.queries.snapshot(OFFICE)
    snapshot = SnapshotData.model_validate(data)
    assert snapshot.to_json() == data
    assert set(data["waiting"][0]) == set(data["active"][0]) == set(TicketPayload.model_fields)
    names = {s.service: s.name.ru for s in snapshot.services}
    assert names["reg"] == "Регистрация" and snapshot.services[0].prefix
    assert [w.name.ru for w in snapshot.workplaces][:2] == ["Окно 1", "Окно 2"]
    assert {o.operator: o.name for o in snapshot.operators}["alice"] == "Алиса"
    for moment in _times_in(data):
        assert WIRE_TIME.match(moment), moment


def test_reads_reuse_one_replay_per_seq(tmp_path: Any) -> None:
    """/queue, the snapshot and status pages at one seq cost one replay; a change or the
    passing of `fresh_for` makes a new one."""
    office = make_office(tmp_path / "okno.db")
    run = office.service.execute
    run(c.SignIn(OFFICE, "alice", WORKPLACES["alice"]))
    issued = run(c.IssueTicket(OFFICE, "reg", False)).body
    token = issued["status_url"].rsplit("/", 1)[-1]
    queries = office.queries
    for _ in range(50):
        queries.queue(OFFICE)
        queries.snapshot(OFFICE)
        assert queries.public_ticket(token).ahead == 0
    assert queries.replays == 1
    run(c.IssueTicket(OFFICE, "reg", False))
    assert len(queries.queue(OFFICE).waiting) == 2
    assert queries.replays == 2
    office.clock.advance(seconds=queries.fresh_for.total_seconds())
    queries.snapshot(OFFICE)
    assert queries.replays == 3


def test_a_reused_reading_keeps_estimates_right_after_changes(tmp_path: Any) -> None:
    """A reading made before a call is not served after it: the queue shown moves on."""
    office = make_office(tmp_path / "okno.db")
    run = office.service.execute
    run(c.SignIn(OFFICE, "alice", WORKPLACES["alice"]))
    run(c.IssueTicket(OFFICE, "reg", False))
    run(c.IssueTicket(OFFICE, "reg", False))
    assert len(office.queries.queue(OFFICE).waiting) == 2
    run(c.CallNext(**_desk("alice")))
    after = office.queries.queue(OFFICE)
    assert len(after.waiting) == 1
    _, data = office.queries.snapshot(OFFICE)
    assert len(data["waiting"]) == 1 and len(data["active"]) == 1
    office.clock.advance(minutes=3)
    assert office.queries.queue(OFFICE).services[0].longest_wait_minutes >= 3 - 1e-9
    assert timedelta(minutes=3) > office.queries.fresh_for
