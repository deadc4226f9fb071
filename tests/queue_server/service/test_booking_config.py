"""The office YAML's `booking:` sections: validation with file:line, and what applying stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from queue_server.service.config import ConfigError, apply_config, load_config, parse_config
from queue_server.storage import tables as t
from queue_server.storage.bookings import BookingStore
from queue_server.storage.checkin import window_from_settings
from queue_server.storage.db import make_engine, migrate, sqlite_url
from tests.helpers.office import OFFICE_YAML

BOOKING_YAML = OFFICE_YAML.replace(
    "expected_minutes: 10, max_wait_minutes: 15}",
    "expected_minutes: 10, max_wait_minutes: 15,\n"
    '     booking: {schedule: {mon-fri: "09:00-18:00"}, slot_minutes: 20, capacity: 3}}',
    1,
) + (
    "booking:\n"
    "  holidays: [2026-03-12]\n"
    "  check_in: {early_minutes: 20, late_minutes: 5, late_policy: refuse}\n"
    "  purge_days: 7\n"
)


def test_booking_sections_parse_with_their_defaults() -> None:
    """A service's booking section and the office's are read; left-out values take defaults."""
    config = parse_config(BOOKING_YAML)
    reg = config.services[0].booking
    assert reg is not None and (reg.slot_minutes, reg.capacity, reg.horizon_days) == (20, 3, 30)
    assert config.services[1].booking is None
    assert config.booking.check_in.late_policy == "refuse" and config.booking.purge_days == 7
    assert parse_config(OFFICE_YAML).booking.check_in.early_minutes == 30


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("slot_minutes: 20", "slot_minutes: 2", 8, "greater than or equal to 5"),
        ('mon-fri: "09:00-18:00"', 'mon-fry: "09:00-18:00"', 8, "unknown weekday 'fry'"),
        ('mon-fri: "09:00-18:00"', 'mon-fri: "18:00-09:00"', 8, "ends before"),
        ("capacity: 3", "capacity: 3, seats: 2", 8, "booking.seats: Extra inputs"),
        ("holidays: [2026-03-12]", "holidays: [2026-13-12]", 27, "holidays.0"),
        ("late_policy: refuse", "late_policy: never", 28, "'walk_in' or 'refuse'"),
        ("purge_days: 7", "purge_days: 0", 29, "booking.purge_days"),
    ],
)
def test_bad_booking_settings_name_file_and_line(old: str, new: str, line: int, words: str) -> None:
    """Each bad booking value is refused with the file, its line and what is wrong."""
    text = BOOKING_YAML.replace(old, new, 1)
    assert text != BOOKING_YAML
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "office.yaml")
    assert f"office.yaml:{line}:" in str(caught.value) and words in str(caught.value)


@pytest.mark.integration
def test_applying_stores_rules_holidays_and_the_check_in_window(tmp_path: Path) -> None:
    """After `apply`, the rules, holidays and the check-in window read back from the database."""
    engine = make_engine(sqlite_url(tmp_path / "okno.db"))
    migrate(engine)
    apply_config(engine, parse_config(BOOKING_YAML))
    apply_config(engine, parse_config(BOOKING_YAML))  # twice: the same, no duplicates
    with engine.connect() as conn:
        store = BookingStore(conn)
        rules = store.service_rules("test")
        settings = conn.execute(select(t.offices.c.settings)).scalar_one()
        holidays = store.office_settings("test").holidays
    assert set(rules) == {"reg"} and rules["reg"].capacity == 3 and rules["reg"].slot_minutes == 20
    assert [str(d) for d in holidays] == ["2026-03-12"]
    window = window_from_settings(settings)
    assert (window.early_minutes, window.late_minutes, window.late_policy) == (20, 5, "refuse")
    engine.dispose()


@pytest.mark.parametrize("path", ["queue_server/demo_office.yaml", "deploy/office.example.yaml"])
def test_shipped_offices_book_three_services_on_weekdays(path: str) -> None:
    """The demo and the example office let visitors book registration, career guidance, benefit."""
    root = Path(__file__).resolve().parents[3]
    config = load_config(root / path)
    bookable = [s.id for s in config.services if s.booking is not None]
    assert bookable == ["registration", "career-guidance", "benefit"]
    assert config.timezone == "Europe/Moscow"
