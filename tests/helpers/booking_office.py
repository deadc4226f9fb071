"""The test office made bookable: schedules on two services, a holiday, an address."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, update

from queue_server.storage import tables as t
from queue_server.storage.bookings import BookingStore

ADDRESS = "г. Москва, ул. Примерная, д. 1"
HOLIDAY = date(2026, 3, 12)  # a Thursday, two days after FakeClock's 2026-03-10
DOCUMENTS = [{"ru": "Паспорт", "en": "Passport"}, {"ru": "СНИЛС", "en": "SNILS"}]


def make_bookable(engine: Engine) -> None:
    """`reg`: weekdays 09:00-13:00, 30-min slots, one place; `vac`: two places, 20-min slots;
    `ben` takes no bookings. Horizon 30 days, lead time 60 minutes."""
    with engine.begin() as conn:
        store = BookingStore(conn)
        store.store_office_settings("test", {"holidays": [HOLIDAY.isoformat()]})
        schedule = {"mon-fri": "09:00-13:00"}
        store.store_service_booking(
            "test",
            "reg",
            {"schedule": schedule, "slot_minutes": 30, "capacity": 1, "horizon_days": 30},
        )
        store.store_service_booking(
            "test",
            "vac",
            {"schedule": schedule, "slot_minutes": 20, "capacity": 2, "horizon_days": 30},
        )
        conn.execute(update(t.offices).where(t.offices.c.id == "test").values(address=ADDRESS))
        conn.execute(
            update(t.services)
            .where(t.services.c.office == "test", t.services.c.id == "reg")
            .values(documents=DOCUMENTS)
        )
