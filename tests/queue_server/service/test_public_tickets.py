"""The status pages' read (`QueueQueries.read_public_tickets`) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from queue_server.service import commands as c
from tests.helpers.bookings import add_booking
from tests.helpers.office import OFFICE, WORKPLACES, Office

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)  # the test clock: 10:00 in Moscow


def _token(body: dict[str, object]) -> str:
    return str(body["status_url"]).rsplit("/t/", 1)[1]


def test_many_tokens_in_one_read_with_places_and_seq(office: Office) -> None:
    """Known tokens get their status and place, unknown ones are left out; the seq is the
    office's; without positions no reading is made and waiting tickets have no place."""
    office.service.execute(c.SignIn(OFFICE, "alice", WORKPLACES["alice"]))
    tokens = [_token(office.service.execute(c.IssueTicket(OFFICE, "reg")).body) for _ in range(3)]
    office.service.execute(c.CallNext(OFFICE, "alice", WORKPLACES["alice"]))
    seq = office.queries.seq(OFFICE)
    read = office.queries.read_public_tickets([*tokens, "nope"])
    assert read.seqs == {OFFICE: seq} and set(read.tickets) == set(tokens)
    statuses = [read.tickets[t][1].status.value for t in tokens]
    assert statuses == ["called", "waiting", "waiting"]
    assert [read.tickets[t][1].ahead for t in tokens] == [None, 0, 1]
    assert read.tickets[tokens[0]][1].workplace_name is not None
    replays = office.queries.replays
    quick = office.queries.read_public_tickets(tokens, with_positions=False)
    assert office.queries.replays == replays
    assert [quick.tickets[t][1].ahead for t in tokens] == [None, None, None]
    assert quick.tickets[tokens[0]][1].status.value == "called"


def test_a_checked_in_booking_shows_its_slot_in_office_time(office: Office) -> None:
    """A ticket from a booking carries the booked slot, in the office's zone; a walk-in none."""
    add_booking(office.engine, OFFICE, "ACDE7K3P", NOW + timedelta(minutes=15))
    booked = office.service.execute(c.CheckIn(OFFICE, "ACDE7K3P", by_kiosk=True)).body
    walk_in = office.service.execute(c.IssueTicket(OFFICE, "reg")).body
    read = office.queries.read_public_tickets([_token(booked), _token(walk_in)])
    slot_at = read.tickets[_token(booked)][1].slot_at
    assert slot_at is not None and slot_at.strftime("%H:%M") == "10:15"
    assert slot_at.utcoffset() == timedelta(hours=3)
    assert read.tickets[_token(walk_in)][1].slot_at is None
