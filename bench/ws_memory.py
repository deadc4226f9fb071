"""Server memory per idle WebSocket connection: ΔRSS of the server process / connections.

A real `okno server` process (SQLite, test office) is warmed up (a batch of connections opened,
taken through the hello, and closed, so the thread pool, the snapshot query and the import-time
caches exist), then its VmRSS is read from /proc with no connection open. Then 1,000 and 2,000
idle connections that completed the hello (display token, `since: null`, snapshot received) are
held open and VmRSS is read again. kB per connection = ΔRSS / N.

The in-run baseline is the RSS of the idle server itself, and the ratio of the marginal cost of
the second thousand to the first (close to 1 when the cost is linear).
"""

from __future__ import annotations

import asyncio
import gc
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import uvloop

from bench._common import (
    DISPLAY_TOKEN,
    Figure,
    WsClient,
    open_ws_clients,
    print_figures,
    raise_open_files_limit,
    rss_kb,
    running_server,
    server_pid,
)

GOAL_KB = 30.0
STEPS = (1000, 2000)
WARM_UP = 100
SETTLE = 1.5  # seconds to let the server settle before reading RSS


@dataclass(frozen=True)
class Result:
    idle_kb: int
    rss_kb: dict[int, int]  # connections → RSS

    def per_connection(self, n: int) -> float:
        return (self.rss_kb[n] - self.idle_kb) / n


async def _settled_rss(pid: int) -> int:
    """The RSS once two reads SETTLE/3 apart agree within 1 % (or after SETTLE)."""
    await asyncio.sleep(SETTLE / 3)
    last = rss_kb(pid)
    deadline = time.monotonic() + SETTLE
    while time.monotonic() < deadline:
        await asyncio.sleep(SETTLE / 3)
        now = rss_kb(pid)
        if abs(now - last) <= last / 100:
            return now
        last = now
    return last


async def _measure(port: int, pid: int) -> Result:
    for _ in range(2):  # warm-up: open and close a batch, twice
        clients = await open_ws_clients(port, WARM_UP, DISPLAY_TOKEN)
        for client in clients:
            client.close()
        await asyncio.gather(*(c.closed for c in clients))
    idle = await _settled_rss(pid)
    held: list[WsClient] = []
    rss: dict[int, int] = {}
    try:
        for target in STEPS:
            held.extend(await open_ws_clients(port, target - len(held), DISPLAY_TOKEN))
            rss[target] = await _settled_rss(pid)
            lost = sum(1 for c in held if c.closed.done())
            if lost:
                raise RuntimeError(f"{lost} connections were closed by the server")
    finally:
        for client in held:
            client.close()
    return Result(idle, rss)


def measure() -> Result:
    raise_open_files_limit(max(STEPS) + 512)
    gc.collect()
    with (
        tempfile.TemporaryDirectory(prefix="okno-bench-") as tmp,
        running_server(Path(tmp)) as server,
    ):
        return uvloop.run(_measure(server.port, server_pid(server)))


def run() -> list[Figure]:
    """Measure and print; returns the headline figures."""
    print("== server memory per idle WebSocket connection", flush=True)
    result = measure()
    print(f"server RSS, warmed up, no connection: {result.idle_kb / 1024:.1f} MB")
    for n in STEPS:
        print(
            f"{n:>5} idle connections: RSS {result.rss_kb[n] / 1024:.1f} MB,"
            f" +{(result.rss_kb[n] - result.idle_kb) / 1024:.1f} MB,"
            f" {result.per_connection(n):.1f} kB per connection"
        )
    first, second = STEPS
    marginal = (result.rss_kb[second] - result.rss_kb[first]) / (second - first)
    print(
        f"marginal cost of connections {first + 1}–{second}: {marginal:.1f} kB each"
        f" (ratio to the first {first}: {marginal / result.per_connection(first):.2f})"
    )
    return [
        Figure("server RSS with no connection", result.idle_kb / 1024, "MB", "", None),
        *(
            Figure(
                f"memory per idle connection ({n})",
                result.per_connection(n),
                "kB",
                f"<= {GOAL_KB:.0f} kB",
                result.per_connection(n) <= GOAL_KB,
            )
            for n in STEPS
        ),
    ]


def main() -> None:
    print_figures("WebSocket memory", run())


if __name__ == "__main__":
    main()
