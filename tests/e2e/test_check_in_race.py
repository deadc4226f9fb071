"""One booking code checked in by many kiosks at once on real servers: exactly one ticket.

On SQLite (one process) and on PostgreSQL (two processes sharing the database). The figures
(outcomes, answer times) are logged for the report.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from queue_server.storage import tables as t
from queue_server.storage.db import make_engine, sqlite_url
from tests.helpers.bookings import add_booking
from tests.helpers.office import KIOSK_TOKEN
from tests.helpers.postgres import fresh_database
from tests.helpers.server_process import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

log = logging.getLogger("okno.tests.e2e")

RACERS = 20
TIMEOUT = 30.0
PATH = "/api/v1/offices/test/check-in"
CODE = "ACDE7K3P"


def _book(url: str) -> None:
    """A booking for now (the live test office is about noon: the same service day)."""
    engine = make_engine(url)
    add_booking(engine, "test", CODE, datetime.now(UTC).replace(microsecond=0))
    engine.dispose()


def _tickets(url: str) -> list[tuple[str, int | None]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(t.tickets.c.ticket_class, t.tickets.c.booking)).all()
        status = conn.execute(
            select(t.bookings.c.status, func.count()).group_by(t.bookings.c.status)
        ).all()
    engine.dispose()
    assert [tuple(r) for r in status] == [("checked_in", 1)]
    return [(r.ticket_class, r.booking) for r in rows]


def _race(urls: list[str]) -> tuple[Counter[str], list[float]]:
    """RACERS threads (spread over `urls`) check the same code in at once."""
    headers = {"Authorization": f"Bearer {KIOSK_TOKEN}"}
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
            response = http.post(PATH, json={"code": CODE.lower()}, headers=headers)
            done = time.monotonic()
            outcome = "issued" if response.status_code == 201 else response.json().get("code")
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


def _check(outcomes: Counter[str], db_url: str, where: str, answers: list[float]) -> None:
    log.info(
        "check-in race on %s: %d kiosks -> %s; answers after %.0f ms (first), %.0f ms "
        "(median), %.0f ms (last)",
        where,
        RACERS,
        dict(outcomes),
        answers[0] * 1000,
        answers[len(answers) // 2] * 1000,
        answers[-1] * 1000,
    )
    assert outcomes == Counter({"201 issued": 1, "409 booking_used": RACERS - 1})
    ((ticket_class, booking),) = _tickets(db_url)
    assert ticket_class == "appointment" and booking is not None


def test_one_code_checked_in_by_twenty_kiosks_at_once_on_sqlite(
    tmp_path: Path, office_db: Path
) -> None:
    """SQLite, one server: 20 simultaneous check-ins of one code give one ticket, 19 refusals."""
    db = tmp_path / "okno.db"
    db.write_bytes(office_db.read_bytes())
    _book(sqlite_url(db))
    with ServerProcess(tmp_path, db=db) as server:
        outcomes, answers = _race([server.url])
    _check(outcomes, sqlite_url(db), "SQLite (1 process)", answers)


@pytest.fixture
def pg_pair(tmp_path: Path) -> Iterator[tuple[str, ServerProcess, ServerProcess]]:
    """Two server processes on a fresh PostgreSQL database with the test office."""
    with fresh_database() as url:
        first = ServerProcess(tmp_path / "a", db=url)
        second = ServerProcess(tmp_path / "b", db=url)
        first.workdir.mkdir()
        second.workdir.mkdir()
        first.apply_test_office()
        yield url, first, second


@pytest.mark.postgres
def test_one_code_checked_in_at_once_on_postgres_across_two_processes(
    pg_pair: tuple[str, ServerProcess, ServerProcess],
) -> None:
    """PostgreSQL, two processes, 10 kiosks each: one ticket, 19 booking_used."""
    url, first, second = pg_pair
    _book(url)
    with first, second:
        outcomes, answers = _race([first.url, second.url])
    _check(outcomes, url, "PostgreSQL (2 processes)", answers)
