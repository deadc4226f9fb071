"""The slot engine: schedules, free days and slots, and every refusal; a property test."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.slots import (
    BookingRules,
    Calendar,
    Refusal,
    TimeRange,
    day_slots,
    free_days,
    free_slots,
    parse_schedule,
    refusal,
    refused,
)

MSK = ZoneInfo("Europe/Moscow")
CAL = Calendar(MSK, frozenset({date(2026, 3, 12)}))
# Tuesday 10 March 2026, 10:00 in Moscow.
NOW = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
RULES = BookingRules(
    schedule=parse_schedule({"mon-fri": "09:00-13:00, 14:00-18:00"}),
    slot_minutes=30,
    capacity=2,
    horizon_days=14,
    lead_minutes=60,
    daily_limit=5,
)


def msk(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A Moscow wall-clock time in March 2026, as UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=MSK).astimezone(UTC)


def test_schedule_parses_day_ranges_lists_and_several_periods() -> None:
    """'mon-fri' and single days expand to weekdays; a list and a comma list both give periods."""
    week = parse_schedule({"mon-wed": "09:00-12:00, 13:00-15:00", "sat": ["10:00-11:00"]})
    assert sorted(week) == [0, 1, 2, 5]
    assert week[1] == (TimeRange(time(9), time(12)), TimeRange(time(13), time(15)))
    assert week[5] == (TimeRange(time(10), time(11)),)


@pytest.mark.parametrize(
    ("schedule", "fragment"),
    [
        ({"mo-fr": "09:00-10:00"}, "unknown weekday"),
        ({"fri-mon": "09:00-10:00"}, "backwards"),
        ({"mon": "9-10"}, "HH:MM-HH:MM"),
        ({"mon": "10:00-09:00"}, "ends before"),
        ({"mon": "09:00-11:00, 10:00-12:00"}, "overlap"),
        ({"mon-tue": "09:00-10:00", "tue": "11:00-12:00"}, "twice"),
    ],
)
def test_bad_schedules_are_refused_with_the_part_named(
    schedule: dict[str, str], fragment: str
) -> None:
    """Each malformed schedule raises ValueError saying what is wrong."""
    with pytest.raises(ValueError, match=fragment):
        parse_schedule(schedule)


def test_day_slots_fill_each_period_and_never_run_past_its_end() -> None:
    """09:00-13:00 and 14:00-18:00 by 30 min: 16 slots; a 45-min slot leaves no stub at 12:45."""
    slots = day_slots(RULES, CAL, date(2026, 3, 11))
    assert len(slots) == 16
    assert slots[0] == msk(11, 9) and slots[7] == msk(11, 12, 30) and slots[8] == msk(11, 14)
    long = BookingRules(schedule=RULES.schedule, slot_minutes=45)
    starts = [s.astimezone(MSK).time() for s in day_slots(long, CAL, date(2026, 3, 11))]
    assert time(12, 0) in starts and time(12, 45) not in starts
    assert day_slots(RULES, CAL, date(2026, 3, 14)) == []  # Saturday


def test_free_slots_skip_past_too_soon_and_full_ones_and_count_places_left() -> None:
    """At 10:00 with a 60-min lead, 11:00 is the first candidate; full, it is left out."""
    counts = Counter({msk(10, 11): 2, msk(10, 11, 30): 1})
    free = free_slots(RULES, CAL, NOW, date(2026, 3, 10), counts)
    assert [(s.local.strftime("%H:%M"), s.left) for s in free][:3] == [
        ("11:30", 1),
        ("12:00", 2),
        ("12:30", 2),
    ]


@pytest.mark.parametrize(
    ("slot_at", "reason"),
    [
        (msk(10, 9), Refusal.SLOT_IN_PAST),
        (msk(10, 10, 30), Refusal.TOO_SOON),
        (msk(25, 9), Refusal.BEYOND_HORIZON),
        (msk(12, 9), Refusal.HOLIDAY),
        (msk(14, 10), Refusal.CLOSED),  # Saturday
        (msk(11, 13), Refusal.CLOSED),  # the lunch break
        (msk(11, 9, 10), Refusal.CLOSED),  # not a slot start
        (msk(11, 9), Refusal.SLOT_FULL),
        (msk(13, 9), Refusal.DAILY_LIMIT),
    ],
)
def test_each_refusal(slot_at: datetime, reason: Refusal) -> None:
    """Every reason a slot cannot be booked is told apart."""
    counts = Counter({msk(11, 9): 2, msk(13, 10): 2, msk(13, 11): 2, msk(13, 12): 1})
    assert refusal(RULES, CAL, NOW, slot_at, counts) is reason


def test_not_bookable_service_refuses_everything() -> None:
    """A service with `bookable: false` takes no booking, whatever the slot."""
    closed = BookingRules(schedule=RULES.schedule, bookable=False)
    assert refusal(closed, CAL, NOW, msk(11, 9), Counter()) is Refusal.NOT_BOOKABLE


def test_free_days_of_a_month_leave_out_weekends_holidays_past_and_beyond_horizon() -> None:
    """March 2026 from Tue 10th, 14 days ahead: weekdays 10th..24th except the 12th (holiday)."""
    days = free_days(RULES, CAL, NOW, 2026, 3, Counter())
    assert days[0] == date(2026, 3, 10) and days[-1] == date(2026, 3, 24)
    assert date(2026, 3, 12) not in days and date(2026, 3, 14) not in days
    assert len(days) == 10


def test_refusals_read_in_russian_and_english() -> None:
    """A refusal names the time in both languages and carries the stable code."""
    error = refused(Refusal.SLOT_FULL, RULES, msk(11, 9).astimezone(MSK))
    assert error.code == "slot_full" and error.status == 409
    assert "11.03.2026 09:00" in error.message("ru") and "занято" in error.message("ru")
    assert "already taken" in error.message("en")
    assert "1 ч" in refused(Refusal.TOO_SOON, RULES).message("ru")


# -- property: the engine never lists a slot it would refuse, never lets a slot overflow -------


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[BookingRules, datetime, list[int]]:
    rules = BookingRules(
        schedule=parse_schedule({"mon-fri": "09:00-12:00", "sat": "10:00-11:30"}),
        slot_minutes=draw(st.sampled_from([15, 20, 30, 45, 60])),
        capacity=draw(st.integers(1, 3)),
        horizon_days=draw(st.integers(0, 10)),
        lead_minutes=draw(st.integers(0, 600)),
        daily_limit=draw(st.none() | st.integers(1, 8)),
    )
    now = NOW + timedelta(minutes=draw(st.integers(-600, 3000)))
    picks = draw(st.lists(st.integers(0, 10_000), max_size=60))
    return rules, now, picks


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_booking_whatever_is_listed_never_exceeds_capacity_or_daily_limit(
    scenario: tuple[BookingRules, datetime, list[int]],
) -> None:
    """Book listed slots one by one: each listed one is bookable, no slot or day overflows."""
    rules, now, picks = scenario
    today = now.astimezone(MSK).date()
    days = [today + timedelta(days=d) for d in range(rules.horizon_days + 2)]
    counts: Counter[datetime] = Counter()
    for pick in picks:
        day = days[pick % len(days)]
        free = free_slots(rules, CAL, now, day, counts)
        for slot in free:
            assert refusal(rules, CAL, now, slot.at, counts) is None
            assert slot.left == rules.capacity - counts[slot.at] > 0
        if not free:
            continue
        counts[free[pick % len(free)].at] += 1
    for slot_at, count in counts.items():
        assert count <= rules.capacity
        assert refusal(rules, CAL, now, slot_at, counts) is not None or count < rules.capacity
    if rules.daily_limit is not None:
        for day in days:
            booked = sum(counts[s] for s in day_slots(rules, CAL, day))
            assert booked <= rules.daily_limit
