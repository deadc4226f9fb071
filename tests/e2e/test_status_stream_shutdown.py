"""A stopping server ends the status pages' open streams instead of waiting for the phones."""

from __future__ import annotations

import signal

import httpx
import pytest

from tests.helpers.office import KIOSK_TOKEN
from tests.helpers.server_process import ServerProcess

pytestmark = [pytest.mark.e2e]


def test_server_stops_gracefully_with_a_stream_open(server: ServerProcess) -> None:
    """SIGTERM with a phone following its ticket: the stream ends and the server exits."""
    with httpx.Client(base_url=server.url, timeout=10) as http:
        issued = http.post(
            "/api/v1/offices/test/tickets",
            json={"service": "reg"},
            headers={"Authorization": f"Bearer {KIOSK_TOKEN}"},
        )
        token = str(issued.json()["status_url"]).rsplit("/t/", 1)[1]
        with http.stream("GET", f"/t/{token}/events") as stream:
            lines = stream.iter_lines()
            assert next(line for line in lines if line.startswith("event: ")) == "event: status"
            assert server.process is not None
            server.process.terminate()
            # uvicorn waits for open responses: without the feed closing them it would hang
            # here (TimeoutExpired). After its graceful shutdown uvicorn re-raises SIGTERM.
            assert server.process.wait(8) in (0, -signal.SIGTERM)
            rest = list(lines)  # the stream ended rather than hanging
    assert all(not line.startswith("event: ") for line in rest)
