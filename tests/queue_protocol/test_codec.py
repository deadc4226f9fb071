"""Encoding and decoding of events and WebSocket messages: round trips and refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from queue_protocol.errors import ProtocolError
from queue_protocol.events import Envelope, EventType, decode_event, encode_event
from queue_protocol.messages import (
    Hello,
    Resumed,
    Snapshot,
    WsError,
    decode_hello,
    decode_server_message,
    encode_message,
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)
# The wire carries milliseconds, so generated times have no finer part.
utc_times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000))
envelopes = st.builds(
    Envelope,
    office=st.text(min_size=1, max_size=20),
    seq=st.integers(min_value=1, max_value=2**53),
    type=st.sampled_from(EventType),
    at=utc_times,
    data=st.dictionaries(st.text(max_size=10), json_values, max_size=5),
)


def valid_event_json(**changes: Any) -> dict[str, Any]:
    """A valid envelope as JSON data, with `changes` applied (None removes a member)."""
    raw: dict[str, Any] = {
        "v": 1,
        "office": "office-1",
        "seq": 7,
        "type": "ticket.called",
        "at": "2024-05-06T09:00:00.000Z",
        "data": {"number": "A007"},
    }
    raw.update(changes)
    return {key: value for key, value in raw.items() if value is not None}


@given(envelopes)
def test_event_round_trip(event: Envelope) -> None:
    """decode_event(encode_event(e)) gives back e, as text and as bytes."""
    text = encode_event(event)
    assert decode_event(text) == event
    assert decode_server_message(text.encode()) == event


def test_encoded_time_is_utc_with_z() -> None:
    """Event times go out in UTC with a Z suffix and milliseconds."""
    event = decode_event(valid_event_json(at="2024-05-06T12:00:00.5+03:00"))
    assert json.loads(encode_event(event))["at"] == "2024-05-06T09:00:00.500Z"


@pytest.mark.parametrize(
    "message",
    [
        Snapshot(
            office="office-1",
            seq=0,
            data={"office": {"id": "office-1", "name": {"ru": "Офис"}, "timezone": "UTC"}},
        ),
        Resumed(office="office-1", seq=42),
        WsError(code="unauthorized", detail="unknown token"),
    ],
    ids=["snapshot", "resumed", "error"],
)
def test_control_message_round_trip(message: Snapshot | Resumed | WsError) -> None:
    """Snapshot, Resumed and WsError survive encode_message and decode_server_message."""
    assert decode_server_message(encode_message(message)) == message


@pytest.mark.parametrize("since", [None, 0, 123])
def test_hello_round_trip(since: int | None) -> None:
    """A hello survives encode_message and decode_hello, with or without `since`."""
    hello = Hello(token="t0k3n", since=since)
    assert decode_hello(encode_message(hello)) == hello


@given(st.text())
def test_random_text_is_refused_only_with_protocol_error(text: str) -> None:
    """Arbitrary text never decodes to a message and raises nothing but ProtocolError."""
    with pytest.raises(ProtocolError):
        decode_server_message(text)


@given(st.binary())
def test_random_bytes_are_refused_only_with_protocol_error(data: bytes) -> None:
    """Arbitrary bytes never decode to a message and raise nothing but ProtocolError."""
    with pytest.raises(ProtocolError):
        decode_server_message(data)


@given(json_values)
def test_random_json_is_refused_only_with_protocol_error(value: Any) -> None:
    """Arbitrary JSON values raise ProtocolError from every decoder, never another error."""
    text = json.dumps(value)
    for decode in (decode_server_message, decode_event, decode_hello):
        with pytest.raises(ProtocolError):
            decode(text)


@given(envelopes, st.sampled_from(["office", "seq", "type", "at"]), json_values)
def test_envelope_with_a_member_replaced_decodes_or_raises_protocol_error(
    event: Envelope, member: str, value: Any
) -> None:
    """A valid envelope with one member set to any JSON value decodes or raises ProtocolError."""
    raw = json.loads(encode_event(event))
    raw[member] = value
    try:
        decoded = decode_server_message(json.dumps(raw))
    except ProtocolError:
        return
    assert isinstance(decoded, Envelope)


def test_deeply_nested_json_is_a_protocol_error() -> None:
    """JSON nested deeper than the parser's stack raises ProtocolError, not RecursionError."""
    with pytest.raises(ProtocolError):
        decode_server_message("[" * 100_000)


@pytest.mark.parametrize("version", [2, 0, True, 1.0, "1", None], ids=repr)
def test_other_versions_are_refused(version: Any) -> None:
    """Events and control messages of any version but the integer 1 raise ProtocolError."""
    messages = [
        valid_event_json(v=version),
        {"type": "snapshot", "v": version, "office": "o", "seq": 1, "data": {}},
        {"type": "resumed", "v": version, "office": "o", "seq": 1},
        {"type": "error", "v": version, "code": "x", "detail": "y"},
    ]
    for raw in messages:
        raw = {key: value for key, value in raw.items() if value is not None}
        with pytest.raises(ProtocolError, match="version"):
            decode_server_message(json.dumps(raw))
    with pytest.raises(ProtocolError, match="version"):
        decode_hello(json.dumps({"type": "hello", "v": version, "token": "t"}))


def test_event_time_without_offset_is_refused() -> None:
    """An event time without Z or an offset is ambiguous and raises ProtocolError."""
    with pytest.raises(ProtocolError, match="offset"):
        decode_event(valid_event_json(at="2024-05-06T09:00:00"))


@pytest.mark.parametrize(
    "changes",
    [{"seq": 0}, {"seq": -1}, {"office": None}, {"type": ""}, {"type": None}],
    ids=["seq-0", "seq-negative", "no-office", "empty-type", "no-type"],
)
def test_malformed_events_are_refused(changes: dict[str, Any]) -> None:
    """Events with a seq below 1, a missing office or a missing type are refused."""
    with pytest.raises(ProtocolError):
        decode_event(valid_event_json(**changes))


def test_hello_must_come_first() -> None:
    """decode_hello refuses any other message, e.g. a snapshot."""
    snapshot = encode_message(Snapshot(office="o", seq=1, data={}))
    with pytest.raises(ProtocolError, match="hello"):
        decode_hello(snapshot)
