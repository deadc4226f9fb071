"""Shared pieces of the benchmarks: the server process, /proc figures and lean loopback clients.

The clients are deliberately thin (raw HTTP/1.1 keep-alive and a raw WebSocket protocol on uvloop)
so that on a 2-core machine the load generator costs the server as little CPU as possible.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import resource
import statistics
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from tests.helpers.office import DISPLAY_TOKEN, KIOSK_TOKEN, PASSWORDS, WORKPLACES
from tests.helpers.server_process import ServerProcess

HOST = "127.0.0.1"
OFFICE = "test"
__all__ = ["DISPLAY_TOKEN", "KIOSK_TOKEN", "PASSWORDS", "WORKPLACES"]


@dataclass(frozen=True)
class Figure:
    """One headline figure for the summary table."""

    name: str
    value: float
    unit: str
    goal: str
    met: bool | None  # None when the figure has no goal

    def row(self) -> str:
        met = "-" if self.met is None else ("yes" if self.met else "NO")
        return f"{self.name:<46} {self.value:>10.1f} {self.unit:<10} {self.goal:<14} {met}"


def print_figures(title: str, figures: list[Figure]) -> None:
    print(f"\n== {title}")
    print(f"{'figure':<46} {'value':>10} {'unit':<10} {'goal':<14} met")
    for figure in figures:
        print(figure.row())


@contextmanager
def running_server(workdir: Path) -> Iterator[ServerProcess]:
    """A started `okno server` with the test office; stopped (killed if need be) on exit."""
    server = ServerProcess(workdir)
    server.apply_test_office()
    try:
        server.start()
        yield server
    finally:
        server.stop()
        server.kill()


def server_pid(server: ServerProcess) -> int:
    assert server.process is not None
    return server.process.pid


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def rss_kb(pid: int) -> int:
    """VmRSS of process `pid` in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def raise_open_files_limit(wanted: int) -> int:
    """Raise the soft RLIMIT_NOFILE towards `wanted` (up to the hard limit); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        soft = min(wanted, hard) if hard != resource.RLIM_INFINITY else wanted
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return soft


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by the nearest-rank method."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


# -- a raw HTTP/1.1 keep-alive client ----------------------------------------------------------


class HttpConnection:
    """One keep-alive HTTP/1.1 connection; requests are sent one at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> HttpConnection:
        reader, writer = await asyncio.open_connection(HOST, port)
        return cls(reader, writer)

    @staticmethod
    def build(method: str, path: str, body: Any = None, token: str | None = None) -> bytes:
        payload = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", f"Content-Length: {len(payload)}"]
        if body is not None:
            lines.append("Content-Type: application/json")
        if token is not None:
            lines.append(f"Authorization: Bearer {token}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """Send a built request; returns (status, body)."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        body = await self.reader.readexactly(length) if length else b""
        return status, body

    async def request(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, Any]:
        status, raw = await self.send(self.build(method, path, body, token))
        return status, json.loads(raw) if raw else None

    async def close(self) -> None:
        self.writer.close()
        with suppress(ConnectionError, OSError):
            await self.writer.wait_closed()


async def login(http: HttpConnection, operator: str) -> str:
    """Log `operator` of the test office in at its workplace; returns the bearer token."""
    status, body = await http.request(
        "POST",
        "/api/v1/auth/login",
        {"login": operator, "password": PASSWORDS[operator], "workplace": WORKPLACES[operator]},
    )
    if status != 200:
        raise RuntimeError(f"login {operator}: {status} {body}")
    return str(body["token"])


# -- a raw WebSocket client ---------------------------------------------------------------------


def _frame(opcode: int, payload: bytes) -> bytes:
    """A client frame, FIN set, masked with a zero key (legal, and no XOR work)."""
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return header + b"\0\0\0\0" + payload


class WsClient(asyncio.Protocol):
    """A WebSocket client that says hello, waits for the snapshot, then hands text frames on.

    `on_text(t, payload)` gets the monotonic time the chunk holding the frame arrived, taken first
    thing in `data_received`. Pings are answered; fragmented frames are not expected and refused.
    """

    def __init__(
        self, port: int, token: str, on_text: Callable[[float, bytes], None] | None = None
    ) -> None:
        self.port = port
        self.hello = json.dumps({"type": "hello", "v": 1, "token": token, "since": None}).encode()
        self.on_text = on_text
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = False
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass
        key = base64.b64encode(os.urandom(16)).decode()
        self.transport.write(
            (
                f"GET /ws HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )

    def data_received(self, data: bytes) -> None:
        t = time.monotonic()
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self.buffer.startswith(b"HTTP/1.1 101"):
                self._fail(RuntimeError(bytes(self.buffer[:end]).decode(errors="replace")))
                return
            del self.buffer[: end + 4]
            self.upgraded = True
            assert self.transport is not None
            self.transport.write(_frame(0x1, self.hello))
        self._frames(t)

    def _frames(self, t: float) -> None:
        buf = self.buffer
        while len(buf) >= 2:
            opcode = buf[0] & 0x0F
            n = buf[1] & 0x7F
            offset = 2
            if n == 126:
                if len(buf) < 4:
                    return
                n = struct.unpack_from("!H", buf, 2)[0]
                offset = 4
            elif n == 127:
                if len(buf) < 10:
                    return
                n = struct.unpack_from("!Q", buf, 2)[0]
                offset = 10
            if len(buf) < offset + n:
                return
            payload = bytes(buf[offset : offset + n])
            del buf[: offset + n]
            if opcode == 0x1:
                if not self.ready.done():
                    if b'"snapshot"' in payload:
                        self.ready.set_result(None)
                    else:
                        self._fail(RuntimeError(payload.decode(errors="replace")))
                elif self.on_text is not None:
                    self.on_text(t, payload)
            elif opcode == 0x9 and self.transport is not None:
                self.transport.write(_frame(0xA, payload))
            elif opcode == 0x8:
                self._fail(ConnectionError(f"closed by the server: {payload!r}"))

    def _fail(self, exc: BaseException) -> None:
        if not self.ready.done():
            self.ready.set_exception(exc)
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(exc or ConnectionError("connection lost"))
        if not self.closed.done():
            self.closed.set_result(None)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def open_ws_clients(
    port: int,
    count: int,
    token: str,
    on_text: Callable[[int], Callable[[float, bytes], None] | None] | None = None,
    parallel: int = 64,
    limit_s: float = 60.0,
) -> list[WsClient]:
    """Open `count` clients that completed the hello (snapshot received), `parallel` at a time."""
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(parallel)

    async def one(index: int) -> WsClient:
        async with gate:
            callback = on_text(index) if on_text is not None else None
            _, client = await loop.create_connection(
                lambda: WsClient(port, token, callback), HOST, port
            )
            await client.ready
            return client

    return await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(count))), limit_s)
