"""Encoding event-log rows as wire envelopes."""

from __future__ import annotations

from typing import Any

from queue_protocol.events import PROTOCOL_VERSION, Envelope, encode_event


def envelope(row: dict[str, Any]) -> Envelope:
    return Envelope(
        v=PROTOCOL_VERSION,
        office=row["office"],
        seq=row["seq"],
        type=row["type"],
        at=row["at"],
        data=row["data"],
    )


def encode_row(row: dict[str, Any]) -> str:
    """The JSON text of an event-log row (office, seq, type, at, data)."""
    return encode_event(envelope(row))
