"""Rate limits of the public and login routes (DESIGN §5: public pages are limited).

A token bucket per client address, in memory: each process limits on its own, which is enough to
keep one phone or script from loading the server. IPv6 clients are counted per /64 network,
since one host holds a whole /64 and could otherwise rotate through it. Password guessing from
many addresses is slowed down per account instead (`LoginLockout`).
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from cachetools import TTLCache
from fastapi import Request

from queue_server.domain.errors import DomainError

# Addresses remembered at once (about 300 bytes each). Reached only when this many addresses came
# within one refill period; then the least recently seen bucket makes room, never all of them.
MAX_TRACKED = 100_000
_SLACK = 1e-6  # seconds: the burst's last request is not refused for a rounding error


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
    """Allow `burst` requests at once and `per_minute` on average per client address.

    Each address keeps one number, the time its bucket is full again (GCRA, the token bucket's
    single-timestamp form). A bucket idle for a whole refill period is full, the same as an
    unknown address, so entries expire by age after that period (`burst / rate` seconds).
    """

    def __init__(
        self,
        per_minute: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_tracked: int = MAX_TRACKED,
    ) -> None:
        self.interval = 60.0 / per_minute  # seconds one request's token takes to come back
        self.window = burst * self.interval  # a full bucket's worth of requests, in seconds
        self.clock = clock
        self._full_at: TTLCache[str, float] = TTLCache(max_tracked, self.window, timer=clock)
        self._guard = threading.Lock()

    def check(self, key: str) -> None:
        """Take one token for `key`; raises RateLimited (with seconds to wait) when none is left."""
        with self._guard:
            now = self.clock()
            full_at = max(self._full_at.get(key, now), now) + self.interval
            if full_at - now > self.window + _SLACK:
                raise RateLimited(max(1, math.ceil(full_at - now - self.window)))
            self._full_at[key] = full_at

    def __len__(self) -> int:
        """Addresses remembered now (expired ones are not counted)."""
        with self._guard:
            self._full_at.expire()
            return len(self._full_at)


class AccountLocked(DomainError):
    code = "account_locked"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Слишком много неудачных попыток входа под этим логином: повторите через "
            f"{retry_after} с",
            f"Too many failed logins for this account: try again in {retry_after} s",
            retry_after=retry_after,
        )
        self.retry_after = retry_after


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0


class LoginLockout:
    """Per-login backoff: guessing one operator's password is slow from any number of addresses.

    Every attempt counts as failed until it succeeds, so attempts made at the same time are
    counted too. From the `free`-th failure in a row on, the login is refused for `first`
    seconds, doubling with each further failure up to `longest`; a successful login clears it,
    and so does an hour without failures. Unknown logins are counted alike, so a refusal tells
    nothing about which accounts exist.
    """

    def __init__(
        self,
        free: int = 5,
        first: float = 1.0,
        longest: float = 15 * 60.0,
        clock: Callable[[], float] = time.monotonic,
        forget_after: float = 3600.0,
        max_tracked: int = MAX_TRACKED,
    ) -> None:
        self.free = free
        self.first = first
        self.longest = longest
        self.clock = clock
        self._failures: TTLCache[str, _Failures] = TTLCache(max_tracked, forget_after, clock)
        self._guard = threading.Lock()

    def begin(self, login: str) -> None:
        """An attempt for `login` starts: raises AccountLocked while it is locked."""
        with self._guard:
            now = self.clock()
            failures = self._failures.get(login) or _Failures()
            if failures.locked_until > now:
                raise AccountLocked(max(1, math.ceil(failures.locked_until - now)))
            failures.count += 1
            if failures.count >= self.free:
                delay = min(self.longest, self.first * 2.0 ** min(failures.count - self.free, 64))
                failures.locked_until = now + delay
            self._failures[login] = failures  # (re)set: an hour from the latest failure

    def succeeded(self, login: str) -> None:
        """The password was right: the login's failures are forgotten."""
        with self._guard:
            self._failures.pop(login, None)

    @contextmanager
    def attempt(self, login: str) -> Iterator[None]:
        """Around one login: refused while locked, cleared when the block ends without error.

        Any error (a wrong password, a server error) leaves the attempt counted as failed.
        """
        self.begin(login)
        yield
        self.succeeded(login)


def client_key(host: str) -> str:
    """What one client is counted as: its IPv4 address, or its IPv6 address's /64 network."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return host


def _client(request: Request) -> str:
    return client_key(request.client.host) if request.client else "unknown"


async def limit_public(request: Request) -> None:
    """Dependency of the public routes (status page and its JSON)."""
    request.app.state.public_limit.check(_client(request))


async def limit_login(request: Request) -> None:
    """Dependency of the login route (password guessing)."""
    request.app.state.login_limit.check(_client(request))
