"""Live status pages: a desk's call reaching 1,000 phones that follow their tickets.

A real `okno server` on SQLite holds the test office with one operator signed in and PHONES
waiting tickets; each has its status page's stream (`GET /t/{token}/events`) open on a lean
raw-HTTP client. For CALLS calls of the next ticket, the run measures:

- the desk's own call round trip (`POST /desk/call-next`): the baseline, same run;
- call -> the called phone's stream says "called" (the issue's goal: within 5 s);
- call -> the last of the other phones has its updated card (everyone moved up by one);
- server CPU in the 0.3 s after a call (the call and everything it sets off) with every phone
  following, against the same calls with no phone following (the pages' cost: one read of
  the queue and one render per followed ticket and change);
- server memory per open stream.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import cast

import uvloop

from bench._common import (
    HOST,
    KIOSK_TOKEN,
    OFFICE,
    Figure,
    HttpConnection,
    cpu_seconds,
    login,
    print_figures,
    raise_open_files_limit,
    rss_kb,
    running_server,
    server_pid,
)

PHONES = 1000
CALLS = 5
GOAL_MS = 5000.0


class SseClient(asyncio.Protocol):
    """One status page's stream: the times its `status` events arrived, and their data."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.buffer = b""
        self.events: list[tuple[float, bytes]] = []
        self.changed = asyncio.Event()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.transport.write(
            f"GET /t/{self.token}/events HTTP/1.1\r\nHost: {HOST}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.buffer += data
        *messages, self.buffer = self.buffer.split(b"\n\n")
        for message in messages:
            start = message.find(b"event: status")
            if start >= 0:
                self.events.append((now, message[start:]))
                self.changed.set()

    def since(self, t0: float) -> list[tuple[float, bytes]]:
        return [(t, m) for t, m in self.events if t >= t0]

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def _issue(port: int, count: int) -> list[str]:
    http = await HttpConnection.open(port)
    tokens = []
    try:
        for _ in range(count):
            status, body = await http.request(
                "POST", f"/api/v1/offices/{OFFICE}/tickets", {"service": "reg"}, KIOSK_TOKEN
            )
            if status != 201:
                raise RuntimeError(f"issue: {status} {body}")
            tokens.append(str(body["status_url"]).rsplit("/t/", 1)[1])
    finally:
        await http.close()
    return tokens


async def _call(http: HttpConnection, desk: str) -> float:
    """One call-next; returns its round trip."""
    t0 = time.perf_counter()
    status, body = await http.request("POST", "/api/v1/desk/call-next", None, desk)
    elapsed = time.perf_counter() - t0
    if status != 200:
        raise RuntimeError(f"call-next: {status} {body}")
    return elapsed


async def _serve(http: HttpConnection, desk: str) -> None:
    """The called visitor is served: start and finish (the desk is free for the next call)."""
    for path, body in (("/api/v1/desk/start", None), ("/api/v1/desk/finish", {})):
        status, answer = await http.request("POST", path, body, desk)
        if status != 200:
            raise RuntimeError(f"{path}: {status} {answer}")


async def measure(port: int, pid: int) -> dict[str, float]:
    loop = asyncio.get_running_loop()
    tokens = await _issue(port, PHONES + 2 * CALLS)
    http = await HttpConnection.open(port)  # after issuing: an idle keep-alive would be closed
    desk = await login(http, "alice")

    # Baseline: the same calls with nobody following.
    bare = []
    cpu_bare = 0.0
    for _ in range(CALLS):
        cpu0 = cpu_seconds(pid)
        bare.append(await _call(http, desk))
        await asyncio.sleep(0.3)
        cpu_bare += (cpu_seconds(pid) - cpu0) / CALLS
        await _serve(http, desk)
    await asyncio.sleep(0.5)

    rss0 = rss_kb(pid)
    followed = tokens[CALLS:]  # the waiting ones, in call order
    phones: list[SseClient] = []
    for token in followed[:PHONES]:
        _, phone = await loop.create_connection(lambda t=token: SseClient(t), HOST, port)
        phones.append(phone)
    try:
        async with asyncio.timeout(60):
            for phone in phones:
                while not phone.events:
                    phone.changed.clear()
                    await phone.changed.wait()
    except TimeoutError:
        silent = [p for p in phones if not p.events]
        raise RuntimeError(
            f"{len(silent)} of {len(phones)} streams silent; one got {silent[0].buffer[:300]!r}"
        ) from None
    await asyncio.sleep(1.0)
    rss_per_stream = (rss_kb(pid) - rss0) / len(phones)
    await http.close()
    http = await HttpConnection.open(port)  # a fresh one: uvicorn closes idle keep-alives

    round_trips, to_called, to_last = [], [], []
    cpu_followed = 0.0
    for index in range(CALLS):
        called = phones[index]
        others = phones[index + 1 :]
        cpu0 = cpu_seconds(pid)
        t0 = time.perf_counter()
        round_trips.append(await _call(http, desk))
        try:
            async with asyncio.timeout(30):
                while not any(b'"status": "called"' in m for _, m in called.since(t0)):
                    called.changed.clear()
                    await called.changed.wait()
                while not all(o.since(t0) for o in others):  # noqa: ASYNC110 (1,000 streams)
                    await asyncio.sleep(0.005)
        except TimeoutError:
            late = [o for o in others if not o.since(t0)]
            raise RuntimeError(
                f"call {index}: called phone events {[m[:80] for _, m in called.since(t0)]}; "
                f"{len(late)} of {len(others)} others not updated; last event of one: "
                f"{late[0].events[-1][1][:200] if late else None!r}"
            ) from None
        to_called.append(min(t for t, m in called.since(t0) if b'"status": "called"' in m) - t0)
        to_last.append(max(o.since(t0)[0][0] for o in others) - t0)
        await asyncio.sleep(max(0.0, 0.3 - (time.perf_counter() - t0)))
        cpu_followed += (cpu_seconds(pid) - cpu0) / CALLS
        await _serve(http, desk)
    for phone in phones:
        phone.close()
    await http.close()
    return {
        "bare_ms": statistics.median(bare) * 1000,
        "round_trip_ms": statistics.median(round_trips) * 1000,
        "called_ms": statistics.median(to_called) * 1000,
        "last_ms": statistics.median(to_last) * 1000,
        "last_max_ms": max(to_last) * 1000,
        "cpu_bare_ms": cpu_bare * 1000,
        "cpu_followed_ms": cpu_followed * 1000,
        "rss_kb": rss_per_stream,
    }


def run() -> list[Figure]:
    raise_open_files_limit(4 * PHONES)
    # Every phone of the benchmark comes from 127.0.0.1: lift the per-address limits (for this
    # server only: the benchmarks after this one keep theirs).
    lifted = {
        "OKNO_STATUS_STREAMS_PER_CLIENT": str(10 * PHONES),
        "OKNO_PUBLIC_RATE_PER_MINUTE": "1000000",
        "OKNO_PUBLIC_RATE_BURST": str(10 * PHONES),
    }
    saved = {name: os.environ.get(name) for name in lifted}
    os.environ.update(lifted)
    try:
        with tempfile.TemporaryDirectory() as workdir, running_server(Path(workdir)) as server:
            result = uvloop.run(measure(server.port, server_pid(server)))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    print(f"status pages followed live: {PHONES} phones, {CALLS} calls (medians)")
    print(f"  desk call round trip, nobody following: {result['bare_ms']:8.1f} ms")
    print(f"  desk call round trip, {PHONES} following:  {result['round_trip_ms']:8.1f} ms")
    print(f"  call -> called phone shows it:         {result['called_ms']:8.1f} ms")
    print(
        f"  call -> last of {PHONES - 1} phones updated:  {result['last_ms']:8.1f} ms "
        f"(worst {result['last_max_ms']:.1f} ms)"
    )
    ratio = result["cpu_followed_ms"] / max(result["cpu_bare_ms"], 1e-9)
    print(
        f"  server CPU per call: {result['cpu_bare_ms']:.1f} ms bare, "
        f"{result['cpu_followed_ms']:.1f} ms with {PHONES} following ({ratio:.1f}x)"
    )
    print(f"  server memory per open stream: {result['rss_kb']:.1f} kB")
    return [
        Figure(
            "status page: call -> called phone",
            result["called_ms"],
            "ms",
            "< 5000",
            result["called_ms"] < GOAL_MS,
        ),
        Figure(
            f"status page: call -> last of {PHONES} phones",
            result["last_ms"],
            "ms",
            "< 5000",
            result["last_ms"] < GOAL_MS,
        ),
        Figure("status page: CPU per call, followed/bare", ratio, "x", "-", None),
        Figure("status page: memory per stream", result["rss_kb"], "kB", "-", None),
    ]


def main() -> None:
    print_figures("status pages", run())


if __name__ == "__main__":
    main()
