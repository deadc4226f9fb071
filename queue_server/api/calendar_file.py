"""An "add to calendar" file for a booking: one VEVENT in iCalendar (RFC 5545).

Times are written in UTC (`…Z`), which every calendar converts to the phone's own zone, so no
VTIMEZONE is needed. Text values are escaped (backslash, semicolon, comma, newline) and lines
are folded at 75 octets without splitting a UTF-8 character; lines end in CRLF.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PRODID = "-//Okno//Online booking//RU"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable for the booking: a moved booking replaces the old event
    start: datetime  # aware
    minutes: int
    summary: str
    location: str
    description: str
    stamp: datetime  # aware: when the file was made
    sequence: int = 0


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): \\ ; , escaped, newlines as \\n, CR dropped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\n").replace("\r", "").replace("\n", "\\n")


def fold(line: str) -> str:
    """`line` folded into parts of at most 75 octets, continuation lines starting with a space."""
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # the leading space takes one octet
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ics(event: CalendarEvent) -> str:
    """The whole .ics file for `event`."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{_utc(event.stamp)}",
        f"DTSTART:{_utc(event.start)}",
        f"DTEND:{_utc(event.start + timedelta(minutes=event.minutes))}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"LOCATION:{escape_text(event.location)}",
        f"DESCRIPTION:{escape_text(event.description)}",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT1H",
        f"DESCRIPTION:{escape_text(event.summary)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
