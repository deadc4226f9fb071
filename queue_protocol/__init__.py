"""Okno wire contract: events, messages, request/response models, encode/decode, client session.

No Qt, no SQLAlchemy: both the server and every front-end import it. `payloads` types the `data`
of every event and of the snapshot (`Envelope.payload`, `Snapshot.payload`).

How the contract grows (PROTOCOL_VERSION stays 1 for all of these):

- A server may add event types, members of any message, fields of any payload and values of
  any enum. A client ignores members it does not know, hands out an event of a type it does not
  know (or whose data it cannot read) as an `UnknownPayload`, and always moves its seq on past
  it, so it never sees a gap that is not there.
- A server never removes a member, never changes a member's type or meaning, and never reuses a
  name; every field added to a payload has a default, so older servers' events still read.
- Anything else is a breaking change: it takes a new PROTOCOL_VERSION, which an older client
  refuses (`ProtocolError`) instead of misreading.
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
from queue_protocol.payloads import PAYLOADS, Payload, SnapshotData, TicketPayload, UnknownPayload

__all__ = [
    "PAYLOADS",
    "PROTOCOL_VERSION",
    "ClientError",
    "ClientSession",
    "ConnectionLost",
    "ConnectionState",
    "Envelope",
    "EventType",
    "Payload",
    "ProblemError",
    "ProtocolError",
    "SessionItem",
    "SessionRefused",
    "SnapshotData",
    "TicketPayload",
    "UnknownPayload",
    "decode_event",
    "encode_event",
]
