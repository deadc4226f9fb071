"""The bookings, their configuration and the API clients, seen from one connection.

Each method runs inside the caller's transaction: the office's serialized one for the booking
commands (so counting a slot's bookings and inserting one cannot race), a read transaction for
the queries.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from queue_server.domain.bookings import LIVE
from queue_server.domain.slots import BookingRules, Calendar, parse_schedule
from queue_server.storage import tables as t
from queue_server.storage.repository import office_settings


@dataclass(frozen=True)
class BookingRecord:
    """A booking row, contact included (personal: never shown on public pages)."""

    id: int
    office: str
    service: str
    slot_at: datetime
    code: str
    status: str
    lang: str
    source: str
    created_at: datetime
    changed_at: datetime
    ticket: int | None
    name: str | None
    phone: str | None
    email: str | None
    consent_at: datetime | None


_COLUMNS = [
    "id",
    "office",
    "service",
    "slot_at",
    "code",
    "status",
    "lang",
    "source",
    "created_at",
    "changed_at",
    "ticket",
    "name",
    "phone",
    "email",
    "consent_at",
]


def _record(row: Any) -> BookingRecord:
    return BookingRecord(**{name: getattr(row, name) for name in _COLUMNS})


@dataclass(frozen=True)
class ApiClientRow:
    id: str
    office: str
    name: str
    active: bool


@dataclass(frozen=True)
class OfficeBookingSettings:
    """The office's booking section as stored (`offices.settings["booking"]`)."""

    holidays: frozenset[date]
    purge_days: int


class BookingStore:
    """The `bookings` and `api_clients` tables and the booking configuration."""

    def __init__(self, connection: Connection) -> None:
        self.conn = connection

    # -- configuration ----------------------------------------------------------------------------

    def office_settings(self, office: str) -> OfficeBookingSettings:
        section = office_settings(self.conn, office).get("booking")
        section = section if isinstance(section, dict) else {}
        holidays = frozenset(date.fromisoformat(d) for d in section.get("holidays", []))
        return OfficeBookingSettings(holidays, int(section.get("purge_days", 30)))

    def calendar(self, office: str, timezone: Any) -> Calendar:
        return Calendar(timezone, self.office_settings(office).holidays)

    def service_rules(self, office: str) -> dict[str, BookingRules]:
        """The bookable settings of each active service that has a `booking:` section."""
        rows = self.conn.execute(
            select(t.services.c.id, t.services.c.booking).where(
                t.services.c.office == office, t.services.c.active.is_(True)
            )
        ).all()
        return {row.id: rules_from_json(row.booking) for row in rows if row.booking}

    def store_office_settings(self, office: str, booking: Mapping[str, Any]) -> None:
        """Set `offices.settings["booking"]`, keeping the other keys of the settings."""
        merged = dict(office_settings(self.conn, office))
        merged["booking"] = dict(booking)
        self.conn.execute(update(t.offices).where(t.offices.c.id == office).values(settings=merged))

    def store_service_booking(
        self, office: str, service: str, booking: dict[str, Any] | None
    ) -> None:
        self.conn.execute(
            update(t.services)
            .where(t.services.c.office == office, t.services.c.id == service)
            .values(booking=booking)
        )

    # -- bookings -------------------------------------------------------------------------------

    def counts(
        self, office: str, service: str, start: datetime, end: datetime
    ) -> Counter[datetime]:
        """Live bookings per slot start of `service` with `start <= slot_at < end`."""
        b = t.bookings.c
        rows = self.conn.execute(
            select(b.slot_at, func.count())
            .where(
                b.office == office,
                b.service == service,
                b.slot_at >= start,
                b.slot_at < end,
                b.status.in_(LIVE),
            )
            .group_by(b.slot_at)
        ).all()
        return Counter({slot_at: count for slot_at, count in rows})

    def code_taken(self, office: str, code: str) -> bool:
        return (
            self.conn.execute(
                select(t.bookings.c.id).where(
                    t.bookings.c.office == office, t.bookings.c.code == code
                )
            ).first()
            is not None
        )

    def mark_missed_before(self, office: str, moment: datetime, now: datetime) -> int:
        """Bookings still `booked` whose slot started before `moment` become `missed`."""
        b = t.bookings.c
        result = self.conn.execute(
            update(t.bookings)
            .where(b.office == office, b.status == "booked", b.slot_at < moment)
            .values(status="missed", changed_at=now)
        )
        return int(result.rowcount or 0)

    def insert(self, **values: Any) -> int:
        key = self.conn.execute(insert(t.bookings).values(**values)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def update(self, booking: int, **values: Any) -> None:
        self.conn.execute(update(t.bookings).where(t.bookings.c.id == booking).values(**values))

    def by_id(self, booking: int) -> BookingRecord | None:
        row = self.conn.execute(select(t.bookings).where(t.bookings.c.id == booking)).first()
        return _record(row) if row is not None else None

    def by_code(self, office: str, code: str) -> BookingRecord | None:
        row = self.conn.execute(
            select(t.bookings).where(t.bookings.c.office == office, t.bookings.c.code == code)
        ).first()
        return _record(row) if row is not None else None

    def by_manage_hash(self, digest: str) -> BookingRecord | None:
        row = self.conn.execute(
            select(t.bookings).where(t.bookings.c.manage_hash == digest)
        ).first()
        return _record(row) if row is not None else None

    # -- API clients ----------------------------------------------------------------------------

    def add_api_client(
        self, client: str, office: str, name: str, token_hash: str, now: datetime
    ) -> None:
        self.conn.execute(
            insert(t.api_clients).values(
                id=client,
                office=office,
                name=name,
                token_hash=token_hash,
                active=True,
                created_at=now,
            )
        )

    def api_client(self, client: str) -> ApiClientRow | None:
        row = self.conn.execute(select(t.api_clients).where(t.api_clients.c.id == client)).first()
        return ApiClientRow(row.id, row.office, row.name, row.active) if row else None

    def api_client_by_token(self, token_hash: str) -> ApiClientRow | None:
        row = self.conn.execute(
            select(t.api_clients).where(t.api_clients.c.token_hash == token_hash)
        ).first()
        return ApiClientRow(row.id, row.office, row.name, row.active) if row else None

    def set_api_client_active(self, client: str, active: bool) -> None:
        self.conn.execute(
            update(t.api_clients).where(t.api_clients.c.id == client).values(active=active)
        )


def rules_from_json(data: Mapping[str, Any]) -> BookingRules:
    """`BookingRules` from the stored `services.booking` JSON (validated when the config was
    applied)."""
    return BookingRules(
        schedule=parse_schedule(data.get("schedule", {})),
        slot_minutes=int(data.get("slot_minutes", 30)),
        capacity=int(data.get("capacity", 1)),
        horizon_days=int(data.get("horizon_days", 30)),
        lead_minutes=int(data.get("lead_minutes", 60)),
        daily_limit=data.get("daily_limit"),
        bookable=bool(data.get("bookable", True)),
    )
