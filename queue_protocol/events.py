"""The event envelope and its encoding: what the server pushes over the WebSocket."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from queue_protocol.errors import ProtocolError

if TYPE_CHECKING:
    from queue_protocol.payloads import Payload

PROTOCOL_VERSION = 1


class EventType(StrEnum):
    """Every event type of DESIGN.md §5."""

    TICKET_ISSUED = "ticket.issued"
    TICKET_CALLED = "ticket.called"
    TICKET_RECALLED = "ticket.recalled"
    TICKET_STARTED = "ticket.started"
    TICKET_FINISHED = "ticket.finished"
    TICKET_NO_SHOW = "ticket.no_show"
    TICKET_RETURNED = "ticket.returned"
    TICKET_TRANSFERRED = "ticket.transferred"
    TICKET_CANCELLED = "ticket.cancelled"
    QUEUE_CHANGED = "queue.changed"
    OPERATOR_STATUS = "operator.status"
    RATING_REQUESTED = "rating.requested"
    RATING_RECEIVED = "rating.received"
    BOOKING_CREATED = "booking.created"
    BOOKING_CANCELLED = "booking.cancelled"
    BOOKING_CHECKED_IN = "booking.checked_in"
    CONFIG_CHANGED = "config.changed"
    DAY_RESET = "day.reset"
    # Stands in for an event outside the receiving device's scope: it only moves the seq on.
    FILTERED = "filtered"
    DEVICE_ALERT = "device.alert"


log = logging.getLogger("okno.protocol")


class Envelope(BaseModel):
    """One event of an office's log: `seq` grows by one per office, with no gaps.

    `type` is kept as sent, also when this client does not know it (a newer server): such an
    event still moves the seq on; its `kind` is None and its `payload` an `UnknownPayload`.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    v: int = PROTOCOL_VERSION
    office: str
    seq: int = Field(ge=1)
    type: str = Field(min_length=1, max_length=64)
    at: datetime
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def kind(self) -> EventType | None:
        """The event's type, or None for a type this client does not know."""
        try:
            return EventType(self.type)
        except ValueError:
            return None

    @cached_property
    def payload(self) -> Payload:
        """`data` as the typed model of its event type (see `queue_protocol.payloads`).

        A type this client does not know, or data it cannot read (a field of a newer server
        with a value it does not know), gives an `UnknownPayload` holding the raw fields.
        """
        from queue_protocol.payloads import PAYLOADS, UnknownPayload

        kind = self.kind
        if kind is not None:
            try:
                return PAYLOADS[kind].model_validate(self.data)
            except ValidationError as exc:
                log.warning(
                    "event %d (%s): data not understood, handed out as unknown: %s",
                    self.seq,
                    self.type,
                    exc.errors(include_url=False),
                )
        return UnknownPayload.model_validate(self.data)


def encode_event(event: Envelope) -> str:
    """The JSON text of an event, times in UTC with a `Z` suffix."""
    return json.dumps(event_to_json(event), ensure_ascii=False, separators=(",", ":"))


def event_to_json(event: Envelope) -> dict[str, Any]:
    """The envelope as a JSON-ready dict."""
    raw = event.model_dump(mode="json")
    raw["at"] = format_utc(event.at)
    return raw


def validation_errors(exc: ValidationError) -> list[Any]:
    """What was wrong with a message, without the values sent (they may be huge or private)."""
    return list(exc.errors(include_url=False, include_input=False))


def format_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, millisecond precision."""
    text = moment.astimezone(tz=UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def decode_event(raw: str | bytes | dict[str, Any]) -> Envelope:
    """Parse one envelope; raises ProtocolError on anything malformed or of another version."""
    data = load_json_object(raw)
    check_version(data)
    try:
        event = Envelope.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError(f"malformed event: {validation_errors(exc)}") from exc
    if event.at.tzinfo is None:
        # A time without an offset would be read as the receiver's local time.
        raise ProtocolError("malformed event: `at` has no UTC offset")
    return event


def check_version(data: dict[str, Any]) -> None:
    """Raise ProtocolError unless the message is of PROTOCOL_VERSION.

    Compared by type as well: `true` and `1.0` equal 1 in Python but are not version 1.
    """
    version = data.get("v")
    if type(version) is not int or version != PROTOCOL_VERSION:
        raise ProtocolError(f"unsupported protocol version: {version!r}")


def load_json_object(raw: str | bytes | dict[str, Any]) -> dict[str, Any]:
    """Parse a JSON object; raises ProtocolError when it is not one."""
    if isinstance(raw, dict):
        return raw
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        # RecursionError: deeply nested arrays exhaust the parser's stack.
        raise ProtocolError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ProtocolError("a message must be a JSON object")
    return data
