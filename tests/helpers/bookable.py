"""Booking settings for the test office (as its YAML `booking:` sections would store them), used by
the booking-core tests (slot engine through the commands and the API)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from queue_server.storage.bookings import BookingStore

#: reg: weekdays 09:00-13:00 and 14:00-18:00 Moscow, 30-min slots of 2 places, 14 days ahead
REG_BOOKING: dict[str, Any] = {
    "schedule": {"mon-fri": "09:00-13:00, 14:00-18:00"},
    "slot_minutes": 30,
    "capacity": 2,
    "horizon_days": 14,
    "lead_minutes": 60,
    "daily_limit": 20,
}
#: Thursday 12 March 2026 is a holiday of the test office.
HOLIDAYS = ["2026-03-12"]


def enable_booking(
    engine: Engine,
    office: str = "test",
    service: str = "reg",
    holidays: list[str] | None = None,
    **rules: Any,
) -> None:
    """Make `service` bookable with REG_BOOKING overridden by `rules`; the office's holidays."""
    with engine.begin() as conn:
        store = BookingStore(conn)
        store.store_service_booking(office, service, {**REG_BOOKING, **rules})
        store.store_office_settings(
            office, {"holidays": HOLIDAYS if holidays is None else holidays}
        )
