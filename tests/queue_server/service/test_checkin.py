"""CheckIn on a real database: every outcome of a booking code; a refusal changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from queue_server.domain.checkin import CheckInRefused
from queue_server.service import commands as c
from queue_server.service.bus import Idempotency
from queue_server.service.config import apply_config, parse_config
from queue_server.storage import tables as t
from tests.helpers.bookings import add_booking, add_office, booking_row, set_check_in
from tests.helpers.office import OFFICE, OFFICE_YAML, WORKPLACES, Office
from tests.queue_server.service.test_commands import state

pytestmark = pytest.mark.integration

# The test clock stands at 07:00 UTC, 10:00 in Moscow.
NOW = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)


def slot(minutes: float) -> datetime:
    """A slot `minutes` after the clock's time (negative: before it)."""
    return NOW + timedelta(minutes=minutes)


def check_in(office: Office, code: str, lang: str = "ru") -> dict[str, Any]:
    return office.service.execute(c.CheckIn(OFFICE, code, lang, by_kiosk=True)).body


def refusal(office: Office, code: str, lang: str = "ru") -> CheckInRefused:
    """The refusal of `code`, having checked that the refusal changed nothing."""
    before = state(office)
    with pytest.raises(CheckInRefused) as caught:
        check_in(office, code, lang)
    assert state(office) == before
    return caught.value


def ticket_row(office: Office, ticket: int) -> Any:
    with office.engine.connect() as conn:
        return conn.execute(select(t.tickets).where(t.tickets.c.id == ticket)).one()


def events(office: Office) -> list[tuple[str, dict[str, Any]]]:
    with office.engine.connect() as conn:
        rows = conn.execute(select(t.events.c.type, t.events.c.data).order_by(t.events.c.seq))
        return [(r.type, r.data) for r in rows]


def test_early_check_in_gives_an_appointment_ticket_queued_as_a_walk_in(office: Office) -> None:
    """20 min before the slot: an appointment ticket with the slot time, behind an older walk-in."""
    office.service.execute(c.SignIn(OFFICE, "alice", WORKPLACES["alice"]))
    walk_in = office.service.execute(c.IssueTicket(OFFICE, "reg")).body
    office.clock.advance(minutes=1)
    booking = add_booking(office.engine, OFFICE, "ACDE7K3P", slot(21))

    issued = check_in(office, "ACDE7K3P")

    assert issued["number"] == "А002" and issued["ahead"] == 1
    row = ticket_row(office, issued["id"])
    assert row.ticket_class == "appointment" and row.booking == booking
    assert row.slot_at == slot(21)
    stored = booking_row(office.engine, booking)
    assert stored.status == "checked_in" and stored.ticket == issued["id"]
    called = office.service.execute(c.CallNext(OFFICE, "alice", WORKPLACES["alice"])).body
    assert called["ticket"]["id"] == walk_in["id"]


def test_a_checked_in_visitor_is_not_also_expected_by_the_forecast(office: Office) -> None:
    """Two bookings share a slot just begun; a walk-in waits for the free desk. The first
    booked visitor to check in is told 0 minutes, and the walk-in behind them 10: one visit
    ahead, not two. (The booking, still "booked" while the estimate was made, was also counted
    as a visitor still to come, called before the walk-in: the line said 20 minutes.)"""
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(-2))
    add_booking(office.engine, OFFICE, "HJKM4799", slot(-2))
    office.service.execute(c.SignIn(OFFICE, "alice", WORKPLACES["alice"]))
    office.service.execute(c.IssueTicket(OFFICE, "reg"))

    issued = check_in(office, "ACDE7K3P")

    assert (issued["ahead"], issued["estimate_minutes"]) == (0, 0)
    kind, summary = events(office)[-1]
    assert kind == "queue.changed"
    line = next(s for s in summary["services"] if s["service"] == "reg")
    assert (line["waiting"], line["estimate_minutes"]) == (2, 10)


def test_a_visitor_here_goes_before_one_the_forecast_expects_at_the_same_slot(
    office: Office,
) -> None:
    """Three bookings share a slot just begun (the forecast expects one of the two still to
    come) and a desk is free: the visitor who checked in is told 0 minutes, not to wait
    behind someone who is not here yet."""
    for code in ("ACDE7K3P", "HJKM4799", "MNPR2345"):
        add_booking(office.engine, OFFICE, code, slot(-2))
    office.service.execute(c.SignIn(OFFICE, "alice", WORKPLACES["alice"]))

    issued = check_in(office, "MNPR2345")

    assert (issued["ahead"], issued["estimate_minutes"]) == (0, 0)


def test_on_time_check_in_is_called_before_waiting_walk_ins(office: Office) -> None:
    """At the slot's time the appointment is due at once: called before earlier walk-ins."""
    office.service.execute(c.SignIn(OFFICE, "alice", WORKPLACES["alice"]))
    office.service.execute(c.IssueTicket(OFFICE, "reg"))
    office.clock.advance(minutes=5)
    add_booking(office.engine, OFFICE, "HJKM4799", slot(3))

    issued = check_in(office, "HJKM4799")

    assert issued["ahead"] == 0
    called = office.service.execute(c.CallNext(OFFICE, "alice", WORKPLACES["alice"])).body
    assert called["ticket"]["id"] == issued["id"]


def test_a_booked_visitor_transferred_to_the_tail_of_another_service_goes_behind(
    office: Office,
) -> None:
    """The slot was booked for registration: transferred (to the tail) to the benefit line,
    the visitor goes behind the benefit walk-in already waiting there, not before everyone;
    "to the head" is the desk's choice for that (DESIGN.md §4)."""
    office.service.execute(c.SignIn(OFFICE, "alice", WORKPLACES["alice"]))
    office.service.execute(c.SignIn(OFFICE, "carol", WORKPLACES["carol"]))
    waiting = office.service.execute(c.IssueTicket(OFFICE, "ben")).body
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(-1))
    booked = check_in(office, "ACDE7K3P")
    alice = (OFFICE, "alice", WORKPLACES["alice"])
    called = office.service.execute(c.CallNext(*alice)).body
    assert called["ticket"]["id"] == booked["id"]
    office.clock.advance(minutes=2)

    office.service.execute(c.Transfer(*alice, service="ben"))

    carol = (OFFICE, "carol", WORKPLACES["carol"])
    assert office.service.execute(c.CallNext(*carol)).body["ticket"]["id"] == waiting["id"]
    office.service.execute(c.StartService(*carol))
    office.service.execute(c.Finish(*carol))
    assert office.service.execute(c.CallNext(*carol)).body["ticket"]["id"] == booked["id"]
    row = ticket_row(office, booked["id"])
    assert (row.ticket_class, row.slot_at) == ("appointment", None)


def test_finishing_a_checked_in_ticket_marks_its_booking_served(office: Office) -> None:
    """The booking's visit ends with its ticket: checked_in → served; a no-show leaves it be."""
    office.service.execute(c.SignIn(OFFICE, "alice", WORKPLACES["alice"]))
    served = add_booking(office.engine, OFFICE, "ACDE7K3P", slot(0))
    absent = add_booking(office.engine, OFFICE, "HJKM4799", slot(0))
    check_in(office, "ACDE7K3P")
    check_in(office, "HJKM4799")
    desk = (OFFICE, "alice", WORKPLACES["alice"])

    office.service.execute(c.CallNext(*desk))
    office.service.execute(c.StartService(*desk))
    assert booking_row(office.engine, served).status == "checked_in"  # not over yet
    office.service.execute(c.Finish(*desk))
    office.service.execute(c.CallNext(*desk))
    office.service.execute(c.NoShow(*desk))

    assert booking_row(office.engine, served).status == "served"
    assert booking_row(office.engine, absent).status == "checked_in"
    assert refusal(office, "ACDE7K3P").code == "booking_used"


def test_check_in_writes_issued_and_checked_in_events_and_the_queue(office: Office) -> None:
    """One check-in logs ticket.issued, booking.checked_in and queue.changed, in that order."""
    booking = add_booking(office.engine, OFFICE, "ACDE7K3P", slot(0))
    issued = check_in(office, "ACDE7K3P")
    kinds = [kind for kind, _ in events(office)]
    assert kinds[-3:] == ["ticket.issued", "booking.checked_in", "queue.changed"]
    data = events(office)[-2][1]
    assert data["booking"] == str(booking) and data["ticket"] == issued["id"]
    assert data["service"] == "reg"


def test_late_visitor_gets_a_walk_in_ticket_with_a_note(office: Office) -> None:
    """15 min after the slot (late: 10) with the walk_in policy: a walk-in ticket noting why."""
    booking = add_booking(office.engine, OFFICE, "ACDE7K3P", slot(-15))

    issued = check_in(office, "ACDE7K3P")

    row = ticket_row(office, issued["id"])
    assert row.ticket_class == "walk_in" and row.slot_at is None
    assert "ACDE7K3P" in row.note and "09:45" in row.note
    assert row.booking == booking
    assert booking_row(office.engine, booking).status == "checked_in"


def test_late_visitor_is_refused_when_the_office_refuses_late_ones(office: Office) -> None:
    """With late_policy refuse, a late visitor gets a sentence saying so and no ticket."""
    set_check_in(office.engine, OFFICE, late_policy="refuse")
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(-11))
    refused = refusal(office, "ACDE7K3P")
    assert refused.code == "check_in_too_late"
    assert "09:49" in refused.ru and "ACDE7K3P" in refused.ru
    assert "10 min" in refused.message("en")


def test_the_window_follows_the_office_settings(office: Office) -> None:
    """late_minutes 20: 15 min after the slot is still on time (an appointment ticket)."""
    set_check_in(office.engine, OFFICE, late_minutes=20, early_minutes=5)
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(-15))
    add_booking(office.engine, OFFICE, "HJKM4799", slot(10))
    issued = check_in(office, "ACDE7K3P")
    assert ticket_row(office, issued["id"]).ticket_class == "appointment"
    assert refusal(office, "HJKM4799").code == "check_in_too_early"


def test_too_early_on_the_right_day_says_when_check_in_opens(office: Office) -> None:
    """An hour before the slot (early: 30): refused, saying check-in opens at 10:30."""
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(60))
    refused = refusal(office, "ACDE7K3P")
    assert refused.code == "check_in_too_early"
    assert "10:30" in refused.ru and "11:00" in refused.ru
    assert refused.message("en") == "Booking ACDE7K3P is at 11:00. Check-in opens at 10:30"


def test_a_booking_for_another_day_is_refused_with_its_date(office: Office) -> None:
    """A booking for tomorrow: refused, naming its date and time."""
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(24 * 60))
    refused = refusal(office, "ACDE7K3P")
    assert refused.code == "booking_other_day"
    assert "11.03.2026 в 10:00" in refused.ru


def test_a_booking_of_another_office_is_refused_with_that_office(office: Office) -> None:
    """A code booked at another office: refused, naming that office."""
    add_office(office.engine, "north", {"ru": "Северный ЦЗН", "en": "North centre"})
    add_booking(office.engine, "north", "ACDE7K3P", slot(0))
    refused = refusal(office, "ACDE7K3P")
    assert refused.code == "booking_other_office"
    assert "Северный ЦЗН" in refused.ru and "North centre" in refused.message("en")


def test_a_used_code_is_refused_naming_the_ticket_already_issued(office: Office) -> None:
    """The same code a second time: refused with the number of the first ticket."""
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(0))
    first = check_in(office, "ACDE7K3P")
    refused = refusal(office, "ACDE7K3P")
    assert refused.code == "booking_used"
    assert first["number"] in refused.ru and first["number"] in refused.message("en")


def test_a_cancelled_booking_is_refused(office: Office) -> None:
    """A cancelled booking: refused as cancelled."""
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(0), status="cancelled")
    refused = refusal(office, "ACDE7K3P")
    assert refused.code == "booking_cancelled" and "отменена" in refused.ru


def test_an_unknown_code_is_refused_with_the_code(office: Office) -> None:
    """A code nobody booked: 404 unknown_booking, naming the code."""
    refused = refusal(office, "XXXX9999")
    assert (refused.code, refused.status) == ("unknown_booking", 404)
    assert "XXXX9999" in refused.ru


def test_a_malformed_code_is_refused_as_such(office: Office) -> None:
    """Text that cannot be a code: 422 malformed_booking_code."""
    refused = refusal(office, "кот!")
    assert (refused.code, refused.status) == ("malformed_booking_code", 422)


@pytest.mark.parametrize(
    "typed",
    ["acde7k3p", " ACD-E7K3P ", "acde 7k3p", "АСDЕ7К3Р", "https://okno.test/book?code=acde-7k3p"],
)
def test_codes_are_read_leniently(office: Office, typed: str) -> None:
    """Lower case, dashes, spaces, Cyrillic look-alikes and a booking URL all find the code."""
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(0))
    assert check_in(office, typed)["number"] == "А001"


def test_a_scanned_manage_link_checks_the_booking_in(office: Office) -> None:
    """A QR holding the booking's private manage URL finds it by the secret's hash."""
    secret = "s3cret-Manage_link-0123456789"
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(0), secret=secret)
    issued = check_in(office, f"https://okno.test/book/manage/{secret}")
    assert issued["number"] == "А001"


def test_a_manage_link_of_another_office_is_refused(office: Office) -> None:
    """A manage link of a booking at another office: refused as another office's."""
    add_office(office.engine, "north", {"ru": "Северный ЦЗН", "en": "North centre"})
    secret = "s3cret-Manage_link-0123456789"
    add_booking(office.engine, "north", "ACDE7K3P", slot(0), secret=secret)
    assert refusal(office, f"https://okno.test/book/manage/{secret}").code == (
        "booking_other_office"
    )


def test_refusals_speak_english_to_an_english_visitor(office: Office) -> None:
    """The English message of a refusal is English text."""
    refused = refusal(office, "XXXX9999", "en")
    assert refused.message("en").startswith("No booking with code XXXX9999")


def test_the_office_yaml_check_in_section_is_what_the_check_in_reads(office: Office) -> None:
    """`booking: {check_in: {late_policy: refuse, late_minutes: 5}}` applied with the office
    file: 6 min late is refused."""
    text = OFFICE_YAML.replace(
        "\nworkplaces:",
        "\nbooking:\n  check_in: {early_minutes: 30, late_minutes: 5, late_policy: refuse}"
        "\nworkplaces:",
        1,
    )
    apply_config(office.engine, parse_config(text, "office.yaml"))
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(-6))
    assert refusal(office, "ACDE7K3P").code == "check_in_too_late"


def test_a_retried_check_in_with_its_key_answers_the_same_ticket(office: Office) -> None:
    """The same Idempotency-Key twice: the first answer again, one ticket, no refusal."""
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(0))
    command = c.CheckIn(OFFICE, "ACDE7K3P", by_kiosk=True)
    key = Idempotency.of("kiosk:kiosk-1", "k1", "/check-in", {"code": "ACDE7K3P"})
    first = office.service.execute(command, key)
    again = office.service.execute(command, key)
    assert again.replayed and again.body == first.body
    with office.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.tickets)).scalar() == 1


def test_a_booking_of_an_earlier_day_says_its_time_has_passed(office: Office) -> None:
    """Yesterday's booking (not yet marked missed): refused as past, not "come on that day"."""
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(-24 * 60))
    refused = refusal(office, "ACDE7K3P", "en")
    assert refused.code == "booking_other_day"
    assert refused.message("en").startswith("Booking ACDE7K3P was for 09.03.2026 at 10:00")
    assert "прошло" in refused.ru
