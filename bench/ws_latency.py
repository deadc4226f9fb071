"""Call → WebSocket event latency with 1,000 connected clients, against the HTTP response time.

A real `okno server` process (SQLite, test office) gets 1,000 WebSocket clients (hello with the
display token and `since: null`, so each first gets a snapshot), spread over two client processes
running a raw WebSocket protocol on uvloop that timestamps each chunk first thing on arrival.
Operator alice signs in, tickets are issued, then for each cycle the benchmark POSTs
`/desk/call-next` (then `/desk/start` and `/desk/finish`), pausing between cycles. For every
(client, call) pair the latency is the time from sending the call-next request to that client
receiving the `ticket.called` event of that ticket (one CLOCK_MONOTONIC across processes).

The in-run baseline is the latency of the call-next HTTP response itself; the ratio p99 / HTTP p50
tells how much the fan-out adds on top of the command.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import uvloop

from bench._common import (
    DISPLAY_TOKEN,
    KIOSK_TOKEN,
    OFFICE,
    Figure,
    HttpConnection,
    cpu_seconds,
    login,
    mean,
    open_ws_clients,
    percentile,
    print_figures,
    raise_open_files_limit,
    running_server,
    server_pid,
)

GOAL_P99_MS = 50.0
CLIENTS = 1000
CLIENT_PROCESSES = 2
CALLS = 50
PAUSE = 0.2  # seconds between cycles, so that one call's fan-out ends before the next
CONNECT_SECONDS = 60.0
CALLED = b'"ticket.called"'


@dataclass(frozen=True)
class Result:
    clients: int
    calls: int
    latencies_ms: list[float]
    http_ms: list[float]
    missing: int
    server_cpu: float
    connect_seconds: float
    after_response_ms: list[float]  # event arrival minus the HTTP response's arrival
    last_client_ms: list[float]  # per call: the latency of the last client to get it

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies_ms, 99)


# -- a client process ---------------------------------------------------------------------------


def _client_process(port: int, count: int, pipe: Connection) -> None:
    """Open `count` clients, say "ready", record `ticket.called` arrivals until told to stop."""
    raise_open_files_limit(count + 256)
    uvloop.run(_clients(port, count, pipe))


async def _clients(port: int, count: int, pipe: Connection) -> None:
    arrivals: list[list[tuple[float, bytes]]] = [[] for _ in range(count)]

    def recorder(index: int) -> object:
        sink = arrivals[index]

        def on_text(t: float, payload: bytes) -> None:
            if CALLED in payload:
                sink.append((t, payload))

        return on_text

    try:
        clients = await open_ws_clients(
            port,
            count,
            DISPLAY_TOKEN,
            recorder,
            limit_s=CONNECT_SECONDS,  # type: ignore[arg-type]
        )
    except Exception as exc:  # report to the parent instead of hanging it
        pipe.send(("error", repr(exc)))
        return
    pipe.send(("ready", len(clients)))
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, pipe.recv)  # "stop"
    closed = sum(1 for c in clients if c.closed.done())
    for client in clients:
        client.close()
    per_client: list[dict[int, float]] = []
    for sink in arrivals:
        seen: dict[int, float] = {}
        for t, payload in sink:
            event = json.loads(payload)
            if event.get("type") == "ticket.called":
                seen.setdefault(int(event["data"]["id"]), t)
        per_client.append(seen)
    pipe.send(("done", per_client, closed))


# -- the run ------------------------------------------------------------------------------------


async def _drive(port: int, calls: int) -> tuple[list[tuple[int, float, float]], list[float]]:
    """Issue tickets, then call-next/start/finish `calls` times; returns (ticket, t_sent), HTTP."""
    http = await HttpConnection.open(port)
    try:
        token = await login(http, "alice")
        for _ in range(calls):
            status, body = await http.request(
                "POST", f"/api/v1/offices/{OFFICE}/tickets", {"service": "reg"}, KIOSK_TOKEN
            )
            if status != 201:
                raise RuntimeError(f"issue: {status} {body}")
        await asyncio.sleep(1.0)  # let the issue events fan out
        call = HttpConnection.build("POST", "/api/v1/desk/call-next", None, token)
        start = HttpConnection.build("POST", "/api/v1/desk/start", None, token)
        finish = HttpConnection.build("POST", "/api/v1/desk/finish", {}, token)
        sent: list[tuple[int, float, float]] = []
        http_ms: list[float] = []
        for _ in range(calls):
            t0 = time.monotonic()
            status, raw = await http.send(call)
            t1 = time.monotonic()
            if status != 200:
                raise RuntimeError(f"call-next: {status} {raw[:300]!r}")
            ticket = json.loads(raw)["ticket"]["id"]
            sent.append((int(ticket), t0, t1))
            http_ms.append((t1 - t0) * 1000)
            for request in (start, finish):
                status, raw = await http.send(request)
                if status != 200:
                    raise RuntimeError(f"desk: {status} {raw[:300]!r}")
            await asyncio.sleep(PAUSE)
        await asyncio.sleep(1.0)  # the last fan-out
        return sent, http_ms
    finally:
        await http.close()


def measure(clients: int = CLIENTS, calls: int = CALLS) -> Result:
    context = multiprocessing.get_context("spawn")
    with (
        tempfile.TemporaryDirectory(prefix="okno-bench-") as tmp,
        running_server(Path(tmp)) as server,
    ):
        pid = server_pid(server)
        shares = [clients // CLIENT_PROCESSES] * CLIENT_PROCESSES
        shares[0] += clients - sum(shares)
        pipes: list[Connection] = []
        processes: list[multiprocessing.process.BaseProcess] = []
        try:
            t0 = time.monotonic()
            for share in shares:
                parent, child = context.Pipe()
                process = context.Process(
                    target=_client_process, args=(server.port, share, child), daemon=True
                )
                process.start()
                pipes.append(parent)
                processes.append(process)
            for pipe in pipes:
                if not pipe.poll(CONNECT_SECONDS + 10):
                    raise RuntimeError("client process did not report")
                message = pipe.recv()
                if message[0] != "ready":
                    raise RuntimeError(f"client process: {message[1]}")
            connect_seconds = time.monotonic() - t0
            cpu0 = cpu_seconds(pid)
            w0 = time.monotonic()
            sent, http_ms = uvloop.run(_drive(server.port, calls))
            server_cpu = (cpu_seconds(pid) - cpu0) / (time.monotonic() - w0)
            per_client: list[dict[int, float]] = []
            closed = 0
            for pipe in pipes:
                pipe.send("stop")
            for pipe in pipes:
                if not pipe.poll(60):
                    raise RuntimeError("client process did not answer")
                _, received, lost = pipe.recv()
                per_client.extend(received)
                closed += lost
        finally:
            for process in processes:
                process.join(5)
                if process.is_alive():
                    process.kill()
                    process.join(5)
    latencies: list[float] = []
    after_response: list[float] = []
    per_call_last = [0.0] * len(sent)
    missing = 0
    for seen in per_client:
        for k, (ticket, t0, t1) in enumerate(sent):
            t = seen.get(ticket)
            if t is None:
                missing += 1
            else:
                latencies.append((t - t0) * 1000)
                after_response.append((t - t1) * 1000)
                per_call_last[k] = max(per_call_last[k], (t - t0) * 1000)
    if closed:
        print(f"warning: {closed} client connections were closed during the run")
    return Result(
        clients,
        calls,
        latencies,
        http_ms,
        missing,
        server_cpu,
        connect_seconds,
        after_response,
        per_call_last,
    )


def run() -> list[Figure]:
    """Measure and print; returns the headline figures."""
    print(f"== call → ticket.called latency, {CLIENTS} WebSocket clients", flush=True)
    result = measure()
    http50, http99 = percentile(result.http_ms, 50), percentile(result.http_ms, 99)
    print(
        f"{result.clients} clients connected (hello + snapshot) in {result.connect_seconds:.1f} s;"
        f" {result.calls} calls, {len(result.latencies_ms)} (client, call) pairs,"
        f" {result.missing} missing"
    )
    print(
        f"event latency: p50 {result.p50:.1f} ms  p99 {result.p99:.1f} ms"
        f"  max {max(result.latencies_ms, default=float('nan')):.1f} ms"
        f"  mean {mean(result.latencies_ms):.1f} ms"
    )
    print(
        f"HTTP call-next response (baseline): p50 {http50:.1f} ms  p99 {http99:.1f} ms;"
        f"  ratio event p99 / HTTP p50 = {result.p99 / http50:.1f}"
        f"; server CPU during the calls {result.server_cpu:.0%}"
    )
    fan = result.after_response_ms
    print(
        f"event after the HTTP response: p50 {percentile(fan, 50):.1f} ms"
        f"  p99 {percentile(fan, 99):.1f} ms"
    )
    print("per call, last client (ms):", " ".join(f"{v:.0f}" for v in result.last_client_ms))
    print("per call, HTTP (ms):       ", " ".join(f"{v:.0f}" for v in result.http_ms))
    return [
        Figure("HTTP call-next response p50", http50, "ms", "", None),
        Figure(f"ticket.called p50, {result.clients} clients", result.p50, "ms", "", None),
        Figure(
            f"ticket.called p99, {result.clients} clients",
            result.p99,
            "ms",
            f"<= {GOAL_P99_MS:.0f} ms",
            result.p99 <= GOAL_P99_MS and result.missing == 0,
        ),
    ]


def main() -> None:
    print_figures("WebSocket latency", run())


if __name__ == "__main__":
    main()
