"""WebSocket control messages: the client's hello, the server's snapshot and errors.

A session goes: client sends `Hello`; the server answers either a `Snapshot` (no `since`, or
`since` older than the log it keeps) or replays each missed `Envelope` in order followed by a
`Resumed` marker; then live envelopes. On a bad hello the server sends `WsError` and closes.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from queue_protocol.errors import ProtocolError
from queue_protocol.events import (
    PROTOCOL_VERSION,
    Envelope,
    check_version,
    decode_event,
    load_json_object,
    validation_errors,
)
from queue_protocol.payloads import SnapshotData


class Hello(BaseModel):
    """First message of a client: who it is and the last seq it saw (None: wants a snapshot)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["hello"] = "hello"
    v: int = PROTOCOL_VERSION
    token: str = Field(min_length=1)
    since: StrictInt | None = Field(default=None, ge=0, le=2**63 - 1)
    # Informative: the server takes the role from the token.
    role: str | None = Field(default=None, max_length=32)


class Snapshot(BaseModel):
    """The whole present state of an office, valid as of `seq`; live events follow from seq + 1.

    `data` is the raw JSON; `payload` the same as a typed `SnapshotData`.
    """

    model_config = ConfigDict(extra="ignore")

    type: Literal["snapshot"] = "snapshot"
    v: int = PROTOCOL_VERSION
    office: str
    seq: int = Field(ge=0)
    data: dict[str, Any]

    @cached_property
    def payload(self) -> SnapshotData:
        """`data` as a `SnapshotData`; raises ProtocolError when it does not fit (checked by
        `decode_server_message`, so a decoded snapshot never raises here)."""
        try:
            return SnapshotData.model_validate(self.data)
        except ValidationError as exc:
            raise ProtocolError(f"malformed snapshot: {validation_errors(exc)}") from exc


class Resumed(BaseModel):
    """Sent after the missed events were replayed: the client is now live as of `seq`."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["resumed"] = "resumed"
    v: int = PROTOCOL_VERSION
    office: str
    seq: int = Field(ge=0)


class WsError(BaseModel):
    """A refusal on the WebSocket (bad hello, bad token); the server closes after it."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["error"] = "error"
    v: int = PROTOCOL_VERSION
    code: str
    detail: str


ServerMessage = Envelope | Snapshot | Resumed | WsError


def decode_hello(raw: str | bytes) -> Hello:
    """Parse the client's first message; raises ProtocolError when it is not a valid hello."""
    data = load_json_object(raw)
    if data.get("type") != "hello":
        raise ProtocolError("the first message must be a hello")
    check_version(data)
    try:
        return Hello.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError(f"malformed hello: {validation_errors(exc)}") from exc


def decode_server_message(raw: str | bytes) -> ServerMessage:
    """Parse anything the server sends; raises ProtocolError on malformed input."""
    data = load_json_object(raw)
    kind = data.get("type")
    model: type[Snapshot] | type[Resumed] | type[WsError]
    if kind == "snapshot":
        model = Snapshot
    elif kind == "resumed":
        model = Resumed
    elif kind == "error":
        model = WsError
    else:
        return decode_event(data)
    check_version(data)
    try:
        message = model.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError(f"malformed {kind} message: {validation_errors(exc)}") from exc
    if isinstance(message, Snapshot):
        message.payload  # noqa: B018 -- raises ProtocolError now rather than in the app
    return message


def encode_message(message: Hello | Snapshot | Resumed | WsError) -> str:
    """The JSON text of a control message."""
    return message.model_dump_json()
