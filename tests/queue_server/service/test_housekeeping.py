"""Scheduled housekeeping: each round closes yesterday for every office and publishes it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from queue_server.api.events import encode_row
from queue_server.bootstrap import Container
from queue_server.service import commands as c
from queue_server.service.housekeeping import HOUSEKEEPING_SECONDS, housekeep_forever
from queue_server.service.hub import EventHub, Subscriber
from queue_server.settings import ServerSettings
from queue_server.storage.db import sqlite_url
from tests.helpers.office import OFFICE, Office, make_office

pytestmark = pytest.mark.asyncio


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    office = make_office(tmp_path / "okno.db")
    yield office
    office.engine.dispose()


def _container(office: Office, tmp_path: Path, queries: Any = None) -> Container:
    """The server's container on `office`, its hub standing where the office's log stands."""
    settings = ServerSettings(
        database_url=sqlite_url(tmp_path / "okno.db"), public_url="http://okno.test"
    )
    hub = EventHub(encode_row)
    hub.known_seq(OFFICE, office.queries.seq(OFFICE))
    return Container(
        settings, office.engine, office.service, queries or office.queries, office.auth, hub
    )


def _types(subscriber: Subscriber) -> list[str]:
    found = []
    while not subscriber.queue.empty():
        item = subscriber.queue.get_nowait()
        assert item is not None
        found.append(item[2]["type"])
    return found


class Rounds:
    """An injected sleep: lets `count` rounds run, then stops the loop."""

    def __init__(self, count: int) -> None:
        self.left = count
        self.intervals: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.intervals.append(seconds)
        if self.left == 0:
            raise asyncio.CancelledError
        self.left -= 1


@dataclass
class FlakyQueries:
    """The real queries, except that listing the offices fails the first `failures` times."""

    real: Any
    failures: int

    def office_seqs(self) -> list[tuple[str, int]]:
        if self.failures:
            self.failures -= 1
            raise OSError("database unavailable")
        result: list[tuple[str, int]] = self.real.office_seqs()
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def _yesterdays_ticket(office: Office) -> None:
    """A ticket issued yesterday and still waiting this morning."""
    office.service.execute(c.IssueTicket(OFFICE, "reg"))
    office.clock.advance(minutes=24 * 60)


async def test_a_round_closes_yesterday_and_publishes_day_reset(
    office: Office, tmp_path: Path
) -> None:
    """After the interval, yesterday's waiting ticket is cancelled and day.reset reaches the
    office's subscribers; the loop waits a minute between rounds."""
    _yesterdays_ticket(office)
    container = _container(office, tmp_path)
    subscriber = container.hub.subscribe(OFFICE)
    rounds = Rounds(1)
    with pytest.raises(asyncio.CancelledError):
        await housekeep_forever(container, sleep=rounds)
    assert rounds.intervals == [HOUSEKEEPING_SECONDS, HOUSEKEEPING_SECONDS]
    assert "day.reset" in _types(subscriber)
    assert office.queries.queue(OFFICE).waiting == []


async def test_a_failing_round_does_not_end_housekeeping(office: Office, tmp_path: Path) -> None:
    """When the offices cannot be listed (the database is away), that round is skipped and the
    next one does the work: the schedule never dies with one error."""
    _yesterdays_ticket(office)
    container = _container(office, tmp_path, FlakyQueries(office.queries, failures=1))
    subscriber = container.hub.subscribe(OFFICE)
    with pytest.raises(asyncio.CancelledError):
        await housekeep_forever(container, sleep=Rounds(2))
    assert _types(subscriber).count("day.reset") == 1
