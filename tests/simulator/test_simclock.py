"""The simulation clock: forward only, refused in production, read by the server's commands."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from pydantic import ValidationError

from queue_server.api.app import create_app, served_app
from queue_server.bootstrap import Container, build
from queue_server.service.config import apply_config, parse_config
from queue_server.service.simclock import ClockRefused, SimulatedClock
from queue_server.settings import ServerSettings
from queue_server.storage.db import sqlite_url
from tests.helpers.office import KIOSK_TOKEN, OFFICE_YAML

TOKEN = "sim-token-0123456789"
MORNING = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)  # 09:00 in Moscow


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.value = 100.0

    def __call__(self) -> float:
        return self.value


def test_clock_stands_still_at_rate_zero_and_runs_at_rate_x() -> None:
    """Rate 0 keeps the set time; rate 60 makes a wall second a simulated minute."""
    ticks = Ticks()
    clock = SimulatedClock(monotonic=ticks)
    clock.set(MORNING, 0)
    ticks.value += 30
    assert clock() == MORNING
    clock.set(MORNING, 60)
    ticks.value += 2
    assert clock() == MORNING + timedelta(minutes=2)


def test_clock_never_goes_back_once_set() -> None:
    """The first setting may go anywhere; a later step back is refused and changes nothing."""
    clock = SimulatedClock(start=MORNING + timedelta(days=1), rate=0)
    clock.set(MORNING)  # the first setting picks the day
    clock.set(MORNING + timedelta(minutes=5))
    with pytest.raises(ClockRefused) as caught:
        clock.set(MORNING + timedelta(minutes=4))
    assert caught.value.code == "clock_backwards"
    assert clock() == MORNING + timedelta(minutes=5)


def test_clock_refuses_a_naive_time_and_a_bad_rate() -> None:
    """A time without a zone and a negative rate are refused."""
    clock = SimulatedClock()
    with pytest.raises(ClockRefused):
        clock.set(datetime(2026, 3, 10, 9, 0))
    with pytest.raises(ClockRefused):
        clock.set(MORNING, -1)


def test_settings_refuse_simulation_in_production() -> None:
    """OKNO_SIMULATION on a production server is refused, naming the settings to change."""
    with pytest.raises(ValidationError) as caught:
        ServerSettings(
            public_url="https://okno.example.org", simulation=True, simulation_token=TOKEN
        )
    message = str(caught.value)
    assert "OKNO_SIMULATION=true" in message and "OKNO_ENVIRONMENT=production" in message
    assert "запрещены на рабочем сервере" in message


def test_settings_need_a_simulation_token() -> None:
    """A simulation server without its token is refused."""
    with pytest.raises(ValidationError, match="OKNO_SIMULATION_TOKEN"):
        ServerSettings(public_url="https://okno.example.org", environment="test", simulation=True)


@pytest.mark.e2e
def test_production_server_refuses_to_start_with_simulation(tmp_path: Path) -> None:
    """`okno server` with OKNO_SIMULATION=true in production exits with the setting's name."""
    env = dict(os.environ, OKNO_SIMULATION="true", OKNO_SIMULATION_TOKEN=TOKEN, OKNO_ENVIRONMENT="")
    env.pop("OKNO_ENVIRONMENT")
    result = subprocess.run(
        [sys.executable, "-m", "okno.cli", "server", "--db", str(tmp_path / "okno.db"),
         "--port", "0", "--public-url", "https://okno.example.org"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "OKNO_SIMULATION=true" in result.stderr
    assert "OKNO_ENVIRONMENT=production" in result.stderr
    assert not (tmp_path / "okno.db").exists()


@pytest_asyncio.fixture
async def sim_api(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Container]]:
    """The app of a simulation server (environment test) on the test office, in-process."""
    settings = ServerSettings(
        database_url=sqlite_url(tmp_path / "okno.db"),
        public_url="http://okno.test",
        environment="test",
        simulation=True,
        simulation_token=TOKEN,
    )
    container = build(settings)
    apply_config(container.engine, parse_config(OFFICE_YAML, "test-office.yaml"))
    # As `okno server` serves it: the lean routes before the app (the clock must move for them
    # too).
    transport = httpx.ASGITransport(app=served_app(container, create_app(container)))
    async with httpx.AsyncClient(transport=transport, base_url="http://okno") as client:
        yield client, container
    container.engine.dispose()


SIM = {"Authorization": f"Bearer {TOKEN}"}
KIOSK = {"Authorization": f"Bearer {KIOSK_TOKEN}"}


@pytest.mark.integration
@pytest.mark.asyncio
async def test_commands_read_the_simulated_clock(
    sim_api: tuple[httpx.AsyncClient, Container],
) -> None:
    """A ticket issued after POST /sim/clock carries the simulated time."""
    client, container = sim_api
    answer = await client.post("/api/v1/sim/clock", json={"now": MORNING.isoformat()}, headers=SIM)
    assert answer.status_code == 200, answer.text
    assert container.sim_clock is not None and container.sim_clock() == MORNING
    issued = await client.post(
        "/api/v1/offices/test/tickets", json={"service": "reg"}, headers=KIOSK
    )
    assert issued.status_code == 201, issued.text
    assert datetime.fromisoformat(issued.json()["issued_at"]) == MORNING


@pytest.mark.integration
@pytest.mark.asyncio
async def test_the_time_rides_with_a_request(
    sim_api: tuple[httpx.AsyncClient, Container],
) -> None:
    """X-Okno-Sim-Now moves the clock before the request; a step back is refused (409)."""
    client, _ = sim_api
    later = MORNING + timedelta(minutes=7)
    headers = {**KIOSK, "X-Okno-Sim-Now": later.isoformat(), "X-Okno-Sim-Token": TOKEN}
    issued = await client.post(
        "/api/v1/offices/test/tickets", json={"service": "reg"}, headers=headers
    )
    assert datetime.fromisoformat(issued.json()["issued_at"]) == later
    back = {**headers, "X-Okno-Sim-Now": MORNING.isoformat()}
    refused = await client.post(
        "/api/v1/offices/test/tickets", json={"service": "reg"}, headers=back
    )
    assert refused.status_code == 409 and refused.json()["code"] == "clock_backwards"
    queue = await client.get("/api/v1/offices/test/queue", headers=KIOSK)
    assert len(queue.json()["waiting"]) == 1  # the refused request issued nothing


@pytest.mark.integration
@pytest.mark.asyncio
async def test_clock_needs_the_simulation_token(
    sim_api: tuple[httpx.AsyncClient, Container],
) -> None:
    """Without the simulation token the clock is neither read nor moved, by route or header."""
    client, container = sim_api
    before = container.sim_clock() if container.sim_clock else None
    answer = await client.post(
        "/api/v1/sim/clock", json={"now": MORNING.isoformat()}, headers=KIOSK
    )
    assert answer.status_code == 401
    headers = {**KIOSK, "X-Okno-Sim-Now": MORNING.isoformat(), "X-Okno-Sim-Token": "wrong"}
    answer = await client.get("/api/v1/offices/test/queue", headers=headers)
    assert answer.status_code == 401
    assert container.sim_clock is not None and container.sim_clock() >= before  # type: ignore[operator]


@pytest.mark.integration
@pytest.mark.asyncio
async def test_ordinary_server_has_no_clock(tmp_path: Path) -> None:
    """A server without OKNO_SIMULATION has no clock route (404) and ignores the header."""
    settings = ServerSettings(
        database_url=sqlite_url(tmp_path / "okno.db"), public_url="http://okno.test"
    )
    container = build(settings)
    apply_config(container.engine, parse_config(OFFICE_YAML, "test-office.yaml"))
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://okno") as client:
        answer = await client.post(
            "/api/v1/sim/clock", json={"now": MORNING.isoformat()}, headers=SIM
        )
        assert answer.status_code == 404 and answer.json()["code"] == "not_found"
        assert "/api/v1/sim/clock" not in (await client.get("/openapi.json")).json()["paths"]
        headers = {**KIOSK, "X-Okno-Sim-Now": MORNING.isoformat(), "X-Okno-Sim-Token": TOKEN}
        issued = await client.post(
            "/api/v1/offices/test/tickets", json={"service": "reg"}, headers=headers
        )
        issued_at = datetime.fromisoformat(issued.json()["issued_at"])
        assert abs(issued_at - datetime.now(UTC)) < timedelta(minutes=1)  # the real clock
    container.engine.dispose()
