"""What the public HTML forms need: body parsing, CSRF tokens, a failure throttle.

CSRF is the signed double-submit pattern: the browser holds a random value in a cookie
(`okno_csrf`, HttpOnly, SameSite=Lax), and every form carries HMAC(key, that value). A page on
another site can make the browser send the cookie but can neither read it nor compute the
signature, so its forged POST is refused before anything is read or changed.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from urllib.parse import parse_qsl

from cachetools import TTLCache
from fastapi import Request

from queue_server.api.ratelimit import MAX_TRACKED

CSRF_COOKIE = "okno_csrf"
CSRF_FIELD = "csrf"
_COOKIE_VALUE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


async def read_form(request: Request) -> dict[str, str]:
    """The urlencoded body as a dict (first value of each name); anything else reads as empty.

    The body's size is already bounded by the BodyLimit middleware.
    """
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return {}
    body = (await request.body()).decode("utf-8", errors="replace")
    form: dict[str, str] = {}
    for name, value in parse_qsl(body, keep_blank_values=True, max_num_fields=50):
        form.setdefault(name, value)
    return form


class CsrfGuard:
    """Issues and checks form tokens bound to the browser's `okno_csrf` cookie.

    `key` must be the same in every server process that serves the same pages (a region behind
    a proxy); a random one per process is right for one process.
    """

    def __init__(self, key: bytes) -> None:
        self._key = key

    def cookie(self, request: Request) -> tuple[str, bool]:
        """The browser's cookie value, or a new one (then True: the response must set it)."""
        value = request.cookies.get(CSRF_COOKIE, "")
        if _COOKIE_VALUE.match(value):
            return value, False
        return secrets.token_urlsafe(32), True

    def token(self, cookie: str) -> str:
        """The form token for `cookie`."""
        return hmac.new(self._key, cookie.encode(), hashlib.sha256).hexdigest()

    def valid(self, request: Request, form: dict[str, str]) -> bool:
        """True when the form's token signs the cookie the browser sent."""
        cookie = request.cookies.get(CSRF_COOKIE, "")
        sent = form.get(CSRF_FIELD, "")
        if not _COOKIE_VALUE.match(cookie) or not sent:
            return False
        return hmac.compare_digest(self.token(cookie), sent)


class TooManyFailures(Exception):
    """The caller failed too often lately; `retry_after` seconds until one more try is allowed."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class FailureThrottle:
    """At most `limit` failures per key in any `window` seconds; then refusals until one ages out.

    Only failures count (a right answer costs nothing), so a visitor who mistypes once is never
    locked out, while guessing a booking's code and phone digits stops after `limit` tries.
    """

    def __init__(
        self,
        limit: int = 10,
        window: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        max_tracked: int = MAX_TRACKED,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: TTLCache[str, deque[float]] = TTLCache(max_tracked, window, timer=clock)
        self._guard = threading.Lock()

    def check(self, key: str) -> None:
        """Raises TooManyFailures while `key` has `limit` failures within the window."""
        with self._guard:
            now = self.clock()
            times = self._recent(key, now)
            if len(times) >= self.limit:
                raise TooManyFailures(max(1, math.ceil(times[0] + self.window - now)))

    def failed(self, key: str) -> None:
        """Count one failure of `key` now."""
        with self._guard:
            now = self.clock()
            times = self._recent(key, now)
            times.append(now)
            self._failures[key] = times  # (re)set: kept a window after the latest failure

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key) or deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        return times
