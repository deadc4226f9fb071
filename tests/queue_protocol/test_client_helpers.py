"""Pure helpers of the client: backoff delays and endpoint URLs."""

from __future__ import annotations

import pytest

from queue_protocol.client import ClientSession, backoff_delay, websocket_url


def test_backoff_doubles_up_to_the_maximum() -> None:
    """With the jitter at its top the delay doubles per failure and stops at the maximum."""
    delays = [backoff_delay(n, 0.5, 30.0, lambda: 1.0) for n in range(9)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]


def test_backoff_is_full_jitter() -> None:
    """The delay is the random fraction of the cap, down to zero."""
    assert backoff_delay(3, 0.5, 30.0, lambda: 0.25) == 1.0
    assert backoff_delay(3, 0.5, 30.0, lambda: 0.0) == 0.0


def test_backoff_survives_huge_failure_counts() -> None:
    """Days of failures do not overflow the delay computation."""
    assert backoff_delay(100_000, 0.5, 30.0, lambda: 1.0) == 30.0


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("http://10.0.0.5:8000", "ws://10.0.0.5:8000/ws"),
        ("https://okno.example/", "wss://okno.example/ws"),
        ("https://proxy.example/okno", "wss://proxy.example/okno/ws"),
    ],
)
def test_websocket_url_follows_the_base_url(base_url: str, expected: str) -> None:
    """http becomes ws, https becomes wss, a path prefix is kept."""
    assert websocket_url(base_url) == expected


def test_base_url_without_scheme_is_refused() -> None:
    """A base URL without http(s) is a configuration error raised at construction."""
    with pytest.raises(ValueError, match="http"):
        ClientSession("okno.example:8000", "token", "office-1")
