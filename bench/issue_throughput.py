"""Tickets issued per second through HTTP, against a raw SQLite baseline measured in the same run.

The HTTP side is a real `okno server` process over a SQLite file (WAL, synchronous=FULL) with the
test office and its three operators signed in (so the wait estimate replays a real queue). N
keep-alive connections (1, 8, 32) of a lean raw-HTTP client POST
`/api/v1/offices/test/tickets` with the kiosk token, alternating services `reg` and `vac`.

Issuing computes the wait estimate over every waiting ticket, so the figure depends on the queue
length: each cell starts from a given number of waiting tickets (0, 1,000, 5,000). The waiting
tickets are cloned with plain SQL while the server is idle (issuing 5,000 through the server
would take minutes for the very reason measured here), and the tickets a cell added are marked
cancelled before the next cell, so every cell starts from the same queue.

WARM-UP: those SQL edits are made behind the server's back (each with an event, so it notices),
and the first command after one reads the whole queue from the database again and replays it: at
5,000 waiting that takes ~130 ms, which a live server pays once at start and never in a day. So
each cell issues one untimed ticket first, and times the steady state after it.

The baseline is the essential write done with the stdlib `sqlite3` module: one transaction per
ticket (BEGIN IMMEDIATE, update a counter, insert a ticket row, COMMIT), WAL + synchronous=FULL.
The server's and the load generator's CPU use are reported so one can tell which side saturates.

Call-next latency: at 0 and 5,000 waiting (plus the tickets called), alice calls the next visitor,
starts and finishes, `CALL_CYCLES` times; only the call-next answer is timed (p50 / p99), and it
is printed beside the raw sqlite3 transaction's own time from the same run.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvloop

from bench._common import (
    KIOSK_TOKEN,
    OFFICE,
    Figure,
    HttpConnection,
    cpu_seconds,
    login,
    percentile,
    print_figures,
    running_server,
    server_pid,
)

GOAL = 1500.0  # tickets/s at 0 waiting
FLAT_GOAL = 0.7  # the rate at 5,000 waiting over the rate at 0 waiting
CALL_P99_GOAL = 20.0  # ms, call-next at 5,000 waiting
QUEUE_SIZES = (0, 1000, 5000)
CALL_QUEUES = (0, 5000)
CALL_CYCLES = 200
CONCURRENCY = (1, 8, 32)
CELL_TICKETS = 1000  # at most this many tickets per cell (the queue grows by as many)…
CELL_SECONDS = 3.0  # …or this long, whichever comes first
RAW_COUNT = 3000
RAW_SECONDS = 5.0
ISSUE_PATH = f"/api/v1/offices/{OFFICE}/tickets"


@dataclass(frozen=True)
class Cell:
    queue: int
    clients: int
    client: str
    tickets: int
    seconds: float
    server_cpu: float  # fraction of one core
    client_cpu: float
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.tickets / self.seconds if self.seconds else 0.0


# -- the baseline -------------------------------------------------------------------------------


def raw_sqlite_rate(workdir: Path) -> float:
    """Ticket transactions per second with the bare stdlib sqlite3 driver (WAL, FULL)."""
    db = sqlite3.connect(workdir / "raw.db", isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE counters (prefix TEXT PRIMARY KEY, last INTEGER NOT NULL)")
        db.execute(
            "CREATE TABLE tickets (id INTEGER PRIMARY KEY, office TEXT, number TEXT, day TEXT,"
            " service TEXT, status TEXT, issued_at TEXT, public_token TEXT UNIQUE)"
        )
        db.execute("CREATE INDEX ix_status ON tickets (office, status)")
        db.execute("INSERT INTO counters VALUES ('A', 0)")
        start = time.perf_counter()
        done = 0
        while done < RAW_COUNT and time.perf_counter() - start < RAW_SECONDS:
            db.execute("BEGIN IMMEDIATE")
            (last,) = db.execute(
                "UPDATE counters SET last = last + 1 WHERE prefix = 'A' RETURNING last"
            ).fetchone()
            db.execute(
                "INSERT INTO tickets (office, number, day, service, status, issued_at,"
                " public_token) VALUES ('test', ?, '2026-03-10', 'reg', 'waiting', ?, ?)",
                (f"A{last:03d}", time.time(), f"tok-{last}"),
            )
            db.execute("COMMIT")
            done += 1
        return done / (time.perf_counter() - start)
    finally:
        db.close()


# -- the queue ----------------------------------------------------------------------------------


_CLONE = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO tickets (office, number, day, service, ticket_class, status, issued_at, due_at,
                     not_before, slot_at, target_operator, target_workplace, operator, workplace,
                     called_at, started_at, calls, lang, public_token, issued_service)
SELECT t.office, t.number, t.day, t.service, t.ticket_class, 'waiting', t.issued_at, t.due_at,
       t.not_before, t.slot_at, t.target_operator, t.target_workplace, t.operator, t.workplace,
       t.called_at, t.started_at, t.calls, t.lang, 'bench-' || :mark || '-' || n.i,
       t.issued_service
FROM n JOIN tickets t ON t.id = CASE WHEN n.i % 2 = 0 THEN :a ELSE :b END
"""


def _db(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    db.execute("PRAGMA busy_timeout=30000")
    return db


def announce_change(db: sqlite3.Connection) -> None:
    """Append an event for the SQL change, inside the caller's transaction.

    Every change to an office appends an event: that is how a server learns that what it keeps in
    memory of the office is stale (queue_server/storage/cache.py). A change made behind its back
    without one would be invisible to it until its next restart.
    """
    db.execute(
        "INSERT INTO events (office, seq, type, at, data) SELECT id, seq + 1, 'queue.changed', "
        "strftime('%Y-%m-%d %H:%M:%f', 'now'), '{\"services\": []}' FROM offices WHERE id = ?",
        (OFFICE,),
    )
    db.execute("UPDATE offices SET seq = seq + 1 WHERE id = ?", (OFFICE,))


def waiting_count(path: Path) -> int:
    db = _db(path)
    try:
        (count,) = db.execute(
            "SELECT count(*) FROM tickets WHERE office = ? AND status = 'waiting'", (OFFICE,)
        ).fetchone()
        return int(count)
    finally:
        db.close()


def fill_queue(path: Path, seeds: tuple[int, int], target: int) -> int:
    """Clone seed tickets until `target` wait (server idle); returns the highest ticket id."""
    db = _db(path)
    try:
        db.execute("BEGIN IMMEDIATE")
        (count,) = db.execute(
            "SELECT count(*) FROM tickets WHERE office = ? AND status = 'waiting'", (OFFICE,)
        ).fetchone()
        if target > count:
            db.execute(
                _CLONE,
                {"count": target - count, "a": seeds[0], "b": seeds[1], "mark": time.time_ns()},
            )
        announce_change(db)
        (top,) = db.execute("SELECT max(id) FROM tickets").fetchone()
        db.execute("COMMIT")
        return int(top)
    finally:
        db.close()


def trim_queue(path: Path, top: int) -> None:
    """Mark the tickets issued after `top` cancelled: the next cell starts from the same queue."""
    db = _db(path)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "UPDATE tickets SET status = 'cancelled' WHERE id > ? AND status = 'waiting'", (top,)
        )
        announce_change(db)
        db.execute("COMMIT")
    finally:
        db.close()


@dataclass(frozen=True)
class CallCell:
    queue: int
    calls: int
    p50_ms: float
    p99_ms: float
    server_cpu: float


async def _calls(port: int, pid: int, queue: int) -> CallCell:
    """alice: call-next (timed), start, finish, `CALL_CYCLES` times."""
    http = await HttpConnection.open(port)
    try:
        token = await login(http, "alice")
        call = HttpConnection.build("POST", "/api/v1/desk/call-next", None, token)
        start = HttpConnection.build("POST", "/api/v1/desk/start", None, token)
        finish = HttpConnection.build("POST", "/api/v1/desk/finish", {}, token)
        latencies: list[float] = []
        busy = 0.0
        for _ in range(CALL_CYCLES):
            cpu0 = cpu_seconds(pid)
            t0 = time.perf_counter()
            status, raw = await http.send(call)
            latencies.append(time.perf_counter() - t0)
            busy += cpu_seconds(pid) - cpu0
            if status != 200:
                raise RuntimeError(f"call-next: {status} {raw[:300]!r}")
            for request in (start, finish):
                status, raw = await http.send(request)
                if status != 200:
                    raise RuntimeError(f"desk: {status} {raw[:300]!r}")
        return CallCell(
            queue=queue,
            calls=len(latencies),
            p50_ms=percentile(latencies, 50) * 1000,
            p99_ms=percentile(latencies, 99) * 1000,
            server_cpu=busy / sum(latencies) if latencies else 0.0,
        )
    finally:
        await http.close()


# -- the load -----------------------------------------------------------------------------------


async def _load(port: int, clients: int, pid: int, queue: int) -> Cell:
    conns = [await HttpConnection.open(port) for _ in range(clients)]
    requests = [
        HttpConnection.build("POST", ISSUE_PATH, {"service": s}, KIOSK_TOKEN)
        for s in ("reg", "vac")
    ]
    latencies: list[float] = []
    issued = 0
    started = 0
    deadline = 0.0

    async def worker(conn: HttpConnection, offset: int) -> None:
        nonlocal issued, started
        k = offset
        while started < CELL_TICKETS and time.perf_counter() < deadline:
            started += 1
            k += 1
            t0 = time.perf_counter()
            status, body = await conn.send(requests[k % 2])
            latencies.append(time.perf_counter() - t0)
            if status != 201:
                raise RuntimeError(f"issue: {status} {body[:300]!r}")
            issued += 1

    try:
        status, body = await conns[0].send(requests[0])  # untimed: see WARM-UP
        if status != 201:
            raise RuntimeError(f"issue: {status} {body[:300]!r}")
        cpu0, own0, t0 = cpu_seconds(pid), time.process_time(), time.perf_counter()
        deadline = t0 + CELL_SECONDS
        await asyncio.gather(*(worker(c, i) for i, c in enumerate(conns)))
        wall = time.perf_counter() - t0
        cpu1, own1 = cpu_seconds(pid), time.process_time()
    finally:
        for conn in conns:
            await conn.close()
    return Cell(
        queue=queue,
        clients=clients,
        client="raw",
        tickets=issued,
        seconds=wall,
        server_cpu=(cpu1 - cpu0) / wall,
        client_cpu=(own1 - own0) / wall,
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
    )


async def _load_httpx(url: str, clients: int, pid: int, queue: int) -> Cell:
    """The same load through httpx.AsyncClient, to show what a heavier client costs."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {KIOSK_TOKEN}"}
    latencies: list[float] = []
    issued = 0
    started = 0
    async with httpx.AsyncClient(base_url=url, limits=limits, headers=headers) as client:
        await client.get("/api/v1/health")
        warm = await client.post(ISSUE_PATH, json={"service": "reg"})  # untimed: see WARM-UP
        if warm.status_code != 201:
            raise RuntimeError(f"issue: {warm.status_code} {warm.text[:300]}")
        cpu0, own0, t0 = cpu_seconds(pid), time.process_time(), time.perf_counter()
        deadline = t0 + CELL_SECONDS

        async def worker(offset: int) -> None:
            nonlocal issued, started
            k = offset
            while started < CELL_TICKETS and time.perf_counter() < deadline:
                started += 1
                k += 1
                s0 = time.perf_counter()
                response = await client.post(ISSUE_PATH, json={"service": ("reg", "vac")[k % 2]})
                latencies.append(time.perf_counter() - s0)
                if response.status_code != 201:
                    raise RuntimeError(f"issue: {response.status_code} {response.text[:300]}")
                issued += 1

        await asyncio.gather(*(worker(i) for i in range(clients)))
        wall = time.perf_counter() - t0
        cpu1, own1 = cpu_seconds(pid), time.process_time()
    return Cell(
        queue,
        clients,
        "httpx",
        issued,
        wall,
        (cpu1 - cpu0) / wall,
        (own1 - own0) / wall,
        percentile(latencies, 50) * 1000,
        percentile(latencies, 99) * 1000,
    )


async def _seed(port: int) -> tuple[int, int]:
    """Sign the three operators in and issue one `reg` and one `vac` ticket to clone."""
    http = await HttpConnection.open(port)
    try:
        for operator in ("alice", "bob", "carol"):
            await login(http, operator)
        ids = []
        for service in ("reg", "vac"):
            status, body = await http.request("POST", ISSUE_PATH, {"service": service}, KIOSK_TOKEN)
            if status != 201:
                raise RuntimeError(f"issue: {status} {body}")
            ids.append(int(body["id"]))
        return ids[0], ids[1]
    finally:
        await http.close()


def measure() -> tuple[float, list[Cell], list[CallCell]]:
    cells: list[Cell] = []
    calls: list[CallCell] = []
    with tempfile.TemporaryDirectory(prefix="okno-bench-") as tmp:
        workdir = Path(tmp)
        raw = raw_sqlite_rate(workdir)
        print(f"raw sqlite3 ticket transaction (WAL, FULL): {raw:,.0f}/s")
        with running_server(workdir) as server:
            pid = server_pid(server)
            seeds = uvloop.run(_seed(server.port))
            db = server.db
            for queue in QUEUE_SIZES:
                trim_queue(db, 0)  # cancel every waiting ticket, then clone `queue`
                top = fill_queue(db, seeds, queue)
                for clients in CONCURRENCY:
                    cell = uvloop.run(_load(server.port, clients, pid, waiting_count(db)))
                    trim_queue(db, top)
                    cells.append(cell)
                    _print_cell(cell, raw)
                if queue == 0:
                    cell = uvloop.run(_load_httpx(server.url, 8, pid, waiting_count(db)))
                    trim_queue(db, top)
                    cells.append(cell)
                    _print_cell(cell, raw)
            for queue in CALL_QUEUES:
                trim_queue(db, 0)
                fill_queue(db, seeds, queue + CALL_CYCLES)
                call_cell = uvloop.run(_calls(server.port, pid, queue))
                calls.append(call_cell)
                print(
                    f"call-next at {queue:>4}(+{CALL_CYCLES}) waiting:"
                    f" p50 {call_cell.p50_ms:6.2f} ms"
                    f"  p99 {call_cell.p99_ms:6.2f} ms  raw sqlite3 tx {1000 / raw:5.2f} ms"
                    f"  p50/raw {call_cell.p50_ms * raw / 1000:5.1f}",
                    flush=True,
                )
    return raw, cells, calls


def _print_cell(cell: Cell, raw: float) -> None:
    print(
        f"queue {cell.queue:>4}→{cell.queue + cell.tickets:<4}"
        f" clients {cell.clients:>2} ({cell.client:<5})"
        f"  {cell.rate:7.1f} tickets/s  HTTP/raw {cell.rate / raw:6.3f}"
        f"  p50 {cell.p50_ms:7.1f} ms  p99 {cell.p99_ms:7.1f} ms"
        f"  server CPU {cell.server_cpu:4.0%}  client CPU {cell.client_cpu:4.0%}"
        f"  ({cell.tickets} in {cell.seconds:.1f} s)",
        flush=True,
    )


def run() -> list[Figure]:
    """Measure and print; returns the headline figures."""
    print("== issue throughput (POST /offices/test/tickets, SQLite WAL + FULL)", flush=True)
    raw, cells, calls = measure()
    figures = [Figure("raw sqlite3 ticket transactions", raw, "tx/s", "", None)]
    best: dict[int, Cell] = {}
    for queue in QUEUE_SIZES:
        best[queue] = max(
            (c for c in cells if c.queue == queue and c.client == "raw"), key=lambda c: c.rate
        )
        cell = best[queue]
        figures.append(
            Figure(
                f"tickets/s at {queue} waiting ({cell.clients} clients)",
                cell.rate,
                "tickets/s",
                f">= {GOAL:,.0f}" if queue == 0 else "",
                cell.rate >= GOAL if queue == 0 else None,
            )
        )
        figures.append(Figure(f"  ratio to raw sqlite3 at {queue}", cell.rate / raw, "", "", None))
    flat = best[QUEUE_SIZES[-1]].rate / best[0].rate if best[0].rate else 0.0
    figures.append(
        Figure(
            f"ratio tickets/s {QUEUE_SIZES[-1]} / 0 waiting",
            flat,
            "",
            f">= {FLAT_GOAL}",
            flat >= FLAT_GOAL,
        )
    )
    for call in calls:
        last = call.queue == CALL_QUEUES[-1]
        figures.append(
            Figure(f"call-next p50 at {call.queue} waiting", call.p50_ms, "ms", "", None)
        )
        figures.append(
            Figure(
                f"call-next p99 at {call.queue} waiting",
                call.p99_ms,
                "ms",
                f"<= {CALL_P99_GOAL:.0f}" if last else "",
                call.p99_ms <= CALL_P99_GOAL if last else None,
            )
        )
    return figures


def main() -> None:
    print_figures("issue throughput", run())


if __name__ == "__main__":
    main()
