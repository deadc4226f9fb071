"""The visibility rules of /ws per caller kind, without a server."""

from __future__ import annotations

from typing import Any

import pytest

from queue_server.service.auth import Principal
from queue_server.service.scope import visibility_for

TICKET = {"id": 1, "number": "А001", "service": "reg", "workplace": "1"}
EVENTS: dict[str, dict[str, Any]] = {
    "ticket.called": TICKET,
    "queue.changed": {"services": []},
    "operator.status@1": {"operator": "alice", "workplace": "1", "state": "available"},
    "operator.status@2": {"operator": "bob", "workplace": "2", "state": "available"},
    "operator.status@-": {"operator": "bob", "workplace": None, "state": "offline"},
    "rating.requested@1": {"ticket": 1, "number": "А001", "workplace": "1", "operator": "alice"},
    "rating.requested@2": {"ticket": 2, "number": "В001", "workplace": "2", "operator": "bob"},
    "booking.created": {"booking": "B1", "service": "reg"},
    "config.changed": {"services": ["reg"]},
    "day.reset": {"day": "2026-03-10", "closed": [1, 2]},
    "made.up": {"secret": 1},
}
WHOLE = "whole"
DAY_ONLY = "day only"


def principal(kind: str, workplace: str | None = None) -> Principal:
    return Principal(kind, f"{kind}-1", "test", (kind,), workplace)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (principal("operator", "2"), dict.fromkeys(EVENTS, WHOLE)),
        (
            principal("display"),
            {
                **dict.fromkeys(EVENTS, WHOLE),
                "rating.requested@1": None,
                "rating.requested@2": None,
                "booking.created": None,
            },
        ),
        (
            principal("kiosk"),
            {
                **dict.fromkeys(EVENTS),
                "queue.changed": WHOLE,
                "config.changed": WHOLE,
                "day.reset": DAY_ONLY,
            },
        ),
        (
            principal("rating", "1"),
            {
                **dict.fromkeys(EVENTS),
                "operator.status@1": WHOLE,
                "operator.status@-": WHOLE,
                "rating.requested@1": WHOLE,
                "config.changed": WHOLE,
                "day.reset": DAY_ONLY,
            },
        ),
        (
            principal("scanner"),
            {**dict.fromkeys(EVENTS), "config.changed": WHOLE, "day.reset": DAY_ONLY},
        ),
    ],
    ids=["operator", "display", "kiosk", "rating", "unknown-device"],
)
def test_each_caller_sees_its_scope(who: Principal, expected: dict[str, str | None]) -> None:
    """Each event is shown whole, shown with the day only (day.reset), or hidden (None)."""
    visibility = visibility_for(who)
    seen: dict[str, str | None] = {}
    for name, data in EVENTS.items():
        view = visibility.view(name.partition("@")[0], data)
        seen[name] = None if view is None else WHOLE if view is data else DAY_ONLY
        if seen[name] == DAY_ONLY:
            assert view == {"day": data["day"]}
    assert seen == expected


def test_narrow_snapshots_keep_the_shape_and_drop_the_rest() -> None:
    """A kiosk keeps the office and services; a rating terminal its workplace and operator;
    both get every list (empty when not theirs), and nothing they do not know of."""
    snapshot = {
        "office": {"id": "test"},
        "services": [{"service": "reg", "waiting": 3}],
        "workplaces": [{"id": "1"}, {"id": "2"}],
        "waiting": [TICKET],
        "active": [TICKET],
        "operators": [
            {"operator": "alice", "workplace": "1"},
            {"operator": "bob", "workplace": "2"},
        ],
        "future_list": [1],
    }
    kiosk = visibility_for(principal("kiosk")).snapshot(snapshot)
    rating = visibility_for(principal("rating", "1")).snapshot(snapshot)
    assert kiosk == {
        "office": {"id": "test"},
        "services": snapshot["services"],
        "workplaces": [],
        "waiting": [],
        "active": [],
        "operators": [],
    }
    assert rating == {
        "office": {"id": "test"},
        "services": [],
        "workplaces": [{"id": "1"}],
        "waiting": [],
        "active": [],
        "operators": [{"operator": "alice", "workplace": "1"}],
    }
    assert visibility_for(principal("display")).snapshot(snapshot) is snapshot
