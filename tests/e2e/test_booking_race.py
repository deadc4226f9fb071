"""50 concurrent bookings of a slot's last free place on real servers: exactly one succeeds.

On SQLite (one process) and on PostgreSQL (two processes sharing the database, requests split
between them). The figures (successes, refusals, wall time) are logged for the report.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from queue_server.service.bookings import add_api_client
from queue_server.storage import tables as t
from queue_server.storage.db import make_engine, sqlite_url
from tests.helpers.bookable import enable_booking
from tests.helpers.postgres import fresh_database
from tests.helpers.server_process import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

log = logging.getLogger("okno.tests.e2e")

RACERS = 50
CAPACITY = 3
TIMEOUT = 30.0
PATH = "/api/v1/offices/test/booking/bookings"


@pytest.fixture(autouse=True)
def _room_for_the_burst(monkeypatch: pytest.MonkeyPatch) -> None:
    """All racers come from 127.0.0.1: the public rate limit must not be what refuses them."""
    monkeypatch.setenv("OKNO_PUBLIC_RATE_BURST", "1000")


def _prepare(url: str) -> tuple[str, datetime]:
    """Booking on `reg` every day around the clock (30-min slots of CAPACITY places, no lead
    time), an API client; returns its token and a slot two days ahead (a whole UTC hour, so a
    slot start in any whole-hour zone)."""
    engine = make_engine(url)
    enable_booking(
        engine,
        schedule={"mon-sun": "00:00-23:30"},
        capacity=CAPACITY,
        lead_minutes=0,
        horizon_days=7,
        daily_limit=None,
        holidays=[],
    )
    _id, token = add_api_client(engine, "test", "Портал")
    engine.dispose()
    slot = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    return token, slot


def _live_bookings(url: str, slot: datetime) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = conn.execute(
            select(func.count())
            .select_from(t.bookings)
            .where(t.bookings.c.slot_at == slot, t.bookings.c.status == "booked")
        ).scalar_one()
    engine.dispose()
    return int(count)


def _race(urls: list[str], token: str, slot: datetime) -> tuple[Counter[str], list[float]]:
    """RACERS threads (spread over `urls`) post the same booking at once; the outcomes, and
    the seconds from the start to each answer."""
    headers = {"Authorization": f"Bearer {token}"}
    body = {"service": "reg", "slot_at": slot.isoformat(), "lang": "en"}
    go = threading.Barrier(RACERS)
    outcomes: list[str] = []
    answered: list[float] = []
    guard = threading.Lock()
    start: list[float] = []

    def racer(index: int) -> None:
        with httpx.Client(base_url=urls[index % len(urls)], timeout=TIMEOUT) as http:
            http.get("/api/v1/health")  # the connection is open before the start
            if go.wait(TIMEOUT) == 0:
                start.append(time.monotonic())
            response = http.post(PATH, json=body, headers=headers)
            done = time.monotonic()
            outcome = "booked" if response.status_code == 201 else response.json().get("code")
            with guard:
                outcomes.append(f"{response.status_code} {outcome}")
                answered.append(done)

    threads = [threading.Thread(target=racer, args=(i,), daemon=True) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a racer did not finish"
    return Counter(outcomes), sorted(t - start[0] for t in answered)


def _fill_but_one(url: str, token: str, slot: datetime) -> None:
    with httpx.Client(base_url=url, timeout=TIMEOUT) as http:
        for _ in range(CAPACITY - 1):
            response = http.post(
                PATH,
                json={"service": "reg", "slot_at": slot.isoformat()},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 201, response.text


def _check(
    outcomes: Counter[str], db_url: str, slot: datetime, where: str, answers: list[float]
) -> None:
    log.info(
        "last place race on %s: %d racers -> %s; answers after %.0f ms (first), %.0f ms "
        "(median), %.0f ms (last)",
        where,
        RACERS,
        dict(outcomes),
        answers[0] * 1000,
        answers[len(answers) // 2] * 1000,
        answers[-1] * 1000,
    )
    assert outcomes == Counter({"201 booked": 1, "409 slot_full": RACERS - 1})
    assert _live_bookings(db_url, slot) == CAPACITY


def test_fifty_racers_for_the_last_place_on_sqlite(tmp_path: Path, office_db: Path) -> None:
    """SQLite, one server: of 50 simultaneous bookings of the last place one wins, 49 slot_full."""
    db = tmp_path / "okno.db"
    db.write_bytes(office_db.read_bytes())
    token, slot = _prepare(sqlite_url(db))
    with ServerProcess(tmp_path, db=db) as server:
        _fill_but_one(server.url, token, slot)
        outcomes, answers = _race([server.url], token, slot)
    _check(outcomes, sqlite_url(db), slot, "SQLite (1 process)", answers)


@pytest.fixture
def pg_cluster(tmp_path: Path) -> Iterator[tuple[str, ServerProcess, ServerProcess]]:
    """Two server processes on a fresh PostgreSQL database with the test office."""
    with fresh_database() as url:
        first = ServerProcess(tmp_path / "a", db=url)
        second = ServerProcess(tmp_path / "b", db=url)
        first.workdir.mkdir()
        second.workdir.mkdir()
        first.apply_test_office()
        yield url, first, second


@pytest.mark.postgres
def test_fifty_racers_for_the_last_place_on_postgres_across_two_processes(
    pg_cluster: tuple[str, ServerProcess, ServerProcess],
) -> None:
    """PostgreSQL, two processes, 25 racers each: one booking wins, 49 slot_full, never 4 live."""
    url, first, second = pg_cluster
    token, slot = _prepare(url)
    with first, second:
        _fill_but_one(first.url, token, slot)
        outcomes, answers = _race([first.url, second.url], token, slot)
    _check(outcomes, url, slot, "PostgreSQL (2 processes)", answers)
