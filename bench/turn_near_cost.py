"""What the turn-near check adds to a queue-changing command (issue 10, NOTICES).

In-process on SQLite (the test office, 500 tickets waiting, 5 of them checked in for bookings
with a phone and already told): issue-then-cancel pairs through `QueueService` with no notice
channel (the baseline: the check returns at once) and with the SMS gateway configured (one
indexed query of booked waiting tickets per command), in alternating blocks of the same run.
Reported: commands per second each way and the ratio; the goal is a ratio of 0.9 or more.

`python -m bench.turn_near_cost`
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from sqlalchemy import update

from bench._common import Figure, print_figures
from queue_server.notify.channels import NoticeChannels
from queue_server.service import commands as c
from queue_server.service.bus import QueueService
from queue_server.storage import tables as t
from tests.helpers.office import OFFICE, make_office
from tests.queue_server.notify.test_outbox import add_booking

WAITING = 500
BOOKED = 5
PAIRS = 150
ROUNDS = 4


def _pairs(service: QueueService, count: int) -> float:
    """Seconds for `count` issue+cancel pairs."""
    start = time.perf_counter()
    for _ in range(count):
        ticket = service.execute(c.IssueTicket(OFFICE, "reg")).body["id"]
        service.execute(c.CancelTicket(OFFICE, ticket))
    return time.perf_counter() - start


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        office = make_office(Path(folder) / "okno.db")
        plain = QueueService(office.engine, str, office.clock)
        sms = QueueService(office.engine, str, office.clock, notices=NoticeChannels(sms=True))
        ids = [plain.execute(c.IssueTicket(OFFICE, "reg")).body["id"] for _ in range(WAITING)]
        for n, ticket in enumerate(ids[-BOOKED:]):
            booking = add_booking(office.engine, office.clock(), code=f"B{n:05d}")
            with office.engine.begin() as conn:
                conn.execute(
                    update(t.tickets).where(t.tickets.c.id == ticket).values(booking=booking.id)
                )
        _pairs(sms, 20)  # warm both caches; far from the head, no SMS is queued
        _pairs(plain, 20)
        spent = {"plain": 0.0, "sms": 0.0}
        for _ in range(ROUNDS):
            spent["plain"] += _pairs(plain, PAIRS)
            spent["sms"] += _pairs(sms, PAIRS)
        office.engine.dispose()
    commands = 2 * PAIRS * ROUNDS
    plain_rate, sms_rate = commands / spent["plain"], commands / spent["sms"]
    ratio = sms_rate / plain_rate
    return [
        Figure("commands/s, no notice channel (baseline)", plain_rate, "cmd/s", "-", None),
        Figure("commands/s, SMS configured (turn-near check)", sms_rate, "cmd/s", "-", None),
        Figure("turn-near check: rate ratio to baseline", ratio, "x", ">= 0.9", ratio >= 0.9),
    ]


def main() -> None:
    print_figures(f"turn-near cost, {WAITING} waiting, {BOOKED} booked", run())


if __name__ == "__main__":
    main()
