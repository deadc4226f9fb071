"""Per-address rate limits of the public and login routes (DESIGN §5: public pages are limited).

A token bucket per client address, in memory: each process limits on its own, which is enough to
keep one phone or script from loading the server or guessing passwords.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from fastapi import Request

from queue_server.domain.errors import DomainError

MAX_TRACKED = 50_000


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Слишком много запросов: повторите через {retry_after} с",
            f"Too many requests: try again in {retry_after} s",
            retry_after=retry_after,
        )
        self.retry_after = retry_after


class RateLimit:
    """Allow `burst` requests at once and `per_minute` on average per client address."""

    def __init__(
        self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._guard = threading.Lock()

    def check(self, key: str) -> None:
        """Take one token for `key`; raises RateLimited (with seconds to wait) when none is left."""
        now = self.clock()
        with self._guard:
            tokens, since = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - since) * self.rate)
            if tokens < 1.0:
                wait = math.ceil((1.0 - tokens) / self.rate)
                raise RateLimited(wait)
            if len(self._buckets) >= MAX_TRACKED:
                self._buckets.clear()
            self._buckets[key] = (tokens - 1.0, now)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def limit_public(request: Request) -> None:
    """Dependency of the public routes (status page and its JSON)."""
    request.app.state.public_limit.check(_client(request))


async def limit_login(request: Request) -> None:
    """Dependency of the login route (password guessing)."""
    request.app.state.login_limit.check(_client(request))
