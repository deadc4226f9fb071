"""The check-in's guessing limit on its own, with a hand-moved clock."""

from __future__ import annotations

import pytest

from queue_server.api.checkin import CodeGuessing, TooManyCodes


def test_guessing_limit_forgets_misses_after_the_window() -> None:
    """10 misses refuse the key (only that key); a minute after the first, one more is allowed."""
    now = [0.0]
    guard = CodeGuessing(clock=lambda: now[0])
    for second in range(10):
        now[0] = float(second)
        guard.missed("kiosk:1")
    with pytest.raises(TooManyCodes) as caught:
        guard.check("kiosk:1")
    assert caught.value.retry_after == 51
    guard.check("kiosk:2")
    now[0] = 60.0
    guard.check("kiosk:1")


def test_an_address_gets_its_own_larger_allowance() -> None:
    """Kiosks sharing an address: 10 misses refuse the address only at a limit of 30."""
    guard = CodeGuessing(clock=lambda: 0.0)
    for _ in range(10):
        guard.missed("kiosk:1", "ip:10.0.0.1")
    guard.check("ip:10.0.0.1", allowed=30)
    with pytest.raises(TooManyCodes):
        guard.check("kiosk:1")
    for _ in range(20):
        guard.missed("kiosk:2", "ip:10.0.0.1")
    with pytest.raises(TooManyCodes):
        guard.check("ip:10.0.0.1", allowed=30)
