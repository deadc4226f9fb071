"""The event hub: order, duplicates, gaps, slow subscribers, reset."""

from __future__ import annotations

import json
from typing import Any

import pytest

from queue_server.service.hub import EventHub


def event(seq: int) -> dict[str, Any]:
    return {"office": "o", "seq": seq, "type": "ticket.issued", "data": {}}


def drain(hub: EventHub, subscriber: Any) -> list[int | None]:
    items = []
    while not subscriber.queue.empty():
        item = subscriber.queue.get_nowait()
        items.append(None if item is None else item[0])
    return items


@pytest.fixture
def hub() -> EventHub:
    return EventHub(json.dumps)


def test_out_of_order_events_are_held_until_the_gap_fills(hub: EventHub) -> None:
    """7 before 6 waits; once 6 arrives both go out in order; a repeat of 6 is dropped."""
    hub.known_seq("o", 5)
    subscriber = hub.subscribe("o")
    hub.publish("o", [event(7)])
    assert drain(hub, subscriber) == [] and hub.gap("o") == (6, 6)
    hub.publish("o", [event(6)])
    hub.publish("o", [event(6)])
    assert drain(hub, subscriber) == [6, 7] and hub.gap("o") is None


def test_reset_closes_subscribers_and_starts_over(hub: EventHub) -> None:
    """After a reset the old subscribers get the close marker and later events start past seq."""
    hub.known_seq("o", 1)
    subscriber = hub.subscribe("o")
    hub.publish("o", [event(2)])
    hub.reset("o", 5000)
    assert drain(hub, subscriber) == [None] and hub.subscriber_count("o") == 0
    fresh = hub.subscribe("o")
    hub.publish("o", [event(4000), event(5001)])
    assert drain(hub, fresh) == [5001]


def test_an_event_is_encoded_once_and_only_when_someone_listens() -> None:
    """With no subscriber nothing is encoded (listeners get the dict); a subscriber who joins
    while an early event is held still gets it, encoded once for every subscriber."""
    encoded: list[int] = []

    def encode(item: dict[str, Any]) -> str:
        encoded.append(item["seq"])
        return json.dumps(item)

    hub = EventHub(encode)
    heard: list[int] = []
    hub.listen(lambda _office, item: heard.append(item["seq"]))
    hub.known_seq("o", 1)
    hub.publish("o", [event(2)])
    hub.publish("o", [event(4)])  # held: 3 is missing
    assert encoded == [] and heard == [2]
    first, second = hub.subscribe("o"), hub.subscribe("o")
    hub.publish("o", [event(3)])
    assert encoded == [3, 4] and heard == [2, 3, 4]
    assert drain(hub, first) == drain(hub, second) == [3, 4]
