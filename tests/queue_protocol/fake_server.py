"""An in-test WebSocket server speaking Okno's hello/snapshot/resume protocol over an event list."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State

from queue_protocol.enums import ErrorCode
from queue_protocol.errors import ProtocolError
from queue_protocol.events import Envelope, EventType, encode_event
from queue_protocol.messages import Hello, Resumed, Snapshot, WsError, decode_hello, encode_message

GOOD_TOKEN = "device-token"


def make_event(office: str, seq: int) -> Envelope:
    """The seq-th event of an office (a ticket issued; the number tells which one)."""
    return Envelope(
        office=office,
        seq=seq,
        type=EventType.TICKET_ISSUED,
        at=datetime(2024, 5, 6, 9, 0, tzinfo=UTC),
        data={"number": f"A{seq:03d}"},
    )


def snapshot_data(office: str) -> dict[str, Any]:
    """The smallest valid snapshot `data` of an office."""
    return {"office": {"id": office, "name": {"ru": "Офис"}, "timezone": "UTC"}}


class FakeOfficeServer:
    """Serves `/ws` on 127.0.0.1 as DESIGN.md §5 says, with switches to misbehave on purpose.

    `append()` adds events and pushes them to live connections; `drop()` closes every connection.
    """

    def __init__(self, office: str = "office-1", tokens: frozenset[str] = frozenset({GOOD_TOKEN})):
        self.office = office
        self.tokens = tokens
        self.events: list[Envelope] = []
        self.hellos: list[Hello] = []
        self.replayed: list[list[int]] = []  # per resumed connection: seqs sent before Resumed
        self.overlap = 0  # replays start this many events before since + 1
        self.snapshot_overlap = 0  # after a snapshot, resend this many events it already covers
        self.skip_once: set[int] = set()  # seqs left out once, making a gap
        self.raw: dict[int, str] = {}  # seqs sent as this text instead of their envelope
        self.close_only_on_bad_token = False  # refuse with close 4401 and no error message
        self.hold: asyncio.Event | None = None  # while set here and not set, hellos wait
        self.handshake_status: int | None = None  # refuse the HTTP upgrade with this status
        self.port = 0
        self._server: Server | None = None
        self._connections: set[ServerConnection] = set()
        self._changed = asyncio.Event()
        self._hello_arrived = asyncio.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> None:
        """Listen on `port` (0: any free port, read back into `self.port`)."""
        self._server = await serve(
            self._handle, "127.0.0.1", port, compression=None, process_request=self._upgrade
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and close every connection."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def drop(self) -> None:
        """Close every connection, as a restarting server or a broken network does."""
        await asyncio.gather(*(ws.close(1012, "restart") for ws in list(self._connections)))

    def append(self, count: int = 1) -> None:
        """Add `count` events to the log and wake the live connections."""
        for _ in range(count):
            self.events.append(make_event(self.office, len(self.events) + 1))
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def append_raw(self, message: dict[str, Any]) -> None:
        """Add one event sent exactly as `message` (with this log's next office and seq), as a
        newer server would send what this client's models do not know."""
        seq = len(self.events) + 1
        text = json.dumps({**message, "v": 1, "office": self.office, "seq": seq})
        self.events.append(make_event(self.office, seq))
        self.raw[seq] = text
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _upgrade(self, ws: ServerConnection, request: Request) -> Response | None:
        if self.handshake_status is None:
            return None
        return ws.respond(self.handshake_status, "refused\n")

    async def wait_for_hellos(self, count: int) -> None:
        """Return once `count` hellos have arrived in all (bound it with a timeout)."""
        while len(self.hellos) < count:
            await self._hello_arrived.wait()

    async def _handle(self, ws: ServerConnection) -> None:
        self._connections.add(ws)
        try:
            if self.hold is not None:
                await self.hold.wait()
            await self._converse(ws)
        except ConnectionClosed:
            pass
        finally:
            self._connections.discard(ws)

    async def _converse(self, ws: ServerConnection) -> None:
        try:
            hello = decode_hello(await ws.recv())
        except ProtocolError as exc:
            await ws.send(encode_message(WsError(code=ErrorCode.MALFORMED, detail=str(exc))))
            await ws.close(4400, "bad hello")
            return
        self.hellos.append(hello)
        arrived, self._hello_arrived = self._hello_arrived, asyncio.Event()
        arrived.set()
        if hello.token not in self.tokens:
            if not self.close_only_on_bad_token:
                refusal = WsError(code=ErrorCode.UNAUTHORIZED, detail="unknown token")
                await ws.send(encode_message(refusal))
            await ws.close(4401, "unauthorized")
            return
        head = len(self.events)
        if hello.since is None:
            snapshot = Snapshot(office=self.office, seq=head, data=snapshot_data(self.office))
            await ws.send(encode_message(snapshot))
            cursor = max(0, head - self.snapshot_overlap)
        else:
            replayed: list[int] = []
            for event in self.events[max(0, hello.since - self.overlap) : head]:
                if await self._send(ws, event):
                    replayed.append(event.seq)
            self.replayed.append(replayed)
            await ws.send(encode_message(Resumed(office=self.office, seq=head)))
            cursor = head
        while True:
            changed = self._changed
            while cursor < len(self.events):
                await self._send(ws, self.events[cursor])
                cursor += 1
            if not await self._wait_for_change(ws, changed):
                return

    async def _send(self, ws: ServerConnection, event: Envelope) -> bool:
        if event.seq in self.skip_once:
            self.skip_once.discard(event.seq)
            return False
        await ws.send(self.raw.get(event.seq) or encode_event(event))
        return True

    @staticmethod
    async def _wait_for_change(ws: ServerConnection, changed: asyncio.Event) -> bool:
        """Wait for new events; False when the connection closed first."""
        waiter = asyncio.create_task(changed.wait())
        closer = asyncio.create_task(ws.wait_closed())
        try:
            await asyncio.wait({waiter, closer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (waiter, closer):
                task.cancel()
            await asyncio.gather(waiter, closer, return_exceptions=True)
        return ws.state is State.OPEN
