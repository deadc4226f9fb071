"""What reads cost with 1,000 tickets waiting: `/queue`, the WebSocket snapshot, the status page.

A real `okno server` on SQLite holds the test office with three operators signed in and 1,000
waiting tickets (cloned with SQL while the server is idle, as in `issue_throughput`). Eight
keep-alive connections of a lean raw-HTTP client then read for a few seconds each:

- `GET /api/v1/health` — the baseline: a request that reads nothing;
- `GET /api/v1/offices/test/queue` (display token) — counts, estimates, waiting tickets in order;
- `GET /api/v1/public/tickets/{token}` — a ticket's status page data (people ahead, estimate);
- WebSocket connect + hello without `since` → snapshot, then close: a display reconnecting.

Each is reported in requests per second and as a ratio to the baseline measured in the same run.
Reads that replay the queue per request cost O(waiting) each; reads that reuse one replay per
office and event seq cost about what the answer's size costs.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import uvloop

from bench._common import (
    DISPLAY_TOKEN,
    OFFICE,
    Figure,
    HttpConnection,
    WsClient,
    print_figures,
    running_server,
)
from bench.issue_throughput import _db, _seed, fill_queue

WAITING = 1000
CLIENTS = 8
SECONDS = 3.0


async def _rate(
    clients: int, seconds: float, one: Callable[[int], Awaitable[None]]
) -> tuple[float, int]:
    """Calls of `one(client)` per second over `seconds`, `clients` at a time."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(index: int) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await one(index)
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(clients)))
    return done / (time.perf_counter() - start), done


async def _http_rate(port: int, path: str, token: str | None) -> float:
    conns = [await HttpConnection.open(port) for _ in range(CLIENTS)]
    request = HttpConnection.build("GET", path, None, token)
    try:

        async def one(index: int) -> None:
            status, body = await conns[index].send(request)
            if status != 200:
                raise RuntimeError(f"GET {path}: {status} {body[:200]!r}")

        rate, _ = await _rate(CLIENTS, SECONDS, one)
        return rate
    finally:
        for conn in conns:
            await conn.close()


async def _snapshot_rate(port: int) -> float:
    loop = asyncio.get_running_loop()

    async def one(_: int) -> None:
        _, client = await loop.create_connection(
            lambda: WsClient(port, DISPLAY_TOKEN, None), "127.0.0.1", port
        )
        await client.ready  # the snapshot arrived
        client.close()
        await client.closed

    rate, _ = await _rate(CLIENTS, SECONDS, one)
    return rate


def _a_waiting_token(path: Path) -> str:
    db = _db(path)
    try:
        (token,) = db.execute(
            "SELECT public_token FROM tickets WHERE office = ? AND status = 'waiting'"
            " ORDER BY id DESC LIMIT 1",
            (OFFICE,),
        ).fetchone()
        return str(token)
    finally:
        db.close()


def measure() -> dict[str, float]:
    rates: dict[str, float] = {}
    # One address asks for everything here: lift the per-address limit of the public routes.
    os.environ["OKNO_PUBLIC_RATE_PER_MINUTE"] = "100000000"
    os.environ["OKNO_PUBLIC_RATE_BURST"] = "1000000"
    with (
        tempfile.TemporaryDirectory(prefix="okno-bench-") as tmp,
        running_server(Path(tmp)) as server,
    ):
        seeds = uvloop.run(_seed(server.port))
        fill_queue(server.db, seeds, WAITING)
        token = _a_waiting_token(server.db)
        port = server.port
        rates["health"] = uvloop.run(_http_rate(port, "/api/v1/health", None))
        rates["queue"] = uvloop.run(
            _http_rate(port, f"/api/v1/offices/{OFFICE}/queue", DISPLAY_TOKEN)
        )
        rates["status"] = uvloop.run(_http_rate(port, f"/api/v1/public/tickets/{token}", None))
        rates["snapshot"] = uvloop.run(_snapshot_rate(port))
    return rates


def run() -> list[Figure]:
    """Measure and print; returns the headline figures."""
    print(f"== read cost with {WAITING} waiting ({CLIENTS} keep-alive clients)", flush=True)
    rates = measure()
    base = rates["health"]
    names = {
        "health": "GET /health (baseline)",
        "queue": f"GET /queue, {WAITING} waiting",
        "status": f"GET /public/tickets/{{token}}, {WAITING} waiting",
        "snapshot": f"WS connect + snapshot, {WAITING} waiting",
    }
    for key, rate in rates.items():
        print(f"{names[key]:<48} {rate:9.1f}/s  ratio to baseline {rate / base:6.3f}", flush=True)
    print(json.dumps({k: round(v, 1) for k, v in rates.items()}))
    return [Figure(names[k], v, "req/s", "", None) for k, v in rates.items()]


def main() -> None:
    print_figures("read cost", run())


if __name__ == "__main__":
    main()
