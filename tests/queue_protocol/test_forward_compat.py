"""An older client against a newer server: unknown event types and fields keep the seq moving."""

from __future__ import annotations

from typing import Any

import pytest

from queue_protocol.client import ConnectionState
from queue_protocol.events import Envelope, EventType, decode_event
from queue_protocol.messages import decode_server_message
from queue_protocol.payloads import TicketCalled, UnknownPayload
from tests.queue_protocol.conftest import SessionFactory
from tests.queue_protocol.fake_server import FakeOfficeServer
from tests.queue_protocol.streams import is_event, is_state, take_until

AT = "2026-12-02T09:00:00.000Z"
CALLED: dict[str, Any] = {
    "id": 7,
    "number": "А007",
    "service": "reg",
    "status": "called",
    "ticket_class": "walk_in",
    "lang": "ru",
    "issued_at": AT,
    "workplace": "3",
    "workplace_name": {"ru": "Окно 3", "en": "Window 3"},
    "workplace_kind": "window",
    "operator": "op1",
    "called_at": AT,
    "calls": 1,
}


def _event(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "v": 1,
        "office": "o",
        "seq": 5,
        "type": "ticket.called",
        "at": AT,
        "data": CALLED,
    }
    raw.update(changes)
    return raw


def test_an_unknown_event_type_is_handed_out_as_unknown() -> None:
    """A type this client does not know decodes: kind None, payload raw."""
    event = decode_event(_event(type="ticket.teleported", data={"to": "Mars"}))
    assert event.kind is None and event.type == "ticket.teleported"
    assert isinstance(event.payload, UnknownPayload) and event.payload.raw == {"to": "Mars"}


def test_new_fields_of_envelope_and_payload_are_ignored() -> None:
    """A newer server's extra members (envelope or data) do not stop the typed payload."""
    event = decode_event(_event(trace="abc", data={**CALLED, "floor": 2}))
    assert event.kind is EventType.TICKET_CALLED
    assert isinstance(event.payload, TicketCalled)
    assert event.payload.workplace_name is not None
    assert event.payload.workplace_name.ru == "Окно 3"


def test_a_payload_with_a_value_this_client_does_not_know_is_unknown_not_dropped() -> None:
    """A known type whose data holds a new enum value is handed out as unknown, not refused."""
    event = decode_event(_event(data={**CALLED, "status": "teleporting"}))
    assert event.kind is EventType.TICKET_CALLED
    assert isinstance(event.payload, UnknownPayload)
    assert event.payload.raw["status"] == "teleporting"


def test_a_snapshot_with_new_members_is_read() -> None:
    """Snapshot data with members this client does not know still gives a typed payload."""
    message = decode_server_message(
        '{"type":"snapshot","v":1,"office":"o","seq":3,"hint":1,"data":'
        '{"office":{"id":"o","name":{"ru":"Офис"},"timezone":"UTC"},"zones":[1]}}'
    )
    assert not isinstance(message, Envelope)
    assert message.type == "snapshot" and message.payload.office.id == "o"


@pytest.mark.asyncio
async def test_old_client_keeps_its_seq_through_newer_events(
    office_server: FakeOfficeServer, make_session: SessionFactory
) -> None:
    """A live client receives an unknown type and an unknown field, hands both out in order and
    stays on its one connection (it used to drop them, see a gap and resume for ever)."""
    session = make_session(office_server.base_url)
    session.start()
    stream = session.events()
    await take_until(stream, is_state(ConnectionState.LIVE))

    office_server.append_raw({"type": "queue.rebalanced", "at": AT, "data": {"lanes": 2}})
    office_server.append_raw({"type": "ticket.called", "at": AT, "data": CALLED, "trace": "x"})
    office_server.append(1)
    items = await take_until(stream, is_event(13))

    events = [item for item in items if isinstance(item, Envelope)]
    assert [e.seq for e in events] == [11, 12, 13]
    assert events[0].kind is None and isinstance(events[0].payload, UnknownPayload)
    assert isinstance(events[1].payload, TicketCalled)
    assert ConnectionState.RECONNECTING not in items
    assert len(office_server.hellos) == 1
    assert session.last_seq == 13
