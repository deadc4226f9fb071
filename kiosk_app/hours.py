"""Opening hours as the server sends them (`{"mon-thu": "09:00-18:00"}`): when a closed service
opens next. Qt-free; a malformed spec gives no answer rather than a crash."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, time, timedelta

__all__ = ["DAYS", "next_opening", "weekly_ranges"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def weekly_ranges(spec: Mapping[str, str]) -> dict[int, list[tuple[time, time]]] | None:
    """Open ranges by weekday (0 = Monday), or None when the spec cannot be read."""
    week: dict[int, list[tuple[time, time]]] = {}
    for days, ranges in spec.items():
        names = days.strip().lower().split("-")
        if len(names) > 2 or any(name not in DAYS for name in names):
            return None
        first, last = DAYS.index(names[0]), DAYS.index(names[-1])
        for part in ranges.split(","):
            match = _RANGE.match(part)
            if match is None:
                return None
            h1, m1, h2, m2 = (int(group) for group in match.groups())
            if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59:
                return None
            start = time(h1, m1)
            end = time(23, 59) if h2 == 24 else time(h2, m2)
            for day in range(first, last + 1):
                week.setdefault(day, []).append((start, end))
    for ranges_of_day in week.values():
        ranges_of_day.sort()
    return week


def next_opening(spec: Mapping[str, str], local_now: datetime) -> datetime | None:
    """The next moment after `local_now` (office time) when the service opens; None when it
    never does or the spec is unreadable."""
    week = weekly_ranges(spec)
    if not week:
        return None
    for offset in range(8):
        day = local_now.date() + timedelta(days=offset)
        for start, _end in week.get(day.weekday(), []):
            moment = datetime.combine(day, start, tzinfo=local_now.tzinfo)
            if moment > local_now:
                return moment
    return None
