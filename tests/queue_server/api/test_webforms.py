"""The booking pages' building blocks without a server: .ics text, CSRF tokens, the throttle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from starlette.requests import Request

from queue_server.api.calendar_file import CalendarEvent, escape_text, fold, ics
from queue_server.api.webforms import CsrfGuard, FailureThrottle, TooManyFailures


def _event(**changes: object) -> CalendarEvent:
    values: dict[str, object] = {
        "uid": "booking-test-ACDE@okno",
        "start": datetime(2026, 3, 10, 11, 30, tzinfo=timezone(timedelta(hours=3))),
        "minutes": 30,
        "summary": "Запись: Регистрация",
        "location": "ЦЗН, ул. Примерная; д. 1",
        "description": "Код: ACDE\nВозьмите: паспорт, СНИЛС",
        "stamp": datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
    }
    values.update(changes)
    return CalendarEvent(**values)  # type: ignore[arg-type]


def test_ics_times_are_utc() -> None:
    """A start at 11:30 Moscow time is written as 08:30Z, the end after the slot length."""
    text = ics(_event())
    assert "DTSTART:20260310T083000Z\r\n" in text and "DTEND:20260310T090000Z\r\n" in text
    assert "DTSTAMP:20260301T120000Z\r\n" in text and "UID:booking-test-ACDE@okno\r\n" in text


def test_ics_escapes_text() -> None:
    """Commas, semicolons, backslashes and newlines are escaped in TEXT values."""
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    unfolded = ics(_event()).replace("\r\n ", "")
    assert "LOCATION:ЦЗН\\, ул. Примерная\\; д. 1\r\n" in unfolded
    assert "DESCRIPTION:Код: ACDE\\nВозьмите: паспорт\\, СНИЛС\r\n" in unfolded


def test_fold_keeps_lines_within_75_octets_and_characters_whole() -> None:
    """Long Cyrillic lines fold at 75 octets without cutting a two-byte character."""
    line = "SUMMARY:" + "Ж" * 100
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts) and len(parts) > 2
    assert folded.replace("\r\n ", "") == line


def test_every_ics_line_ends_in_crlf() -> None:
    """No bare LF: every line of the file ends in CRLF."""
    text = ics(_event(summary="x" * 200))
    assert text.count("\n") == text.count("\r\n")


def _request(cookie: str | None) -> Request:
    headers = [(b"cookie", f"okno_csrf={cookie}".encode())] if cookie else []
    return Request({"type": "http", "method": "POST", "path": "/book", "headers": headers})


def test_csrf_token_signs_the_cookie() -> None:
    """The token of one cookie passes with that cookie only, and not under another key."""
    guard = CsrfGuard(b"k" * 32)
    cookie, new = guard.cookie(_request(None))
    assert new
    token = guard.token(cookie)
    assert guard.valid(_request(cookie), {"csrf": token})
    other, _ = guard.cookie(_request(None))
    assert not guard.valid(_request(other), {"csrf": token})
    assert not guard.valid(_request(cookie), {})
    assert not CsrfGuard(b"x" * 32).valid(_request(cookie), {"csrf": token})


def test_csrf_cookie_is_reused_when_well_formed() -> None:
    """A browser's own well-formed cookie is kept; a malformed one is replaced."""
    guard = CsrfGuard(b"k" * 32)
    value = "a" * 43
    assert guard.cookie(_request(value)) == (value, False)
    assert guard.cookie(_request("short"))[1]


def test_throttle_refuses_after_the_limit_until_a_failure_ages_out() -> None:
    """Ten failures in ten minutes lock the key; when the first is ten minutes old it opens."""
    now = [0.0]
    throttle = FailureThrottle(10, 600.0, clock=lambda: now[0])
    for _ in range(10):
        throttle.check("1.2.3.4")
        throttle.failed("1.2.3.4")
        now[0] += 1
    with pytest.raises(TooManyFailures) as refused:
        throttle.check("1.2.3.4")
    assert refused.value.retry_after == 590
    throttle.check("5.6.7.8")  # another address is not affected
    now[0] = 600.5
    throttle.check("1.2.3.4")
