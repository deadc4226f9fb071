"""Okno wire contract: events, messages, request/response models, encode/decode, client session.

No Qt, no SQLAlchemy: both the server and every front-end import it.
"""

from queue_protocol.client import ClientSession, ConnectionState, SessionItem
from queue_protocol.errors import (
    ClientError,
    ConnectionLost,
    ProblemError,
    ProtocolError,
    SessionRefused,
)
from queue_protocol.events import PROTOCOL_VERSION, Envelope, EventType, decode_event, encode_event

__all__ = [
    "PROTOCOL_VERSION",
    "ClientError",
    "ClientSession",
    "ConnectionLost",
    "ConnectionState",
    "Envelope",
    "EventType",
    "ProblemError",
    "ProtocolError",
    "SessionItem",
    "SessionRefused",
    "decode_event",
    "encode_event",
]
