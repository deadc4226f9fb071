"""Okno wire contract: events, messages, request/response models, encode/decode, client session.

No Qt, no SQLAlchemy: both the server and every front-end import it.
"""

from queue_protocol.errors import ClientError, ConnectionLost, ProblemError, ProtocolError
from queue_protocol.events import PROTOCOL_VERSION, Envelope, EventType, decode_event, encode_event

__all__ = [
    "PROTOCOL_VERSION",
    "ClientError",
    "ConnectionLost",
    "Envelope",
    "EventType",
    "ProblemError",
    "ProtocolError",
    "decode_event",
    "encode_event",
]
