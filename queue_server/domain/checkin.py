"""Checking a booked visitor in: reading the code a visitor typed or scanned, and the time window.

Pure rules, no I/O: the service layer (`service/checkin.py`) looks the booking up and issues the
ticket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

from queue_server.domain import errors

#: the longest text taken as a code or a scanned QR (a booking URL with its secret fits easily)
MAX_INPUT = 300
#: booking codes are 4 to 16 letters and digits once spaces and dashes are taken out
_CODE = re.compile(r"^[A-Z0-9]{4,16}$")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.]+")
# A visitor typing on a Russian keyboard layout gets Cyrillic letters that look like the Latin
# ones of the code: they are read as those.
_LOOKALIKES = str.maketrans("АВСЕНКМОРТХУ", "ABCEHKMOPTXY")
# A manage link's secret (secrets.token_urlsafe): URL-safe base64.
_SECRET = re.compile(r"^[A-Za-z0-9_\-]{16,128}$")


class CheckInRefused(errors.CodedError):
    """A booking that cannot be checked in now (unknown, used, cancelled, another day or office,
    outside the window): `code` says which, the message says what to do; nothing changed."""

    code = "check_in_refused"
    status = 409

    def __init__(self, code: str, ru: str, en: str, status: int = 409, **extra: object) -> None:
        super().__init__(code, ru, en, **extra)
        self.status = status


class LatePolicy(StrEnum):
    """What a visitor who comes after the check-in window gets."""

    WALK_IN = "walk_in"  # a walk-in ticket, queued like any other
    REFUSE = "refuse"  # nothing: book again or take a walk-in ticket


@dataclass(frozen=True)
class CheckInWindow:
    """The office's check-in rules (YAML `booking.check_in`): from `early_minutes` before the
    slot to `late_minutes` after it; after that the `late_policy`."""

    early_minutes: int = 30
    late_minutes: int = 10
    late_policy: LatePolicy = LatePolicy.WALK_IN


class Timing(StrEnum):
    """Where `now` falls against a booked slot."""

    OTHER_DAY = "other_day"
    TOO_EARLY = "too_early"  # the same day, before the window opens
    EARLY = "early"  # within the window, before the slot (queued as a walk-in until it comes)
    ON_TIME = "on_time"  # from the slot to `late_minutes` after it (due at once)
    LATE = "late"  # the same day, after the window closed


@dataclass(frozen=True)
class CodeRef:
    """What the visitor gave: a booking `code`, or the `secret` of a manage link."""

    code: str | None = None
    secret: str | None = None

    @property
    def shown(self) -> str:
        """How the refusal names it (never the secret)."""
        return self.code if self.code is not None else "QR"


def bad_code() -> CheckInRefused:
    return CheckInRefused(
        "malformed_booking_code",
        "Это не похоже на код записи: код состоит из латинских букв и цифр, например ACD-7K3P",
        "This does not look like a booking code: it has Latin letters and digits, e.g. ACD-7K3P",
        status=422,
    )


def normalize_code(text: str) -> str:
    """`text` as a code: upper case, Cyrillic look-alikes as Latin, spaces and dashes out."""
    return _SEPARATORS.sub("", text).upper().translate(_LOOKALIKES)


def parse_code(text: str) -> CodeRef:
    """The booking the visitor means: a typed code, or a scanned QR holding the bare code or the
    booking URL (`…?code=XXXX`, `…/manage/<secret>`, or a URL ending in the code).

    Raises `CheckInRefused` (malformed_booking_code) when it is neither.
    """
    raw = text.strip()
    if not raw or len(raw) > MAX_INPUT:
        raise bad_code()
    if "/" in raw or "?" in raw:
        return _from_url(raw)
    code = normalize_code(raw)
    if not _CODE.match(code):
        raise bad_code()
    return CodeRef(code=code)


def _from_url(raw: str) -> CodeRef:
    parts = urlsplit(raw)
    for value in parse_qs(parts.query).get("code", []):
        code = normalize_code(value)
        if _CODE.match(code):
            return CodeRef(code=code)
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if "manage" in segments:
        after = segments[segments.index("manage") + 1 :]
        if len(after) == 1 and _SECRET.match(after[0]):
            return CodeRef(secret=after[0])
        raise bad_code()
    if segments:
        code = normalize_code(segments[-1])
        if _CODE.match(code):
            return CodeRef(code=code)
    raise bad_code()


def service_day_of(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def timing(slot_at: datetime, now: datetime, window: CheckInWindow, zone: ZoneInfo) -> Timing:
    """Where `now` falls against the slot starting at `slot_at` (both aware)."""
    if service_day_of(slot_at, zone) != service_day_of(now, zone):
        return Timing.OTHER_DAY
    if now < slot_at - timedelta(minutes=window.early_minutes):
        return Timing.TOO_EARLY
    if now < slot_at:
        return Timing.EARLY
    if now <= slot_at + timedelta(minutes=window.late_minutes):
        return Timing.ON_TIME
    return Timing.LATE
