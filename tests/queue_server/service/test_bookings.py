"""BookSlot, CancelBooking, MoveBooking and BookingQueries on a real database (both backends)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from queue_server.domain import errors
from queue_server.domain.bookings import CODE_ALPHABET, secret_hash
from queue_server.notify.channels import NoticeChannels
from queue_server.service import commands as c
from queue_server.service.bookings import BookingQueries, add_api_client, api_client_for_token
from queue_server.service.bus import QueueService
from queue_server.storage import tables as t
from tests.helpers.bookable import enable_booking
from tests.helpers.office import OFFICE, Office

pytestmark = pytest.mark.integration

MSK = ZoneInfo("Europe/Moscow")


def msk(day: int, hour: int, minute: int = 0) -> datetime:
    """A Moscow wall-clock time in March 2026 (the test clock: Tue 10th, 10:00)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=MSK)


@pytest.fixture
def booking_office(office: Office) -> Office:
    enable_booking(office.engine)
    return office


def book(office: Office, slot_at: datetime, **fields: Any) -> dict[str, Any]:
    return office.service.execute(c.BookSlot(OFFICE, "reg", slot_at, **fields)).body


def stored(office: Office) -> tuple[Any, ...]:
    """Everything a booking command may change: bookings, events, notices, the office row."""
    with office.engine.connect() as conn:
        return tuple(
            tuple(tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key)))
            for table in (t.bookings, t.events, t.notices, t.offices)
        )


def refused(office: Office, command: Any) -> errors.DomainError:
    """The refusal of `command`, having checked it changed nothing."""
    before = stored(office)
    with pytest.raises(errors.DomainError) as caught:
        office.service.execute(command)
    assert stored(office) == before
    return caught.value


def test_booking_stores_code_hash_and_contact_and_tells_the_office(booking_office: Office) -> None:
    """A booking: 8-char code, secret returned once and kept only as sha256, booking.created."""
    answer = book(
        booking_office,
        msk(11, 9),
        lang="en",
        name="Anna",
        phone="8 900 123-45-67",
        email="anna@example.ru",
        consent=True,
    )
    assert len(answer["code"]) == 8 and set(answer["code"]) <= set(CODE_ALPHABET)
    assert answer["slot_local"] == "2026-03-11 09:00" and answer["status"] == "booked"
    assert answer["service_name"]["en"] == "Registration" and answer["has_contact"]
    with booking_office.engine.connect() as conn:
        row = conn.execute(select(t.bookings)).one()
        kinds = [e.type for e in conn.execute(select(t.events.c.type))]
    assert row.manage_hash == secret_hash(answer["manage_secret"])
    assert answer["manage_secret"] not in str(tuple(row))
    assert (row.phone, row.email, row.name, row.lang) == (
        "+79001234567",
        "anna@example.ru",
        "Anna",
        "en",
    )
    assert row.consent_at == booking_office.clock.now and row.source == "web"
    assert kinds[-1] == "booking.created"


def test_slot_capacity_is_never_exceeded(booking_office: Office) -> None:
    """Two places in the slot: the third booking is refused slot_full, in the visitor's language."""
    book(booking_office, msk(11, 9))
    book(booking_office, msk(11, 9))
    error = refused(booking_office, c.BookSlot(OFFICE, "reg", msk(11, 9), lang="en"))
    assert error.code == "slot_full"
    assert error.message("en") == "11.03.2026 09:00 is already taken: please choose another time"
    assert error.message("ru") == "Время 11.03.2026 09:00 уже занято: выберите другое"


@pytest.mark.parametrize(
    ("slot_at", "code"),
    [
        (msk(10, 9), "slot_in_past"),
        (msk(10, 10, 30), "too_soon"),
        (msk(30, 9), "beyond_horizon"),
        (msk(12, 9), "holiday"),
        (msk(14, 10), "closed"),
        (msk(11, 13, 0), "closed"),
    ],
)
def test_bad_slots_are_refused_and_nothing_is_booked(
    booking_office: Office, slot_at: datetime, code: str
) -> None:
    """Past, too soon, beyond the horizon, holiday, closed: each its code, nothing stored."""
    error = refused(booking_office, c.BookSlot(OFFICE, "reg", slot_at))
    assert error.code == code and error.message("ru") and error.message("en") != error.message("ru")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"phone": "12-34", "consent": True}, "invalid_phone"),
        ({"email": "anna@", "consent": True}, "invalid_email"),
        ({"phone": "+79001234567"}, "consent_required"),
        ({"name": "Анна"}, "consent_required"),
    ],
)
def test_bad_contacts_are_refused_and_nothing_is_booked(
    booking_office: Office, fields: dict[str, Any], code: str
) -> None:
    """A malformed phone or e-mail, or a contact without consent: refused, nothing stored."""
    assert refused(booking_office, c.BookSlot(OFFICE, "reg", msk(11, 9), **fields)).code == code


def test_daily_limit_and_unbookable_services(booking_office: Office) -> None:
    """The day's limit refuses the next booking; a service without booking settings refuses all."""
    enable_booking(booking_office.engine, daily_limit=2)
    book(booking_office, msk(11, 9))
    book(booking_office, msk(11, 10))
    assert refused(booking_office, c.BookSlot(OFFICE, "reg", msk(11, 11))).code == "daily_limit"
    error = refused(booking_office, c.BookSlot(OFFICE, "vac", msk(11, 9)))
    assert error.code == "not_bookable" and "Вакансии" in error.message("ru")
    assert refused(booking_office, c.BookSlot(OFFICE, "nope", msk(11, 9))).code == "unknown_service"


def test_cancel_frees_the_place_and_cannot_be_repeated(booking_office: Office) -> None:
    """A cancelled booking frees its place (booking.cancelled); cancelling again is refused."""
    enable_booking(booking_office.engine, capacity=1)
    code = book(booking_office, msk(11, 9))["code"]
    assert refused(booking_office, c.BookSlot(OFFICE, "reg", msk(11, 9))).code == "slot_full"
    view = booking_office.service.execute(c.CancelBooking(OFFICE, code.lower())).body
    assert view["status"] == "cancelled"
    book(booking_office, msk(11, 9))
    again = refused(booking_office, c.CancelBooking(OFFICE, code, lang="en"))
    assert again.code == "booking_closed" and "already cancelled" in again.message("en")
    assert refused(booking_office, c.CancelBooking(OFFICE, "AAAAAAAA")).code == "booking_not_found"


def test_move_keeps_the_code_and_checks_the_new_slot(booking_office: Office) -> None:
    """A move goes to a free slot under the same code; a full or closed target is refused."""
    enable_booking(booking_office.engine, capacity=1)
    code = book(booking_office, msk(11, 9))["code"]
    book(booking_office, msk(11, 10))
    assert refused(booking_office, c.MoveBooking(OFFICE, code, msk(11, 10))).code == "slot_full"
    assert refused(booking_office, c.MoveBooking(OFFICE, code, msk(12, 10))).code == "holiday"
    moved = booking_office.service.execute(c.MoveBooking(OFFICE, code, msk(11, 9, 30))).body
    assert moved["code"] == code and moved["slot_local"] == "2026-03-11 09:30"
    book(booking_office, msk(11, 9))  # the old place is free again
    with booking_office.engine.connect() as conn:
        last = conn.execute(select(t.events).order_by(t.events.c.seq.desc())).first()
    assert last is not None and last.type == "booking.created"


def test_a_past_booking_cannot_be_cancelled(booking_office: Office) -> None:
    """Once its time has come, a booking can no longer be cancelled or moved."""
    code = book(booking_office, msk(10, 11))["code"]
    booking_office.clock.now = msk(10, 11, 5).astimezone(UTC)
    assert refused(booking_office, c.CancelBooking(OFFICE, code)).code == "booking_closed"


def test_queries_list_days_slots_and_find_bookings(booking_office: Office) -> None:
    """free_days/free_slots follow the bookings; lookups by code, secret and phone's last 4."""
    queries = BookingQueries(booking_office.engine, booking_office.clock)
    enable_booking(booking_office.engine, capacity=1)
    days = queries.free_days(OFFICE, "reg", 2026, 3).days
    assert days[0] == date(2026, 3, 10) and date(2026, 3, 12) not in days
    first = queries.free_slots(OFFICE, "reg", date(2026, 3, 10)).slots[0]
    assert (first.local, first.left) == ("11:00", 1)
    answer = book(booking_office, msk(10, 11), phone="+7 900 123 45 67", consent=True)
    assert queries.free_slots(OFFICE, "reg", date(2026, 3, 10)).slots[0].local == "11:30"
    code, secret = answer["code"], answer["manage_secret"]
    assert queries.booking_by_code(OFFICE, code.lower()) is not None
    found = queries.booking_by_manage_secret(secret)
    assert found is not None and found.code == code
    assert queries.booking_by_manage_secret("x" * 30) is None
    assert queries.booking_by_code_and_phone_last4(OFFICE, code, "4567") is not None
    assert queries.booking_by_code_and_phone_last4(OFFICE, code, "4568") is None
    with pytest.raises(errors.DomainError) as caught:
        queries.free_slots(OFFICE, "vac", date(2026, 3, 10))
    assert caught.value.code == "not_bookable"


def test_api_client_token_is_shown_once_and_stored_hashed(booking_office: Office) -> None:
    """`add_api_client` returns a token whose hash alone is stored; the token finds the client."""
    client, token = add_api_client(booking_office.engine, OFFICE, "Портал")
    found = api_client_for_token(booking_office.engine, token)
    assert found is not None and (found.id, found.office, found.name) == (client, OFFICE, "Портал")
    assert api_client_for_token(booking_office.engine, token + "x") is None
    with booking_office.engine.connect() as conn:
        assert conn.execute(select(t.api_clients.c.token_hash)).scalar() == secret_hash(token)
    with pytest.raises(errors.NotFound):
        add_api_client(booking_office.engine, "nowhere", "Портал")


def test_housekeeping_marks_earlier_days_unvisited_bookings_missed(booking_office: Office) -> None:
    """The next day, a booking never checked in is `missed`; one of that day stays `booked`."""
    old = book(booking_office, msk(10, 11))["code"]
    booking_office.clock.now = msk(11, 8).astimezone(UTC)
    today = book(booking_office, msk(11, 9, 30))["code"]
    booking_office.service.execute(c.Housekeep(OFFICE))
    with booking_office.engine.connect() as conn:
        statuses = dict(conn.execute(select(t.bookings.c.code, t.bookings.c.status)).all())
    assert statuses == {old: "missed", today: "booked"}


def test_booking_cancel_and_move_queue_the_visitors_notices(booking_office: Office) -> None:
    """With e-mail and SMS configured: a confirmation with the manage link on each channel the
    contact allows, another on a move (saying the old time), a cancellation on cancel."""
    service = QueueService(
        booking_office.engine,
        lambda token: f"https://okno.example/t/{token}",
        booking_office.clock,
        notices=NoticeChannels(email=True, sms=True),
    )
    answer = service.execute(
        c.BookSlot(OFFICE, "reg", msk(11, 9), email="anna@example.ru", consent=True)
    ).body
    service.execute(c.MoveBooking(OFFICE, answer["code"], msk(11, 10)))
    service.execute(c.CancelBooking(OFFICE, answer["code"]))
    with booking_office.engine.connect() as conn:
        rows = conn.execute(select(t.notices).order_by(t.notices.c.id)).all()
    assert [(r.kind, r.channel, r.recipient) for r in rows] == [
        ("booking_confirmation", "email", "anna@example.ru"),
        ("booking_confirmation", "email", "anna@example.ru"),
        ("cancellation", "email", "anna@example.ru"),
    ]
    secret = answer["manage_secret"]
    assert rows[0].data["manage_url"] == f"https://okno.example/book/manage/{secret}"
    assert rows[1].data["moved_from"] == msk(11, 9).astimezone(UTC).isoformat()
    assert rows[1].data["time"] == "10:00"
