"""Queuing notices in the outbox, in the transaction of the change they tell of.

Booking commands call `booking_notice`; the bus calls `turn_near` once after a queue change;
the daily job calls `queue_reminders` and `purge_personal_data`. Sending is the outbox worker's
job (`queue_server.service.outbox`): nothing here does I/O beyond the transaction's connection.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import Engine

from queue_server.notify.channels import Channel, NoticeChannels, NoticeKind
from queue_server.service.tx import Tx
from queue_server.storage import notices as store
from queue_server.storage.db import office_transaction
from queue_server.storage.repository import Repository

log = logging.getLogger("okno.notify")


class BookingContact(Protocol):
    """What a notice needs of a booking (the booking storage's row has these attributes)."""

    @property
    def id(self) -> int: ...
    @property
    def service(self) -> str: ...
    @property
    def slot_at(self) -> datetime: ...
    @property
    def code(self) -> str: ...
    @property
    def lang(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...


def booking_data(tx: Tx, booking: BookingContact, manage_url: str | None) -> dict[str, Any]:
    """What the message templates of a booking's notices read (rendered when sent)."""
    local = booking.slot_at.astimezone(tx.tz)
    service = tx.services.get(booking.service)
    service_name = service.name if service is not None else {"ru": booking.service}
    return {
        "booking": booking.id,
        "lang": booking.lang if booking.lang in ("ru", "en") else "ru",
        "code": booking.code,
        "service": booking.service,
        "service_name": dict(service_name),
        "slot_at": booking.slot_at.isoformat(),
        "date": local.strftime("%d.%m.%Y"),
        "time": local.strftime("%H:%M"),
        "office": tx.office.id,
        "office_name": dict(tx.office.name),
        "address": tx.office.address,
        "name": booking.name,
        "manage_url": manage_url,
    }


def booking_notice(
    tx: Tx,
    kind: str | NoticeKind,
    booking: BookingContact,
    *,
    manage_url: str | None = None,
    extra: dict[str, Any] | None = None,
) -> int:
    """Queue notice `kind` about `booking` in `tx`'s transaction; returns how many rows.

    One row per channel that is both configured on this server (`tx.notices`) and allowed by
    the booking's contact: e-mail when it has an e-mail address, SMS when it has a phone, plus
    the webhook when one is configured. `manage_url` is the private manage link (known only when
    the booking is made); it is personal and purged with the contact.
    """
    kind = NoticeKind(kind)
    channels: NoticeChannels = tx.notices
    if not channels.any:
        return 0
    conn = tx.repo.conn
    if manage_url is None and kind in (NoticeKind.BOOKING_CONFIRMATION, NoticeKind.REMINDER):
        # Only the first confirmation knows the link's secret; later notices repeat its link.
        manage_url = store.manage_url_of(conn, booking.id)
    data = booking_data(tx, booking, manage_url)
    if extra:
        data.update(extra)
    moved_from = data.get("moved_from")
    if isinstance(moved_from, str):  # MoveBooking: the old slot, said in office time
        try:
            old = datetime.fromisoformat(moved_from).astimezone(tx.tz)
        except ValueError:
            pass
        else:
            data.update(
                {
                    "moved_from_date": old.strftime("%d.%m.%Y"),
                    "moved_from_time": old.strftime("%H:%M"),
                }
            )
    targets: list[tuple[Channel, str | None]] = []
    if channels.email and booking.email:
        targets.append((Channel.EMAIL, booking.email))
    if channels.sms and booking.phone:
        targets.append((Channel.SMS, booking.phone))
    if channels.webhook:
        targets.append((Channel.WEBHOOK, None))
    for channel, recipient in targets:
        store.queue_notice(
            conn,
            office=tx.office.id,
            kind=kind,
            channel=channel,
            recipient=recipient,
            data=data,
            now=tx.now,
            booking=booking.id,
        )
    return len(targets)


def turn_near(tx: Tx) -> int:
    """After a queue change: one SMS to each booked visitor whose turn is near; returns how many.

    Only waiting tickets checked in for a booking with a phone are looked at (few), never every
    waiting ticket; their positions are the ones this transaction already computed.
    """
    channels = tx.notices
    if not channels.sms:
        return 0
    candidates = store.booked_waiting_unnotified(tx.repo.conn, tx.office.id)
    if not candidates:
        return 0
    _waiting, positions = tx.known_positions or tx.positions()
    near: dict[int, int] = {}
    for ticket in candidates:
        position = positions.get(ticket)
        if position is not None and position.ahead <= channels.turn_near_ahead:
            near[ticket] = position.ahead
    if not near:
        return 0
    queued = 0
    for booked in store.booked_tickets(tx.repo.conn, list(near)):
        data = booking_data(tx, booked, None)
        data.update(
            {"ahead": near[booked.ticket], "number": booked.number, "ticket": booked.ticket}
        )
        store.queue_notice(
            tx.repo.conn,
            office=tx.office.id,
            kind=NoticeKind.TURN_NEAR,
            channel=Channel.SMS,
            recipient=booked.phone,
            data=data,
            now=tx.now,
            booking=booked.id,
            ticket=booked.ticket,
        )
        queued += 1
    return queued


# Reminders for tomorrow's visits are queued from this local hour on (not in the night).
REMINDER_HOUR = 10


def queue_reminders(tx: Tx) -> int:
    """Queue the day-before reminder of each booking for tomorrow (office time), once each.

    From `REMINDER_HOUR` local time on; a booking made today (it has just had its confirmation)
    gets none. Returns how many bookings were reminded.
    """
    if not tx.notices.any:
        return 0
    local = tx.now.astimezone(tx.tz)
    if local.hour < REMINDER_HOUR:
        return 0
    today = datetime.combine(local.date(), time(0), tzinfo=tx.tz)
    tomorrow = today + timedelta(days=1)
    day_after = today + timedelta(days=2)
    conn = tx.repo.conn
    rows = store.bookings_to_remind(
        conn,
        tx.office.id,
        tomorrow.astimezone(UTC),
        day_after.astimezone(UTC),
        today.astimezone(UTC),
    )
    for booking in rows:
        booking_notice(
            tx, NoticeKind.REMINDER, booking, manage_url=store.manage_url_of(conn, booking.id)
        )
    return len(rows)


def purge_personal_data(tx: Tx, purge_days: int) -> int:
    """Erase visitors' contacts `purge_days` after their visit (152-ФЗ); returns bookings purged."""
    cutoff = tx.now - timedelta(days=purge_days)
    purged = store.purge_personal_data(tx.repo.conn, tx.office.id, cutoff, tx.now)
    if purged:
        log.info("personal data purged", extra={"office": tx.office.id, "bookings": purged})
    return purged


def notice_jobs(
    engine: Engine,
    office: str,
    now: datetime,
    channels: NoticeChannels,
    purge_days: int,
) -> tuple[int, int]:
    """The periodic notice work of one office in one serialized office transaction: queue
    tomorrow's reminders and purge old personal data. Returns (reminded, purged)."""
    with office_transaction(engine, office) as conn:
        repo = Repository(conn)
        row = repo.office(office)
        if row is None:
            return 0, 0
        tx = Tx(repo=repo, office=row, now=now, status_url=lambda token: token, notices=channels)
        return queue_reminders(tx), purge_personal_data(tx, purge_days)
