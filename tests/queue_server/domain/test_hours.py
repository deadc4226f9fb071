"""Opening hours: parsing the office file's notation and telling open from closed."""

from __future__ import annotations

from datetime import datetime

import pytest

from queue_server.domain.hours import describe, is_open, parse_hours

WEEK = parse_hours({"mon-thu": "09:00-18:00", "fri": "09:00-13:00,14:00-16:45"})


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (datetime(2026, 3, 9, 9, 0), True),  # Monday, opening minute
        (datetime(2026, 3, 9, 8, 59), False),
        (datetime(2026, 3, 12, 17, 59), True),  # Thursday
        (datetime(2026, 3, 12, 18, 0), False),  # the end minute is closed
        (datetime(2026, 3, 13, 13, 30), False),  # Friday lunch
        (datetime(2026, 3, 13, 14, 0), True),
        (datetime(2026, 3, 14, 12, 0), False),  # Saturday not named: closed
    ],
)
def test_open_or_closed(moment: datetime, open_: bool) -> None:
    """Days not named are closed; ranges include their start and exclude their end."""
    assert is_open(WEEK, moment) is open_


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"mon-fry": "09:00-18:00"}, "days"),
        ({"fri-mon": "09:00-18:00"}, "backwards"),
        ({"mon": "9-18"}, "HH:MM-HH:MM"),
        ({"mon": "18:00-09:00"}, "ends before"),
        ({"mon": "25:00-26:00"}, "not a time"),
    ],
)
def test_bad_notation_is_named(spec: dict[str, str], words: str) -> None:
    """Each malformed part raises ValueError naming it."""
    with pytest.raises(ValueError, match=words):
        parse_hours(spec)


def test_summary_for_visitors() -> None:
    """The Russian summary lists each open day with its ranges."""
    assert describe(parse_hours({"mon": "09:00-18:00", "fri": "09:00-13:00"})) == (
        "пн 09:00–18:00; пт 09:00–13:00"
    )


def test_summary_joins_days_with_the_same_hours() -> None:
    """Monday to Thursday with the same hours read as one span."""
    assert describe(WEEK) == "пн–чт 09:00–18:00; пт 09:00–13:00, 14:00–16:45"


def test_past_midnight_and_empty_week() -> None:
    """24:00 means midnight, 24:59 is refused, and an empty week is closed every day."""
    assert is_open(parse_hours({"sat": "20:00-24:00"}), datetime(2026, 3, 14, 23, 59))
    with pytest.raises(ValueError, match="not a time"):
        parse_hours({"sat": "20:00-24:59"})
    assert not is_open(parse_hours({}), datetime(2026, 3, 9, 12, 0))


def test_hours_are_described_in_english_too() -> None:
    """The English summary names the days in English with the same spans and times."""
    assert describe(WEEK, "en") == "Mon–Thu 09:00–18:00; Fri 09:00–13:00, 14:00–16:45"
