"""The notices outbox table: queue, claim, mark sent or retried, list, purge personal data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, and_, exists, insert, select, text, update

from okno.logs import mask_personal
from queue_server.notify.channels import PERSONAL_FIELDS, Channel, NoticeKind, NoticeStatus
from queue_server.storage import tables as t

# A row's last error is stored cut to the column's length.
ERROR_CHARS = 500


@dataclass(frozen=True)
class NoticeRow:
    """One outbox row as the worker and the admin listing see it."""

    id: int
    office: str
    kind: str
    channel: str
    recipient: str | None
    data: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    booking: int | None
    ticket: int | None


def _row(row: Any) -> NoticeRow:
    return NoticeRow(
        row.id,
        row.office,
        row.kind,
        row.channel,
        row.recipient,
        dict(row.data or {}),
        row.status,
        row.attempts,
        row.next_attempt_at,
        row.last_error,
        row.created_at,
        row.sent_at,
        row.booking,
        row.ticket,
    )


def queue_notice(
    conn: Connection,
    *,
    office: str,
    kind: NoticeKind,
    channel: Channel,
    recipient: str | None,
    data: dict[str, Any],
    now: datetime,
    booking: int | None = None,
    ticket: int | None = None,
) -> int:
    """Insert a pending notice due now, in the caller's transaction; returns its id."""
    result = conn.execute(
        insert(t.notices).values(
            office=office,
            kind=kind.value,
            channel=channel.value,
            recipient=recipient,
            data=data,
            status=NoticeStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            booking=booking,
            ticket=ticket,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def has_notice(conn: Connection, booking: int, kind: NoticeKind) -> bool:
    """Whether a notice of `kind` was ever queued for `booking` (on any channel)."""
    query = select(
        exists().where(and_(t.notices.c.booking == booking, t.notices.c.kind == kind.value))
    )
    return bool(conn.execute(query).scalar())


def due_ids(
    conn: Connection, now: datetime, limit: int, channels: Sequence[str] | None = None
) -> list[int]:
    """Pending notices due by `now` (of `channels`), oldest first, locked for this transaction.

    On PostgreSQL the rows are locked `FOR UPDATE SKIP LOCKED`, so several server processes
    claim different rows; SQLite has one writer (the caller's BEGIN IMMEDIATE) anyway.
    """
    query = (
        select(t.notices.c.id)
        .where(
            t.notices.c.status == NoticeStatus.PENDING.value,
            t.notices.c.next_attempt_at <= now,
        )
        .order_by(t.notices.c.next_attempt_at, t.notices.c.id)
        .limit(limit)
    )
    if channels is not None:
        query = query.where(t.notices.c.channel.in_(channels))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [row.id for row in conn.execute(query)]


def get_notices(conn: Connection, ids: Sequence[int]) -> list[NoticeRow]:
    rows = conn.execute(select(t.notices).where(t.notices.c.id.in_(ids)).order_by(t.notices.c.id))
    return [_row(r) for r in rows]


def get_notice(conn: Connection, notice: int) -> NoticeRow | None:
    row = conn.execute(select(t.notices).where(t.notices.c.id == notice)).first()
    return None if row is None else _row(row)


def postpone(conn: Connection, ids: Sequence[int], until: datetime) -> None:
    """Move claimed notices' next attempt to `until` (a lease: another process skips them)."""
    if ids:
        conn.execute(update(t.notices).where(t.notices.c.id.in_(ids)).values(next_attempt_at=until))


def mark_sent(conn: Connection, notice: int, attempts: int, now: datetime) -> None:
    conn.execute(
        update(t.notices)
        .where(t.notices.c.id == notice)
        .values(status=NoticeStatus.SENT.value, attempts=attempts, sent_at=now, last_error=None)
    )


def mark_attempt_failed(
    conn: Connection, notice: int, attempts: int, error: str, retry_at: datetime | None
) -> None:
    """Record a failed attempt: pending again at `retry_at`, or failed for good when None."""
    values: dict[str, Any] = {"attempts": attempts, "last_error": error[:ERROR_CHARS]}
    if retry_at is None:
        values["status"] = NoticeStatus.FAILED.value
    else:
        values["next_attempt_at"] = retry_at
    conn.execute(update(t.notices).where(t.notices.c.id == notice).values(**values))


def requeue(conn: Connection, notice: int, now: datetime) -> bool:
    """Make a failed notice pending again with fresh attempts; False when it is not failed."""
    result = conn.execute(
        update(t.notices)
        .where(t.notices.c.id == notice, t.notices.c.status == NoticeStatus.FAILED.value)
        .values(status=NoticeStatus.PENDING.value, attempts=0, next_attempt_at=now, last_error=None)
    )
    return result.rowcount == 1


def list_notices(
    conn: Connection, status: str | None = None, office: str | None = None, limit: int = 200
) -> list[NoticeRow]:
    """The newest notices first, filtered by status and office."""
    query = select(t.notices).order_by(t.notices.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(t.notices.c.status == status)
    if office is not None:
        query = query.where(t.notices.c.office == office)
    return [_row(r) for r in conn.execute(query)]


def strip_personal(data: dict[str, Any]) -> dict[str, Any]:
    """A notice's data without the fields that identify the visitor."""
    return {k: v for k, v in data.items() if k not in PERSONAL_FIELDS}


@dataclass(frozen=True)
class BookedTicket:
    """A waiting ticket checked in for a booking with a phone, not yet told its turn is near."""

    ticket: int
    number: str
    id: int  # the booking's id; with the fields below it serves as a BookingContact
    service: str
    slot_at: datetime
    code: str
    lang: str
    name: str | None
    phone: str | None
    email: str | None


def booked_waiting_unnotified(conn: Connection, office: str) -> list[int]:
    """Ids of `office`'s waiting tickets checked in for a booking with a phone and not yet told
    their turn is near.

    Few rows (only checked-in bookings with a phone), read through a partial index: the
    turn-near check looks at these instead of every waiting ticket. It runs after every queue
    change, hence the statement built once and only ids read here.
    """
    query = _booked_waiting_query(conn.dialect.name)
    return [row.ticket for row in conn.execute(query, {"office": office})]


def booked_tickets(conn: Connection, tickets: Sequence[int]) -> list[BookedTicket]:
    """The tickets `tickets` with their booking and its contact."""
    b, tk = t.bookings, t.tickets
    query = (
        select(
            tk.c.id.label("ticket"),
            tk.c.number,
            b.c.id,
            b.c.service,
            b.c.slot_at,
            b.c.code,
            b.c.lang,
            b.c.name,
            b.c.phone,
            b.c.email,
        )
        .join(b, b.c.id == tk.c.booking)
        .where(tk.c.id.in_(tickets))
        .order_by(tk.c.id)
    )
    return [BookedTicket(**row._mapping) for row in conn.execute(query)]


@lru_cache(maxsize=4)
def _booked_waiting_query(dialect: str) -> Any:
    b, tk, n = t.bookings, t.tickets, t.notices
    # Literally the partial index's condition, on the tickets table alone. Without ANALYZE
    # statistics SQLite would pick (office, status) and read every waiting ticket: name the
    # index there; PostgreSQL chooses the partial index by itself.
    indexed = " INDEXED BY ix_tickets_booked_waiting" if dialect == "sqlite" else ""
    booked = (
        text(
            f"SELECT id, booking FROM tickets{indexed} "
            f"WHERE office = :office AND {t.BOOKED_WAITING}"
        )
        .columns(tk.c.id, tk.c.booking)
        .subquery()
    )
    notified = exists().where(and_(n.c.booking == b.c.id, n.c.kind == NoticeKind.TURN_NEAR.value))
    return (
        select(booked.c.id.label("ticket"))
        .join(b, b.c.id == booked.c.booking)
        .where(b.c.phone.is_not(None), ~notified)
    )


@dataclass(frozen=True)
class BookingContactRow:
    """A booking with its contact, as reminders read it."""

    id: int
    service: str
    slot_at: datetime
    code: str
    lang: str
    name: str | None
    phone: str | None
    email: str | None


def bookings_to_remind(
    conn: Connection, office: str, start: datetime, end: datetime, made_before: datetime
) -> list[BookingContactRow]:
    """Booked (not cancelled or visited) bookings with slots in [start, end), made before
    `made_before`, with a contact, and not reminded yet."""
    b, n = t.bookings, t.notices
    reminded = exists().where(and_(n.c.booking == b.c.id, n.c.kind == NoticeKind.REMINDER.value))
    query = select(
        b.c.id, b.c.service, b.c.slot_at, b.c.code, b.c.lang, b.c.name, b.c.phone, b.c.email
    ).where(
        b.c.office == office,
        b.c.status == "booked",
        b.c.slot_at >= start,
        b.c.slot_at < end,
        b.c.created_at < made_before,
        (b.c.phone.is_not(None)) | (b.c.email.is_not(None)),
        ~reminded,
    )
    return [BookingContactRow(**row._mapping) for row in conn.execute(query)]


def manage_url_of(conn: Connection, booking: int) -> str | None:
    """The manage link the booking's confirmation carried (only its hash is kept elsewhere)."""
    rows = conn.execute(
        select(t.notices.c.data).where(
            t.notices.c.booking == booking,
            t.notices.c.kind == NoticeKind.BOOKING_CONFIRMATION.value,
        )
    )
    for (data,) in rows:
        url = (data or {}).get("manage_url")
        if url:
            return str(url)
    return None


def purge_personal_data(
    conn: Connection, office: str, visited_before: datetime, now: datetime
) -> int:
    """Erase the contact of `office`'s bookings whose slot was before `visited_before`, and the
    recipient and personal fields of their notices; returns how many bookings were purged.

    Nothing else changes: the booking rows themselves (status, times, service, code), tickets,
    steps, ratings and events stay for the statistics.
    """
    b, n = t.bookings, t.notices
    ids = [
        row.id
        for row in conn.execute(
            select(b.c.id).where(
                b.c.office == office, b.c.purged_at.is_(None), b.c.slot_at < visited_before
            )
        )
    ]
    if not ids:
        return 0
    conn.execute(
        update(b).where(b.c.id.in_(ids)).values(name=None, phone=None, email=None, purged_at=now)
    )
    rows = conn.execute(select(n.c.id, n.c.data, n.c.last_error).where(n.c.booking.in_(ids)))
    for row in rows.all():
        conn.execute(
            update(n)
            .where(n.c.id == row.id)
            .values(
                recipient=None,
                data=strip_personal(dict(row.data or {})),
                # A server's refusal may quote the address ("550 <anna@…> unknown").
                last_error=None if row.last_error is None else mask_personal(row.last_error),
            )
        )
    return len(ids)
