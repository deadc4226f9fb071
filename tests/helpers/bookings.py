"""Bookings put straight into a test database (as the booking pages would have made them)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from queue_server.storage import tables as t


def add_booking(
    engine: Engine,
    office: str,
    code: str,
    slot_at: datetime,
    *,
    service: str = "reg",
    status: str = "booked",
    secret: str | None = None,
    lang: str = "ru",
) -> int:
    """A booking of `service` at `slot_at` with `code` (and a manage link `secret`); its id."""
    with engine.begin() as conn:
        result = conn.execute(
            insert(t.bookings).values(
                office=office,
                service=service,
                slot_at=slot_at,
                code=code,
                manage_hash=hashlib.sha256((secret or f"secret-{code}").encode()).hexdigest(),
                status=status,
                lang=lang,
                source="web",
                created_at=slot_at,
                changed_at=slot_at,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])


def add_office(engine: Engine, office: str, name: dict[str, str]) -> None:
    """A second, empty office (for codes booked at another office)."""
    with engine.begin() as conn:
        conn.execute(
            insert(t.offices).values(
                id=office,
                name=name,
                timezone="Europe/Moscow",
                address="",
                settings={},
                seq=0,
                created_at=datetime(2026, 1, 1).astimezone(),
            )
        )


def set_check_in(engine: Engine, office: str, **check_in: Any) -> None:
    """The office's `booking.check_in` settings (as the office YAML would store them)."""
    with engine.begin() as conn:
        settings = conn.execute(
            select(t.offices.c.settings).where(t.offices.c.id == office)
        ).scalar()
        settings = dict(settings or {})
        booking = dict(settings.get("booking") or {})
        booking["check_in"] = {**booking.get("check_in", {}), **check_in}
        settings["booking"] = booking
        conn.execute(update(t.offices).where(t.offices.c.id == office).values(settings=settings))


def booking_row(engine: Engine, booking: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(t.bookings).where(t.bookings.c.id == booking)).one()
