"""Opening hours of a service: `{"mon-thu": "09:00-18:00", "fri": "09:00-13:00,14:00-16:45"}`.

Days not named are closed. Times are the office's local time; a range ends before its end minute.
The operators' planned breaks (`PlannedBreaks`) are written the same way.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import NamedTuple

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {
    "ru": ("пн", "вт", "ср", "чт", "пт", "сб", "вс"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")

WeeklyHours = dict[int, list[tuple[time, time]]]


def parse_hours(spec: Mapping[str, str]) -> WeeklyHours:
    """The week's open ranges by weekday (0 = Monday); raises ValueError naming the bad part."""
    week: WeeklyHours = {}
    for days, ranges in spec.items():
        for day in _days(days):
            week.setdefault(day, []).extend(_ranges(ranges))
    for open_ranges in week.values():
        open_ranges.sort()
    return week


def _days(text: str) -> list[int]:
    parts = text.strip().lower().split("-")
    if len(parts) > 2 or any(p not in DAYS for p in parts):
        raise ValueError(f"days {text!r}: use mon, tue, … sun or a range such as mon-fri")
    first, last = DAYS.index(parts[0]), DAYS.index(parts[-1])
    if last < first:
        raise ValueError(f"days {text!r}: the range runs backwards")
    return list(range(first, last + 1))


def _ranges(text: str) -> list[tuple[time, time]]:
    result = []
    for part in text.split(","):
        match = _RANGE.match(part.strip())
        if match is None:
            raise ValueError(f"hours {part.strip()!r}: use HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if not (0 <= h1 <= 23 and 0 <= h2 <= 24 and m1 < 60 and m2 < 60) or (h2 == 24 and m2):
            raise ValueError(f"hours {part.strip()!r}: not a time of day")
        start = time(h1, m1)
        end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
        if end <= start:
            raise ValueError(f"hours {part.strip()!r}: ends before it starts")
        result.append((start, end))
    return result


def is_open(week: WeeklyHours, local: datetime) -> bool:
    """Whether `local` (the office's local time) falls in an open range."""
    now = local.time()
    return any(start <= now < end for start, end in week.get(local.weekday(), []))


def describe(week: WeeklyHours, lang: str = "ru") -> str:
    """A short summary for a visitor: `пн–чт 09:00–18:00; пт 09:00–16:45` (Russian), or
    `Mon–Thu 09:00–18:00; Fri 09:00–16:45` with `lang="en"`.

    Consecutive days with the same hours are written as one span.
    """
    names = _DAY_NAMES.get(lang, _DAY_NAMES["ru"])
    spans: list[tuple[int, int, str]] = []
    for day in sorted(week):
        text = ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in week[day])
        if spans and spans[-1][1] == day - 1 and spans[-1][2] == text:
            spans[-1] = (spans[-1][0], day, text)
        else:
            spans.append((day, day, text))
    return "; ".join(
        f"{names[first]}{'–' + names[last] if last > first else ''} {text}"
        for first, last, text in spans
    )


class PlannedBreaks:
    """The operators' planned breaks (a lunch, a rest) and shifts, in the office's local time
    each week: an operator on a break takes no visitor; one busy when it starts finishes the
    visitor first, then pauses until the break ends (a break is not made up for when the visit
    ran past it). An operator not signed in yet whose shift starts later today is expected then.

    `operators` maps a login to its breaks, `shifts` to its working hours, each a
    `parse_hours`-style week; `tz` is the office's time zone (a `tzinfo`, e.g.
    `ZoneInfo("Europe/Moscow")`).
    """

    def __init__(
        self,
        operators: Mapping[str, WeeklyHours],
        tz: tzinfo,
        shifts: Mapping[str, WeeklyHours] | None = None,
    ) -> None:
        self._weeks = {login: week for login, week in operators.items() if week}
        self._shifts = {login: week for login, week in (shifts or {}).items() if week}
        self._tz = tz
        # The local day last asked about, as instants: (its start, its end, each operator's
        # breaks that day, each one's shift starts that day). The replay asks at every step;
        # converting each time was ~10 % of it.
        self._day: _Day | None = None

    def __bool__(self) -> bool:
        return bool(self._weeks) or bool(self._shifts)

    def end_of(self, operator: str, at: datetime) -> datetime | None:
        """The end of the break `operator` is on at `at` (aware), else None."""
        if operator not in self._weeks:
            return None
        for start, end in self._day_of(at).breaks.get(operator, ()):
            if start <= at < end:
                return end
        return None

    def shift_start(self, operator: str, at: datetime) -> datetime | None:
        """When `operator`, not signed in yet, is expected: the first start of a shift of theirs
        after `at` (aware) on its local day; None when there is none, or when it is a handover.

        A shift that starts as others end adds no desk: of the operators starting at that
        moment, as many as there are shifts ending after `at` and by then are taken to replace
        them, not counted on (by login: the first ones are counted). Two shifts at the same
        windows (08:00-14:00, then 14:00-20:00) would otherwise double the office at 14:00,
        the estimate knowing when shifts start but not holding desks at their end.
        """
        if operator not in self._shifts:
            return None
        day = self._day_of(at)
        start = next((s for s in day.starts.get(operator, ()) if s > at), None)
        if start is None:
            return None
        arriving = day.arriving[start]
        leaving = bisect.bisect_right(day.ends, start) - bisect.bisect_right(day.ends, at)
        return start if arriving.index(operator) < len(arriving) - leaving else None

    def _day_of(self, at: datetime) -> _Day:
        day = self._day
        if day is None or not day.start <= at < day.end:
            day = self._day = self._local_day(at)
        return day

    def _local_day(self, at: datetime) -> _Day:
        local = at.astimezone(self._tz).date()
        # Kept in UTC, as the clock gives `at`: aware datetimes of one tzinfo compare without
        # asking the zone for its offset (which was most of the cost of `end_of`).
        start = datetime.combine(local, time(), self._tz).astimezone(UTC)
        end = datetime.combine(local + timedelta(days=1), time(), self._tz).astimezone(UTC)

        def instant(moment: time) -> datetime:
            return datetime.combine(local, moment, self._tz).astimezone(UTC)

        weekday = local.weekday()
        breaks = {
            login: [(instant(b0), instant(b1)) for b0, b1 in week.get(weekday, ())]
            for login, week in self._weeks.items()
        }
        starts: dict[str, list[datetime]] = {}
        arriving: dict[datetime, list[str]] = {}
        ends: list[datetime] = []
        for login, week in sorted(self._shifts.items()):
            for s0, s1 in week.get(weekday, ()):
                starts.setdefault(login, []).append(instant(s0))
                arriving.setdefault(instant(s0), []).append(login)
                ends.append(instant(s1))
        return _Day(start, end, breaks, starts, arriving, sorted(ends))

    def any_ahead(self, now: datetime) -> bool:
        """Does some operator's break today end, or shift today start, after `now` (the replay
        must then know it)?"""
        local = now.astimezone(self._tz)
        moment, weekday = local.time(), local.weekday()
        return any(
            end > moment for week in self._weeks.values() for _, end in week.get(weekday, ())
        ) or any(
            start > moment for week in self._shifts.values() for start, _ in week.get(weekday, ())
        )


class _Day(NamedTuple):
    """One local day of `PlannedBreaks`, as instants (UTC)."""

    start: datetime
    end: datetime
    breaks: dict[str, list[tuple[datetime, datetime]]]
    starts: dict[str, list[datetime]]  # each operator's shift starts
    arriving: dict[datetime, list[str]]  # who starts a shift at each of those, by login
    ends: list[datetime]  # every shift's end, in order


def breaks_by_days(spec: str | Mapping[str, str]) -> dict[str, str]:
    """An operator's breaks as written by days: `"13:00-13:45"` is every day's."""
    return {"mon-sun": spec} if isinstance(spec, str) else dict(spec)


def parse_breaks(spec: str | Mapping[str, str]) -> WeeklyHours:
    """An operator's breaks: `"13:00-13:45"` (every day) or by days like `parse_hours`."""
    return parse_hours(breaks_by_days(spec))
