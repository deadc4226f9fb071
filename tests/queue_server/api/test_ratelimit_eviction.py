"""The rate limiter forgets addresses by age, never all at once, and counts IPv6 per /64."""

from __future__ import annotations

import pytest

from queue_server.api.ratelimit import RateLimit, RateLimited, client_key


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _exhaust(limit: RateLimit, key: str) -> None:
    with pytest.raises(RateLimited):
        for _ in range(100):
            limit.check(key)


def test_rotating_many_addresses_keeps_an_exhausted_login_limit() -> None:
    """60,000 other addresses (past the old cap that cleared every bucket) do not reset it."""
    clock = Clock()
    limit = RateLimit(per_minute=30, burst=20, clock=clock)
    _exhaust(limit, "192.0.2.1")
    for i in range(60_000):
        limit.check(f"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}")
    clock.now += 1.0  # still well inside the refill period
    with pytest.raises(RateLimited):
        limit.check("192.0.2.1")


def test_addresses_are_forgotten_once_their_bucket_is_full_again() -> None:
    """After a whole refill period an address's entry is gone, and it gets its full burst back."""
    clock = Clock()
    limit = RateLimit(per_minute=60, burst=3, clock=clock)
    _exhaust(limit, "192.0.2.1")
    limit.check("192.0.2.2")
    assert len(limit) == 2
    clock.now += 3.0
    assert len(limit) == 0
    for _ in range(3):
        limit.check("192.0.2.1")
    with pytest.raises(RateLimited):
        limit.check("192.0.2.1")


def test_a_full_table_evicts_the_least_recently_seen_address_only() -> None:
    """At the cap one old entry makes room; the address still hammering keeps its limit."""
    clock = Clock()
    limit = RateLimit(per_minute=60, burst=2, clock=clock, max_tracked=3)
    _exhaust(limit, "192.0.2.9")
    limit.check("192.0.2.1")
    limit.check("192.0.2.2")
    with pytest.raises(RateLimited):
        limit.check("192.0.2.9")  # seen again: now the most recent
    limit.check("192.0.2.3")  # the table is full: 192.0.2.1, the least recent, goes
    assert len(limit) == 3
    with pytest.raises(RateLimited):
        limit.check("192.0.2.9")


def test_burst_with_an_inexact_interval_is_not_cut_short() -> None:
    """7 per minute, burst 7: all 7 pass at once despite 60/7 not being exact in binary."""
    limit = RateLimit(per_minute=7, burst=7, clock=Clock())
    for _ in range(7):
        limit.check("192.0.2.1")
    with pytest.raises(RateLimited) as raised:
        limit.check("192.0.2.1")
    assert raised.value.retry_after == 9  # 60/7 = 8.6 s, rounded up


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("testclient", "testclient"),
    ],
)
def test_clients_are_counted_per_ipv4_address_or_ipv6_64(host: str, key: str) -> None:
    """One host's IPv6 /64 is one client: rotating addresses inside it gains nothing."""
    assert client_key(host) == key
