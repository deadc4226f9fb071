"""Status pages on a region's server processes: a call made on one reaches a phone on the other."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers.office import KIOSK_TOKEN, PASSWORDS
from tests.helpers.postgres import fresh_database
from tests.helpers.server_process import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

WITHIN = 5.0  # seconds the issue allows between a call and the page showing it


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Two `okno server` processes sharing a fresh PostgreSQL database with the test office."""
    with fresh_database() as url:
        first = ServerProcess(tmp_path / "a", db=url)
        second = ServerProcess(tmp_path / "b", db=url)
        first.workdir.mkdir()
        second.workdir.mkdir()
        first.apply_test_office()
        with first, second:
            yield first, second


def test_call_on_one_process_reaches_a_phone_on_the_other(
    two_servers: tuple[ServerProcess, ServerProcess],
) -> None:
    """The phone follows on process A, the desk calls on process B: the card says so in 5 s."""
    phone_side, desk_side = two_servers
    with (
        httpx.Client(base_url=phone_side.url, timeout=10) as phone,
        httpx.Client(base_url=desk_side.url, timeout=10) as desk,
    ):
        issued = phone.post(
            "/api/v1/offices/test/tickets",
            json={"service": "reg"},
            headers={"Authorization": f"Bearer {KIOSK_TOKEN}"},
        )
        token = str(issued.json()["status_url"]).rsplit("/t/", 1)[1]
        login = desk.post(
            "/api/v1/auth/login",
            json={"login": "alice", "password": PASSWORDS["alice"], "workplace": "1"},
        )
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        with phone.stream("GET", f"/t/{token}/events?lang=en") as stream:
            lines = stream.iter_lines()
            first = json.loads(next(line for line in lines if line.startswith("data: "))[6:])
            assert first["status"] == "waiting"
            called = desk.post("/api/v1/desk/call-next", headers=headers)
            assert called.status_code == 200, called.text
            start = time.monotonic()
            for line in lines:
                if line.startswith("data: ") and json.loads(line[6:])["status"] == "called":
                    update = json.loads(line[6:])
                    break
            assert time.monotonic() - start < WITHIN
    assert update["announce"] == "Your turn: window 1"
