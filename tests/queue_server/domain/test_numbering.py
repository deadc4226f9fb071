"""Ticket numbering of DESIGN.md §4: service day, counter wrap and formatting."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from queue_server.domain.numbering import (
    MAX_NUMBER,
    format_number,
    next_counter,
    service_day,
)

MOSCOW = ZoneInfo("Europe/Moscow")


def test_late_utc_evening_is_next_day_in_moscow():
    """23:30 UTC on 10 March is already 11 March (02:30) in Moscow."""
    moment = datetime(2025, 3, 10, 23, 30, tzinfo=UTC)
    assert service_day(moment, MOSCOW) == date(2025, 3, 11)
    assert service_day(moment, ZoneInfo("UTC")) == date(2025, 3, 10)


def test_moscow_midnight_boundary():
    """20:59:59 UTC is the old day in Moscow, 21:00 UTC the new one."""
    assert service_day(datetime(2025, 3, 10, 20, 59, 59, tzinfo=UTC), MOSCOW) == date(2025, 3, 10)
    assert service_day(datetime(2025, 3, 10, 21, 0, tzinfo=UTC), MOSCOW) == date(2025, 3, 11)


@pytest.mark.parametrize(("last", "expected"), [(0, 1), (1, 2), (41, 42), (998, 999), (999, 1)])
def test_next_counter_wraps_after_999(last, expected):
    """A new day (0) starts at 1; after 999 numbering restarts at 1."""
    assert next_counter(last) == expected


def test_next_counter_runs_through_every_number_once_per_cycle():
    """From a new day, 999 calls give 1 … 999 in order, then 1 again."""
    counters, last = [], 0
    for _ in range(MAX_NUMBER + 1):
        last = next_counter(last)
        counters.append(last)
    assert counters == [*range(1, MAX_NUMBER + 1), 1]


@pytest.mark.parametrize(
    ("prefix", "counter", "expected"),
    [("А", 7, "А007"), ("А", 42, "А042"), ("Б", 100, "Б100"), ("А", 1, "А001"), ("В", 999, "В999")],
)
def test_format_number_pads_to_three_digits(prefix, counter, expected):
    """The counter is shown with three digits after the prefix."""
    assert format_number(prefix, counter) == expected


@pytest.mark.parametrize("counter", [0, -1, 1000])
def test_format_number_refuses_out_of_range(counter):
    """Counters outside 1 … 999 are a programming error: ValueError."""
    with pytest.raises(ValueError, match="out of range"):
        format_number("А", counter)
