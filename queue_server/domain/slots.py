"""The slot engine of online pre-booking: which days and slots are free, and may this one be booked.

Pure rules, no I/O: the caller passes the service's booking settings, the office's holidays and
time zone, `now`, and how many live bookings each slot already holds (`BookedCounts`, slot start
in UTC -> count). Slots are laid on each open time range of the weekly schedule from its start,
`slot_minutes` apart; a slot must end within its range.
"""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from queue_server.domain import errors

#: slot start (aware, UTC) -> live bookings (booked or checked in) of one service
BookedCounts = Mapping[datetime, int]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Refusal(StrEnum):
    """Why a slot cannot be booked now (the API's stable `code`)."""

    NOT_BOOKABLE = "not_bookable"  # the service takes no bookings
    SLOT_IN_PAST = "slot_in_past"
    TOO_SOON = "too_soon"  # within the minimum lead time
    BEYOND_HORIZON = "beyond_horizon"
    HOLIDAY = "holiday"
    CLOSED = "closed"  # not a slot of the schedule (closed that day or at that time)
    DAILY_LIMIT = "daily_limit"
    SLOT_FULL = "slot_full"


@dataclass(frozen=True)
class TimeRange:
    """An open period of a day, local time, `start` < `end`."""

    start: time
    end: time


@dataclass(frozen=True)
class BookingRules:
    """A service's booking settings (YAML `services[].booking`).

    `schedule` maps a weekday (0 = Monday) to its open ranges; a weekday missing is closed.
    """

    schedule: Mapping[int, tuple[TimeRange, ...]]
    slot_minutes: int = 30
    capacity: int = 1
    horizon_days: int = 30
    lead_minutes: int = 60
    daily_limit: int | None = None
    bookable: bool = True

    def __post_init__(self) -> None:
        if self.slot_minutes < 1 or self.capacity < 1 or self.horizon_days < 0:
            raise ValueError("slot_minutes and capacity must be >= 1, horizon_days >= 0")
        if self.lead_minutes < 0 or (self.daily_limit is not None and self.daily_limit < 1):
            raise ValueError("lead_minutes must be >= 0 and daily_limit >= 1")


@dataclass(frozen=True)
class Calendar:
    """The office's side: its time zone and the dates it is closed."""

    tz: ZoneInfo
    holidays: frozenset[date] = field(default_factory=frozenset)


@dataclass(frozen=True)
class FreeSlot:
    """A slot that can be booked now, with its local start and places left."""

    at: datetime  # UTC
    local: datetime  # in the office's zone
    left: int


def parse_schedule(schedule: Mapping[str, str | list[str]]) -> dict[int, tuple[TimeRange, ...]]:
    """`{"mon-fri": "09:00-13:00, 14:00-18:00", "sat": ["10:00-14:00"]}` -> weekday ranges.

    Raises ValueError with a sentence naming the bad part.
    """
    result: dict[int, tuple[TimeRange, ...]] = {}
    for days, spans in schedule.items():
        texts = spans.split(",") if isinstance(spans, str) else list(spans)
        ranges = tuple(sorted((_range(s) for s in texts if s.strip()), key=lambda r: r.start))
        for earlier, later in itertools.pairwise(ranges):
            if later.start < earlier.end:
                raise ValueError(f"{days}: time ranges overlap")
        for weekday in _weekdays(days):
            if weekday in result:
                raise ValueError(f"{days}: {WEEKDAYS[weekday]} is given twice")
            result[weekday] = ranges
    return result


def _weekdays(text: str) -> list[int]:
    text = text.strip().lower()
    if "-" in text:
        first, _, last = text.partition("-")
        a, b = _weekday(first), _weekday(last)
        if b < a:
            raise ValueError(f"{text}: the day range runs backwards")
        return list(range(a, b + 1))
    return [_weekday(text)]


def _weekday(text: str) -> int:
    text = text.strip().lower()
    if text not in WEEKDAYS:
        raise ValueError(f"unknown weekday {text!r} (use {', '.join(WEEKDAYS)})")
    return WEEKDAYS.index(text)


def _range(text: str) -> TimeRange:
    start, sep, end = text.strip().partition("-")
    if not sep:
        raise ValueError(f"{text.strip()!r}: expected HH:MM-HH:MM")
    try:
        begin, finish = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    except ValueError:
        raise ValueError(f"{text.strip()!r}: expected HH:MM-HH:MM") from None
    if finish <= begin:
        raise ValueError(f"{text.strip()!r}: the range ends before it starts")
    return TimeRange(begin, finish)


# -- slots of a day -------------------------------------------------------------------------------


def day_slots(rules: BookingRules, cal: Calendar, day: date) -> list[datetime]:
    """Every slot start (UTC) of the schedule on local `day`, holidays included (callers check)."""
    step = timedelta(minutes=rules.slot_minutes)
    starts: list[datetime] = []
    for span in rules.schedule.get(day.weekday(), ()):
        moment = datetime.combine(day, span.start)
        end = datetime.combine(day, span.end)
        while moment + step <= end:
            starts.append(moment.replace(tzinfo=cal.tz).astimezone(UTC))
            moment += step
    return starts


def refusal(
    rules: BookingRules,
    cal: Calendar,
    now: datetime,
    slot_at: datetime,
    counts: BookedCounts,
    slots_of_day: list[datetime] | None = None,
) -> Refusal | None:
    """Why `slot_at` cannot be booked at `now`, or None when it can (one more place).

    `slots_of_day` are `day_slots` of the slot's local day when the caller has them already.
    """
    slot_at = slot_at.astimezone(UTC)
    local = slot_at.astimezone(cal.tz)
    today = now.astimezone(cal.tz).date()
    if not rules.bookable:
        return Refusal.NOT_BOOKABLE
    if slot_at <= now:
        return Refusal.SLOT_IN_PAST
    if slot_at < now + timedelta(minutes=rules.lead_minutes):
        return Refusal.TOO_SOON
    if local.date() > today + timedelta(days=rules.horizon_days):
        return Refusal.BEYOND_HORIZON
    if local.date() in cal.holidays:
        return Refusal.HOLIDAY
    slots = slots_of_day if slots_of_day is not None else day_slots(rules, cal, local.date())
    if slot_at not in slots:
        return Refusal.CLOSED
    if rules.daily_limit is not None and (
        sum(counts.get(slot, 0) for slot in slots) >= rules.daily_limit
    ):
        return Refusal.DAILY_LIMIT
    if counts.get(slot_at, 0) >= rules.capacity:
        return Refusal.SLOT_FULL
    return None


def free_slots(
    rules: BookingRules, cal: Calendar, now: datetime, day: date, counts: BookedCounts
) -> list[FreeSlot]:
    """The slots of local `day` that can be booked at `now`, in time order, with places left."""
    result = []
    slots = day_slots(rules, cal, day)
    for slot in slots:
        if refusal(rules, cal, now, slot, counts, slots) is None:
            left = rules.capacity - counts.get(slot, 0)
            result.append(FreeSlot(slot, slot.astimezone(cal.tz), left))
    return result


def free_days(
    rules: BookingRules, cal: Calendar, now: datetime, year: int, month: int, counts: BookedCounts
) -> list[date]:
    """The days of `month` with at least one slot that can be booked at `now` (for a calendar)."""
    days = calendar.monthrange(year, month)[1]
    return [
        day
        for day in (date(year, month, d) for d in range(1, days + 1))
        if free_slots(rules, cal, now, day, counts)
    ]


def day_bounds(cal: Calendar, first: date, last: date) -> tuple[datetime, datetime]:
    """UTC bounds [start of `first`, start of the day after `last`) in the office's zone: the
    range of slot starts a caller must count bookings in."""
    start = datetime.combine(first, time()).replace(tzinfo=cal.tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time()).replace(tzinfo=cal.tz)
    return start, end.astimezone(UTC)


# -- refusals as sentences ------------------------------------------------------------------------


class BookingRefused(errors.CodedError):
    """A slot that cannot be booked now; `code` is a `Refusal`; nothing was booked."""

    code = "booking_refused"
    status = 409


def refused(reason: Refusal, rules: BookingRules, local: datetime | None = None) -> BookingRefused:
    """The DomainError for `reason`, in Russian and English, for the visitor."""
    when = local.strftime("%d.%m.%Y %H:%M") if local is not None else ""
    hours, minutes = divmod(rules.lead_minutes, 60)
    lead_ru = (
        f"{hours} ч {minutes} мин"
        if hours and minutes
        else f"{hours} ч"
        if hours
        else (f"{minutes} мин")
    )
    lead_en = f"{rules.lead_minutes} minutes"
    texts: dict[Refusal, tuple[str, str]] = {
        Refusal.NOT_BOOKABLE: (
            "На эту услугу нет предварительной записи: возьмите талон в офисе",
            "This service cannot be booked in advance: take a ticket at the office",
        ),
        Refusal.SLOT_IN_PAST: (
            f"Время {when} уже прошло: выберите другое"
            if local is not None
            else "Это время уже прошло: выберите другое",
            f"{when} has already passed: please choose another time"
            if local is not None
            else "This time has already passed: please choose another time",
        ),
        Refusal.TOO_SOON: (
            f"Записаться можно не позднее чем за {lead_ru} до приёма: выберите время позже",
            f"Bookings close {lead_en} before the slot: please choose a later time",
        ),
        Refusal.BEYOND_HORIZON: (
            f"Запись открыта только на {rules.horizon_days} дн. вперёд: выберите дату ближе",
            f"Bookings are open only {rules.horizon_days} days ahead: please choose an "
            "earlier date",
        ),
        Refusal.HOLIDAY: (
            f"{when[:10]} офис не работает: выберите другой день",
            f"The office is closed on {when[:10]}: please choose another day",
        ),
        Refusal.CLOSED: (
            f"На {when} записи нет: выберите время из списка свободных",
            f"{when} is not a bookable time: please choose one of the free slots",
        ),
        Refusal.DAILY_LIMIT: (
            f"На {when[:10]} запись на эту услугу закончилась: выберите другой день",
            f"This service is fully booked on {when[:10]}: please choose another day",
        ),
        Refusal.SLOT_FULL: (
            f"Время {when} уже занято: выберите другое",
            f"{when} is already taken: please choose another time",
        ),
    }
    ru, en = texts[reason]
    return BookingRefused(reason.value, ru, en)
