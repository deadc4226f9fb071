"""Notices along a booking's life through the real commands (BookSlot, CheckIn, CancelBooking):
confirmation, the day-before reminder, turn-near after check-in, cancellation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from queue_server.notify.channels import NoticeChannels, NoticeKind
from queue_server.notify.messages import render
from queue_server.service import commands as c
from queue_server.service.bus import QueueService
from queue_server.service.notices import notice_jobs
from queue_server.storage.notices import list_notices
from tests.helpers.bookable import enable_booking
from tests.helpers.office import OFFICE, FakeClock, make_office

pytestmark = pytest.mark.integration

CHANNELS = NoticeChannels(email=True, sms=True, turn_near_ahead=3)
PHONE, EMAIL = "+79161234512", "anna@example.ru"


@pytest.fixture
def service(tmp_path: Path) -> Iterator[QueueService]:
    """The test office, bookable around the clock, with e-mail and SMS configured; Sunday
    8 March 2026 07:00 UTC (10:00 Moscow)."""
    clock = FakeClock(datetime(2026, 3, 8, 7, 0, tzinfo=UTC))
    office = make_office(tmp_path / "okno.db", clock)
    enable_booking(
        office.engine,
        schedule={"mon-sun": "00:00-23:30"},
        lead_minutes=0,
        horizon_days=7,
        daily_limit=None,
        holidays=[],
    )
    service = QueueService(
        office.engine, lambda token: f"https://okno.test/t/{token}", clock, CHANNELS
    )
    yield service
    office.engine.dispose()


def _notices(service: QueueService, kind: str) -> list[tuple[str, str | None]]:
    with service.engine.connect() as conn:
        rows = list_notices(conn, limit=1000)
    return sorted((r.channel, r.recipient) for r in rows if r.kind == kind)


def _book(service: QueueService, slot: datetime) -> dict[str, str]:
    command = c.BookSlot(OFFICE, "reg", slot, phone=PHONE, email=EMAIL, consent=True)
    body: dict[str, str] = service.execute(command).body
    return body


def test_a_booking_s_notices_from_confirmation_to_turn_near(service: QueueService) -> None:
    """Booked on Sunday for Tuesday 10:30: a confirmation by e-mail and SMS with the manage
    link; on Monday from 10:00 one reminder each; on Tuesday, checked in behind four walk-ins,
    one turn-near SMS once three or fewer are ahead."""
    clock = service.clock
    assert isinstance(clock, FakeClock)
    booked = _book(service, datetime(2026, 3, 10, 7, 30, tzinfo=UTC))
    assert _notices(service, "booking_confirmation") == [("email", EMAIL), ("sms", PHONE)]
    with service.engine.connect() as conn:
        confirmation = list_notices(conn)[0]
    assert confirmation.data["manage_url"].endswith(booked["manage_secret"])
    assert confirmation.data["code"] == booked["code"]

    clock.now = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)  # Monday 10:00 Moscow
    assert notice_jobs(service.engine, OFFICE, clock(), CHANNELS, 30) == (1, 0)
    assert _notices(service, "reminder") == [("email", EMAIL), ("sms", PHONE)]

    clock.now = datetime(2026, 3, 10, 7, 10, tzinfo=UTC)  # Tuesday, 20 min before the slot
    walk_ins = [service.execute(c.IssueTicket(OFFICE, "reg")).body["id"] for _ in range(4)]
    ticket = service.execute(c.CheckIn(OFFICE, booked["code"], by_kiosk=True)).body
    assert ticket["ahead"] == 4
    assert _notices(service, "turn_near") == []
    service.execute(c.CancelTicket(OFFICE, walk_ins[0]))
    assert _notices(service, "turn_near") == [("sms", PHONE)]
    service.execute(c.CancelTicket(OFFICE, walk_ins[1]))
    assert _notices(service, "turn_near") == [("sms", PHONE)]


def test_cancelling_a_booking_tells_the_visitor(service: QueueService) -> None:
    """CancelBooking queues a cancellation on each channel the contact allows."""
    booked = _book(service, datetime(2026, 3, 10, 7, 30, tzinfo=UTC))
    service.execute(c.CancelBooking(OFFICE, booked["code"]))
    assert _notices(service, "cancellation") == [("email", EMAIL), ("sms", PHONE)]


def test_moving_a_booking_says_old_and_new_time_with_the_manage_link(
    service: QueueService,
) -> None:
    """MoveBooking's confirmation names the old time (office time) and repeats the manage link
    of the first confirmation, whose secret only that one knew."""
    booked = _book(service, datetime(2026, 3, 10, 7, 30, tzinfo=UTC))
    service.execute(c.MoveBooking(OFFICE, booked["code"], datetime(2026, 3, 11, 8, 0, tzinfo=UTC)))
    with service.engine.connect() as conn:
        moved = next(r for r in list_notices(conn) if r.channel == "email")  # newest first
    message = render(NoticeKind.BOOKING_CONFIRMATION, moved.data)
    assert message.subject == f"Запись перенесена: 11.03.2026 в 11:00, код {booked['code']}"
    assert "Запись перенесена с 10.03.2026 10:30." in message.body
    assert booked["manage_secret"] in message.body
