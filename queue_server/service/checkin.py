"""The CheckIn handler: a booked visitor checks in at the kiosk (or through the booking API).

Inside the window (from `early_minutes` before the slot to `late_minutes` after it) the visitor
gets an appointment ticket carrying the slot time: the call order queues it as a walk-in until
5 minutes before the slot, then ahead of walk-ins (DESIGN.md §4). After the window the office's
late policy gives a walk-in ticket or refuses. Every refusal names the code and why, in Russian
and English, and changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from queue_protocol.checkin import CheckedIn
from queue_protocol.events import EventType
from queue_protocol.models import IssuedTicket
from queue_protocol.payloads import BookingChanged
from queue_server.domain.checkin import (
    CheckInRefused,
    CheckInWindow,
    CodeRef,
    LatePolicy,
    Timing,
    parse_code,
    timing,
)
from queue_server.domain.model import TicketClass
from queue_server.service import commands as c
from queue_server.service.issuing import issue_new
from queue_server.service.tx import Tx
from queue_server.storage.checkin import BookingRow, CheckInStore

__all__ = ["check_in"]


def check_in(tx: Tx, cmd: c.CheckIn) -> CheckedIn:
    """Issue the ticket of the booking `cmd.code` names, or refuse (CheckInRefused)."""
    store = CheckInStore(tx.repo.conn)
    ref = parse_code(cmd.code)
    booking = _find(tx, store, ref)
    shown = booking.code
    _check_status(store, booking)
    window = store.window(tx.office.id)
    when = timing(booking.slot_at, tx.now, window, tx.tz)
    slot = booking.slot_at.astimezone(tx.tz)
    if when is Timing.OTHER_DAY and booking.slot_at < tx.now:
        day = f"{slot:%d.%m.%Y}"
        raise CheckInRefused(
            "booking_other_day",
            f"Запись {shown} была на {day} в {slot:%H:%M}: её время прошло. Запишитесь снова "
            f"или возьмите талон в общую очередь",
            f"Booking {shown} was for {day} at {slot:%H:%M}: its time has passed. Please book "
            f"again or take a walk-in ticket",
            booking=shown,
        )
    if when is Timing.OTHER_DAY:
        day = f"{slot:%d.%m.%Y}"
        raise CheckInRefused(
            "booking_other_day",
            f"Запись {shown} — на {day} в {slot:%H:%M}, не на сегодня. Приходите в этот день",
            f"Booking {shown} is for {day} at {slot:%H:%M}, not today. Please come on that day",
            booking=shown,
        )
    if when is Timing.TOO_EARLY:
        opens = slot - timedelta(minutes=window.early_minutes)
        raise CheckInRefused(
            "check_in_too_early",
            f"Запись {shown} — на {slot:%H:%M}. Отметиться можно с {opens:%H:%M}",
            f"Booking {shown} is at {slot:%H:%M}. Check-in opens at {opens:%H:%M}",
            booking=shown,
            opens_at=opens.isoformat(),
        )
    if when is Timing.LATE:
        issued = _late(tx, store, window, booking, slot, cmd.lang)
    else:
        service = tx.service(booking.service)
        _leave_forecast(tx, store, booking)
        _, issued = issue_new(
            tx, service, TicketClass.APPOINTMENT, cmd.lang, slot_at=booking.slot_at
        )
    store.link_ticket(booking.id, issued.id)
    tx.emit(
        EventType.BOOKING_CHECKED_IN,
        BookingChanged(
            booking=str(booking.id), service=booking.service, slot=booking.slot_at, ticket=issued.id
        ),
    )
    return CheckedIn(
        **issued.model_dump(), booking=shown, slot_at=booking.slot_at, late=when is Timing.LATE
    )


def _leave_forecast(tx: Tx, store: CheckInStore, booking: BookingRow) -> None:
    """The booking is checked in before its ticket's place is worked out: the estimate's
    forecast expects the visitors of bookings not checked in yet, and would count this one
    twice (here, and still to come, called first at the same slot)."""
    store.mark_checked_in(booking.id, tx.now)
    tx.repo.bookings_changed(tx.office.id)


def _late(
    tx: Tx,
    store: CheckInStore,
    window: CheckInWindow,
    booking: BookingRow,
    service_slot: datetime,
    lang: str,
) -> IssuedTicket:
    """After the window: a walk-in ticket (noted for the specialist) or a refusal."""
    shown = booking.code
    if window.late_policy is LatePolicy.REFUSE:
        raise CheckInRefused(
            "check_in_too_late",
            f"Запись {shown} была на {service_slot:%H:%M}: отметиться можно было не позже "
            f"{window.late_minutes} мин после начала. Запишитесь снова или возьмите талон "
            f"в общую очередь",
            f"Booking {shown} was at {service_slot:%H:%M}: check-in closed {window.late_minutes} "
            f"min after it. Please book again or take a walk-in ticket",
            booking=shown,
        )
    service = tx.service(booking.service)
    note = f"Опоздал(а) на запись {shown} к {service_slot:%H:%M}: талон в общую очередь"
    _leave_forecast(tx, store, booking)
    _, issued = issue_new(tx, service, TicketClass.WALK_IN, lang, note=note)
    return issued


def _find(tx: Tx, store: CheckInStore, ref: CodeRef) -> BookingRow:
    if ref.code is not None:
        booking = store.by_code(tx.office.id, ref.code)
        if booking is not None:
            return booking
        elsewhere = store.office_holding(ref.code, tx.office.id)
        if elsewhere is not None:
            raise _other_office(store, ref.code, elsewhere)
        raise CheckInRefused(
            "unknown_booking",
            f"Запись с кодом {ref.code} не найдена. Проверьте код или возьмите талон "
            f"в общую очередь",
            f"No booking with code {ref.code}. Check the code or take a walk-in ticket",
            status=404,
            booking=ref.code,
        )
    assert ref.secret is not None
    booking = store.by_manage_secret(ref.secret)
    if booking is None:
        raise CheckInRefused(
            "unknown_booking",
            "Запись по этому QR-коду не найдена. Введите код записи или возьмите талон "
            "в общую очередь",
            "No booking matches this QR code. Type the booking code or take a walk-in ticket",
            status=404,
        )
    if booking.office != tx.office.id:
        raise _other_office(store, booking.code, booking.office)
    return booking


def _other_office(store: CheckInStore, code: str, office: str) -> CheckInRefused:
    name = store.office_name(office)
    ru, en = name.get("ru", office), name.get("en") or name.get("ru", office)
    return CheckInRefused(
        "booking_other_office",
        f"Запись {code} оформлена в другой офис: «{ru}». Здесь её отметить нельзя",
        f"Booking {code} is for another office: '{en}'. It cannot be checked in here",
        booking=code,
    )


def _check_status(store: CheckInStore, booking: BookingRow) -> None:
    shown = booking.code
    if booking.status == "booked":
        return
    if booking.status == "checked_in":
        number = store.ticket_number(booking.ticket) if booking.ticket is not None else None
        ru = f"По записи {shown} уже выдан талон" + (f" {number}" if number else "")
        en = f"Booking {shown} was already checked in" + (f": ticket {number}" if number else "")
        raise CheckInRefused("booking_used", ru, en, booking=shown, ticket=number or "")
    if booking.status == "cancelled":
        raise CheckInRefused(
            "booking_cancelled",
            f"Запись {shown} отменена. Запишитесь снова или возьмите талон в общую очередь",
            f"Booking {shown} was cancelled. Please book again or take a walk-in ticket",
            booking=shown,
        )
    if booking.status == "served":
        raise CheckInRefused(
            "booking_used",
            f"Посетитель по записи {shown} уже обслужен",
            f"The visitor of booking {shown} was already served",
            booking=shown,
        )
    raise CheckInRefused(
        "booking_missed",
        f"Запись {shown} пропущена: её время прошло. Запишитесь снова или возьмите талон "
        f"в общую очередь",
        f"Booking {shown} was missed: its time has passed. Please book again or take a walk-in "
        f"ticket",
        booking=shown,
    )
