"""Ticket numbers: per office and prefix, restarting each service day, А001 … А999, then А001."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

MAX_NUMBER = 999


def service_day(moment: datetime, tz: ZoneInfo) -> date:
    """The office's calendar day at `moment` (an aware datetime)."""
    return moment.astimezone(tz).date()


def next_counter(last: int) -> int:
    """The counter after `last` (0 on a new day): 1 … 999, then 1 again."""
    return last % MAX_NUMBER + 1


def format_number(prefix: str, counter: int) -> str:
    """`А` + 7 → `А007`."""
    if not 1 <= counter <= MAX_NUMBER:
        raise ValueError(f"ticket counter out of range: {counter}")
    return f"{prefix}{counter:03d}"
