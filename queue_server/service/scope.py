"""What each kind of caller may see of its office on `/ws`: events and the snapshot.

- operator (any role): every event (`device.alert` included: the supervisor's hall view and
  the dashboard show it, and any specialist may walk to the kiosk); the whole snapshot.
- display (hall board): every event but `rating.*`, `booking.*` and `device.*` (a printer out
  of paper is for staff, not for the hall's screen); the whole snapshot.
- kiosk: `queue.changed`, `config.changed`, `day.reset`; of the snapshot, the office and its
  services (names, waiting counts, estimates).
- rating terminal: `rating.*` of its workplace, `operator.status` of its workplace or of an
  operator leaving one (workplace null), `config.changed`, `day.reset`; of the snapshot, the
  office, its workplace and the operator at it.
- any other device: `config.changed` and `day.reset`; the office.

Devices get `day.reset` without the ids of the tickets it closed. A narrower snapshot keeps the
shape: the lists a caller must not see are empty.

Every client counts seqs without gaps, so an event a caller must not see is not left out: it is
sent as a placeholder with the same seq and time, type `filtered` and empty data. The hidden
event's type and data never reach the caller; a client hands the placeholder out as an event of
a type it does not know and moves its seq on (the protocol's rule for additions).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from queue_protocol.events import EventType
from queue_server.service.auth import Principal

#: The type of the placeholder sent in place of an event the caller must not see.
FILTERED = EventType.FILTERED.value

# Snapshot lists a narrower caller gets empty unless its scope keeps them.
_SNAPSHOT_LISTS = ("services", "workplaces", "waiting", "active", "operators")

Data = Mapping[str, Any]


class Visibility:
    """The whole office: operators of every role."""

    whole = True  # every event as it is: no per-event work

    def view(self, kind: str, data: Data) -> Data | None:
        """The data this caller gets of an event of type `kind` (`data` itself when unchanged),
        or None when it gets only the placeholder."""
        return data

    def snapshot(self, data: Data) -> Data:
        """The part of the office snapshot this caller gets."""
        return data


class DisplayVisibility(Visibility):
    """A hall display: calls, the queue, who works where; not ratings, bookings or device
    alerts."""

    whole = False
    _hidden_prefixes = ("rating.", "booking.", "device.")

    def view(self, kind: str, data: Data) -> Data | None:
        return None if kind.startswith(self._hidden_prefixes) else data


def _day_only(data: Data) -> Data:
    """A day.reset without the ids of the tickets it closed."""
    return {key: value for key, value in data.items() if key == "day"}


def _narrow(data: Data, keep: Mapping[str, Any]) -> dict[str, Any]:
    """The snapshot with only the office and `keep`; its other lists left empty."""
    narrow: dict[str, Any] = {"office": data["office"]}
    narrow.update({name: [] for name in _SNAPSHOT_LISTS})
    narrow.update(keep)
    return narrow


class ConfigVisibility(Visibility):
    """The least any device gets: the configuration's changes and the day's start."""

    whole = False

    def view(self, kind: str, data: Data) -> Data | None:
        if kind == EventType.CONFIG_CHANGED:
            return data
        if kind == EventType.DAY_RESET:
            return _day_only(data)
        return None

    def snapshot(self, data: Data) -> Data:
        return _narrow(data, {})


class KioskVisibility(ConfigVisibility):
    """A lobby kiosk: its menu (reloaded on config.changed) and the lines' estimates."""

    def view(self, kind: str, data: Data) -> Data | None:
        if kind == EventType.QUEUE_CHANGED:
            return data
        return super().view(kind, data)

    def snapshot(self, data: Data) -> Data:
        return _narrow(data, {"services": data.get("services", [])})


class RatingVisibility(ConfigVisibility):
    """The rating terminal of one workplace: its rating requests and its specialist."""

    def __init__(self, workplace: str | None) -> None:
        self.workplace = workplace

    def _here(self, data: Data) -> bool:
        return self.workplace is not None and data.get("workplace") == self.workplace

    def view(self, kind: str, data: Data) -> Data | None:
        if kind in (EventType.RATING_REQUESTED, EventType.RATING_RECEIVED):
            return data if self._here(data) else None
        if kind == EventType.OPERATOR_STATUS:
            # Leaving a workplace is told with workplace null: the terminal compares the
            # operator with the one it shows.
            return data if self._here(data) or data.get("workplace") is None else None
        return super().view(kind, data)

    def snapshot(self, data: Data) -> Data:
        return _narrow(
            data,
            {
                "workplaces": [
                    w for w in data.get("workplaces", []) if w.get("id") == self.workplace
                ],
                "operators": [o for o in data.get("operators", []) if self._here(o)],
            },
        )


def visibility_for(principal: Principal) -> Visibility:
    """What `principal` may see; a device of a kind not listed here gets only `ConfigVisibility`."""
    if principal.kind == "operator":
        return Visibility()
    if principal.kind == "display":
        return DisplayVisibility()
    if principal.kind == "kiosk":
        return KioskVisibility()
    if principal.kind == "rating":
        return RatingVisibility(principal.workplace)
    return ConfigVisibility()
