"""kill -9 of a real server while five kiosks issue tickets: nothing acknowledged is lost."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.e2e.api import TICKETS_PATH, TIMEOUT, bearer, client, queue
from tests.helpers.office import KIOSK_TOKEN
from tests.helpers.server_process import ServerProcess

log = logging.getLogger("okno.tests.e2e")

KIOSKS = 5
SERVICES = ("reg", "vac", "ben")
PREFIXES = {"reg": "А", "vac": "В", "ben": "Б"}
ACKED_BEFORE_KILL = 20  # wait for this many answers so the kill hits a loaded server
LOAD_SECONDS = 0.7  # and for this long
LOAD_DEADLINE = 15.0
MAX_REQUESTS = 2000  # per kiosk: a bound, never reached


@dataclass
class Request:
    key: str
    body: dict[str, Any]
    answer: dict[str, Any] | None = None


class Kiosk(threading.Thread):
    """Issues tickets in a loop, each with a fresh Idempotency-Key, until the server dies."""

    def __init__(self, url: str, index: int, stop: threading.Event) -> None:
        super().__init__(name=f"kiosk-{index}", daemon=True)
        self.url, self.index, self.stop = url, index, stop
        self.sent: list[Request] = []
        self.error: str | None = None

    def run(self) -> None:
        with client(self.url) as http:
            for n in range(MAX_REQUESTS):
                if self.stop.is_set():
                    return
                request = Request(
                    str(uuid.uuid4()), {"service": SERVICES[(self.index + n) % len(SERVICES)]}
                )
                self.sent.append(request)
                try:
                    response = http.post(
                        TICKETS_PATH,
                        json=request.body,
                        headers={**bearer(KIOSK_TOKEN), "Idempotency-Key": request.key},
                    )
                except httpx.TransportError:
                    return  # the server is gone; this request's fate is unknown
                if response.status_code != 201:
                    self.error = f"{response.status_code} {response.text}"
                    return
                request.answer = response.json()

    @property
    def acked(self) -> list[Request]:
        return [r for r in self.sent if r.answer is not None]


def issue_with_key(http: httpx.Client, request: Request) -> httpx.Response:
    return http.post(
        TICKETS_PATH,
        json=request.body,
        headers={**bearer(KIOSK_TOKEN), "Idempotency-Key": request.key},
    )


def number_value(number: str) -> int:
    return int(number[1:])


@pytest.mark.e2e
@pytest.mark.slow
def test_kill_9_under_load_loses_no_acknowledged_ticket(server: ServerProcess) -> None:
    """After kill -9 mid-load: every answered ticket is kept, numbering goes on, keys replay."""
    stop = threading.Event()
    kiosks = [Kiosk(server.url, i, stop) for i in range(KIOSKS)]
    for kiosk in kiosks:
        kiosk.start()
    started = time.monotonic()
    deadline = started + LOAD_DEADLINE
    while (
        sum(len(k.acked) for k in kiosks) < ACKED_BEFORE_KILL
        or time.monotonic() - started < LOAD_SECONDS
    ):
        assert time.monotonic() < deadline, "the kiosks got too few answers"
        assert all(k.is_alive() for k in kiosks), [k.error for k in kiosks]
        time.sleep(0.02)
    assert all(k.is_alive() for k in kiosks), "the kill would not hit a loaded server"
    server.kill()
    stop.set()
    for kiosk in kiosks:
        kiosk.join(TIMEOUT)
    assert not any(k.is_alive() for k in kiosks)
    assert [k.error for k in kiosks] == [None] * KIOSKS
    acked = [r for k in kiosks for r in k.acked]
    in_flight = [r for k in kiosks for r in k.sent if r.answer is None]
    assert len({r.answer["id"] for r in acked if r.answer}) == len(acked)

    server.start()
    with client(server.url) as http:
        # Every ticket whose answer reached a kiosk is there, with its number.
        kept = {t["id"]: t for t in queue(http)["waiting"]}
        for request in acked:
            assert request.answer is not None
            ticket = kept.get(request.answer["id"])
            assert ticket is not None, f"acknowledged ticket lost: {request.answer}"
            assert (ticket["number"], ticket["service"]) == (
                request.answer["number"],
                request.answer["service"],
            )
        # Numbers per prefix are unique and without a gap: the counter moved with each ticket.
        numbers: dict[str, list[int]] = defaultdict(list)
        for ticket in kept.values():
            assert ticket["number"][0] == PREFIXES[ticket["service"]]
            numbers[ticket["service"]].append(number_value(ticket["number"]))
        for service, values in numbers.items():
            assert sorted(values) == list(range(1, len(values) + 1)), service
        # The next ticket of each service follows the highest number kept.
        for service in SERVICES:
            response = issue_with_key(http, Request(str(uuid.uuid4()), {"service": service}))
            assert response.status_code == 201, response.text
            assert (
                response.json()["number"] == f"{PREFIXES[service]}{len(numbers[service]) + 1:03d}"
            )
            numbers[service].append(len(numbers[service]) + 1)
        # Retrying an answered request with its key gives the same ticket, not a new one.
        for request in acked:
            assert request.answer is not None
            response = issue_with_key(http, request)
            assert response.status_code == 201, response.text
            assert response.json()["id"] == request.answer["id"]
            assert response.json()["number"] == request.answer["number"]
            assert response.headers.get("Idempotent-Replayed") == "true"
        # A request cut by the kill, retried: the ticket it made before the kill, or one new one.
        for request in in_flight:
            response = issue_with_key(http, request)
            assert response.status_code == 201, response.text
            request.answer = response.json()
        waiting = queue(http)["waiting"]
    keys = len(acked) + len(in_flight) + len(SERVICES)
    assert len(waiting) == keys, "a key made two tickets, or a ticket has no key"
    assert len({t["number"] for t in waiting}) == keys
    assert len({r.answer["id"] for r in acked + in_flight if r.answer}) == len(acked) + len(
        in_flight
    )
    made_before_kill = sum(1 for r in in_flight if r.answer and r.answer["id"] in kept)
    log.info(
        "kill -9 after %d answered tickets; %d requests in flight, %d of them had committed",
        len(acked),
        len(in_flight),
        made_before_kill,
    )
