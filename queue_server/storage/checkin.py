"""What the check-in reads and writes of the bookings, inside the office's transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from queue_server.domain.checkin import CheckInWindow, LatePolicy
from queue_server.storage import tables as t
from queue_server.storage.prepared import Prepared
from queue_server.storage.repository import office_settings


@dataclass(frozen=True)
class BookingRow:
    """A booking as the check-in needs it (no personal data)."""

    id: int
    office: str
    service: str
    slot_at: datetime
    code: str
    status: str
    lang: str
    ticket: int | None


def _row(row: Any) -> BookingRow:
    return BookingRow(
        row.id, row.office, row.service, row.slot_at, row.code, row.status, row.lang, row.ticket
    )


_COLUMNS = (
    t.bookings.c.id,
    t.bookings.c.office,
    t.bookings.c.service,
    t.bookings.c.slot_at,
    t.bookings.c.code,
    t.bookings.c.status,
    t.bookings.c.lang,
    t.bookings.c.ticket,
)


# Run by every finish (prepared, like the repository's hot statements).
_MARK_SERVED = Prepared(
    update(t.bookings)
    .where(
        t.bookings.c.id
        == select(t.tickets.c.booking)
        .where(t.tickets.c.id == bindparam("ticket_id"))
        .scalar_subquery(),
        t.bookings.c.status == "checked_in",
    )
    .values(status="served", changed_at=bindparam("now"))
)


class CheckInStore:
    """The bookings seen from one connection (the command's transaction)."""

    def __init__(self, connection: Connection) -> None:
        self.conn = connection

    def by_code(self, office: str, code: str) -> BookingRow | None:
        row = self.conn.execute(
            select(*_COLUMNS).where(t.bookings.c.office == office, t.bookings.c.code == code)
        ).first()
        return _row(row) if row is not None else None

    def office_holding(self, code: str, not_office: str) -> str | None:
        """Another office that has a booking with `code` (the visitor came to the wrong one)."""
        return self.conn.execute(
            select(t.bookings.c.office)
            .where(t.bookings.c.code == code, t.bookings.c.office != not_office)
            .limit(1)
        ).scalar()

    def by_manage_secret(self, secret: str) -> BookingRow | None:
        """The booking whose private manage link holds `secret` (stored as its sha256)."""
        digest = hashlib.sha256(secret.encode()).hexdigest()
        row = self.conn.execute(select(*_COLUMNS).where(t.bookings.c.manage_hash == digest)).first()
        return _row(row) if row is not None else None

    def ticket_number(self, ticket: int) -> str | None:
        return self.conn.execute(
            select(t.tickets.c.number).where(t.tickets.c.id == ticket)
        ).scalar()

    def office_name(self, office: str) -> dict[str, str]:
        name = self.conn.execute(select(t.offices.c.name).where(t.offices.c.id == office)).scalar()
        return dict(name) if isinstance(name, dict) else {"ru": office}

    def window(self, office: str) -> CheckInWindow:
        """The office's check-in rules from its stored settings (`booking.check_in`), with the
        defaults (30 min early, 10 min late, late visitors get a walk-in ticket) for what is
        not set."""
        return window_from_settings(office_settings(self.conn, office))

    def mark_checked_in(self, booking: int, now: datetime) -> None:
        """The booking is used: checked in (its ticket follows, `link_ticket`)."""
        self.conn.execute(
            update(t.bookings)
            .where(t.bookings.c.id == booking)
            .values(status="checked_in", changed_at=now)
        )

    def link_ticket(self, booking: int, ticket: int) -> None:
        """The checked-in booking's `ticket`, which points back at it."""
        bookings = t.bookings.c
        self.conn.execute(update(t.bookings).where(bookings.id == booking).values(ticket=ticket))
        self.conn.execute(update(t.tickets).where(t.tickets.c.id == ticket).values(booking=booking))

    def mark_served(self, ticket: int, now: datetime) -> None:
        """The booking `ticket` was checked in for (if any) is served: its visit is over."""
        _MARK_SERVED.execute(self.conn, {"ticket_id": ticket, "now": now})


def window_from_settings(settings: dict[str, Any]) -> CheckInWindow:
    """`CheckInWindow` from an office's settings JSON: `{"booking": {"check_in": {...}}}` (or
    `{"check_in": {...}}`); missing keys take the defaults."""
    booking = settings.get("booking")
    section = booking.get("check_in") if isinstance(booking, dict) else None
    if not isinstance(section, dict):
        section = settings.get("check_in")
    if not isinstance(section, dict):
        return CheckInWindow()
    default = CheckInWindow()
    return CheckInWindow(
        early_minutes=int(section.get("early_minutes", default.early_minutes)),
        late_minutes=int(section.get("late_minutes", default.late_minutes)),
        late_policy=LatePolicy(section.get("late_policy", default.late_policy.value)),
    )
