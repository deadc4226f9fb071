"""What the hall board shows and says, driven by the snapshot, events and an injected clock.

Qt-free. The controller feeds `apply_snapshot`, `apply_event` and `set_connection`; the view reads
`current`, `history`, `services`, `highlighted()` and `blink_on()`; the voice driver takes
announcements one at a time with `start_next_announcement()` and reports the end with
`announcement_done()`.

Speech rules, all here so that they are tested without sound:

- every call (`ticket.called`, `ticket.recalled`) is spoken once, in the order it was made; a
  snapshot's fresh calls are spoken unless already spoken (the key is the call, not the event);
- a call that arrives in a replay (after a reconnection or a restart, before the session is live
  again) and is older than `speak_max_age` by the server's clock is shown but not spoken; the
  server's "now" is estimated from the last live event and the monotonic clock, so a jump of the
  board's wall clock changes nothing;
- at most one call per workplace waits to be spoken (a newer call at the same workplace replaces
  it), a call whose visitor already left the desk (started, finished, …) is dropped, and the
  queue never holds more than `max_pending` calls (the oldest go first);
- English follows Russian when the ticket's language is English or the board is set so.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from queue_protocol.client import ConnectionState
from queue_protocol.enums import Lang, TicketStatus
from queue_protocol.events import Envelope, EventType
from queue_protocol.models import LocalizedText
from queue_protocol.payloads import (
    ConfigChanged,
    DayReset,
    QueueChanged,
    SnapshotData,
    TicketPayload,
)

__all__ = [
    "OFFLINE_MARK_AFTER",
    "Announcement",
    "BoardClock",
    "BoardConfig",
    "BoardState",
    "CallRow",
    "HistoryRow",
    "ServiceLine",
    "SystemClock",
    "Zone",
    "ZoneError",
]

logger = logging.getLogger("okno.display")

#: seconds without a connection before the board shows its "нет связи" mark
OFFLINE_MARK_AFTER = 5.0

SpeechLang = Literal["ru", "en"]

#: events after which the ticket is no longer at a desk
_LEAVES_DESK = frozenset(
    {
        EventType.TICKET_FINISHED,
        EventType.TICKET_NO_SHOW,
        EventType.TICKET_RETURNED,
        EventType.TICKET_TRANSFERRED,
        EventType.TICKET_CANCELLED,
    }
)


class BoardClock(Protocol):
    """Monotonic seconds (blinking, offline time) and the wall time (the clock on screen)."""

    def monotonic(self) -> float:
        """Seconds on a scale that never jumps."""
        ...

    def wall(self) -> datetime:
        """The present time, aware."""
        ...


class SystemClock:
    """The real clocks."""

    def monotonic(self) -> float:
        import time

        return time.monotonic()

    def wall(self) -> datetime:
        return datetime.now(UTC)


class ZoneError(ValueError):
    """A `--zone` that cannot be read; the message says the accepted forms (ru + en)."""


@dataclass(frozen=True)
class Zone:
    """The part of the office a board shows: some workplaces and/or some services (ids).

    Empty sets mean "all". A call is shown when its workplace and its service both pass.
    """

    workplaces: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()

    @property
    def whole_office(self) -> bool:
        return not self.workplaces and not self.services

    @classmethod
    def parse(cls, specs: Iterable[str]) -> Zone:
        """`["workplaces=1,2", "services=reg"]` (also `workplace=`, `service=`, `w=`, `s=`)."""
        workplaces: set[str] = set()
        services: set[str] = set()
        for spec in specs:
            key, sep, value = spec.partition("=")
            ids = {part.strip() for part in value.split(",") if part.strip()}
            key = key.strip().lower()
            if not sep or not ids:
                raise ZoneError(
                    f"зона {spec!r} не понята: пишите workplaces=1,2 или services=reg / "
                    f"zone {spec!r} not understood: use workplaces=1,2 or services=reg"
                )
            if key in {"workplaces", "workplace", "w"}:
                workplaces |= ids
            elif key in {"services", "service", "s"}:
                services |= ids
            else:
                raise ZoneError(
                    f"неизвестный вид зоны {key!r}: workplaces или services / "
                    f"unknown zone kind {key!r}: workplaces or services"
                )
        return cls(frozenset(workplaces), frozenset(services))

    def shows_ticket(self, ticket: TicketPayload) -> bool:
        if self.workplaces and (ticket.workplace or "") not in self.workplaces:
            return False
        return not self.services or ticket.service in self.services

    def shows_service(self, service: str) -> bool:
        return not self.services or service in self.services


@dataclass(frozen=True)
class BoardConfig:
    """How the board behaves; every time is in seconds."""

    blink_seconds: float = 10.0
    blink_period: float = 0.6  # one on/off half-cycle
    history_size: int = 8
    speak_max_age: float = 60.0
    speak_english: bool = False
    max_pending: int = 30
    zone: Zone = field(default_factory=Zone)
    ticker: tuple[str, ...] = ()
    lang: SpeechLang = "ru"


@dataclass
class CallRow:
    """A ticket at a desk (called or being served), as the board shows it."""

    ticket_id: int
    number: str
    service: str
    workplace: str
    workplace_name: LocalizedText
    workplace_kind: str
    status: TicketStatus
    lang: Lang
    calls: int
    called_at: datetime | None
    shown_at: float  # monotonic: when the last call of it arrived (orders the rows)
    blink_until: float

    def place(self, lang: str) -> str:
        """The workplace as the hall knows it ("Окно 3"), never its id unless it has no name."""
        return self.workplace_name.get(lang) or self.workplace


@dataclass(frozen=True)
class HistoryRow:
    """An earlier call: the ticket left the desk."""

    ticket_id: int
    number: str
    workplace_name: LocalizedText
    workplace: str

    def place(self, lang: str) -> str:
        return self.workplace_name.get(lang) or self.workplace


@dataclass(frozen=True)
class ServiceLine:
    """One service's line on the board."""

    service: str
    name: LocalizedText
    prefix: str
    waiting: int = 0
    estimate_minutes: int | None = None


@dataclass(frozen=True)
class Announcement:
    """One call to speak: chime, then the phrase in each language."""

    key: tuple[int, str, int, str]  # ticket, workplace, calls, called_at: one call, once
    ticket_id: int
    number: str
    workplace: str
    workplace_name: LocalizedText
    workplace_kind: str
    recall: bool
    languages: tuple[SpeechLang, ...]
    queued_at: float


def _call_key(ticket: TicketPayload) -> tuple[int, str, int, str]:
    called = ticket.called_at.isoformat() if ticket.called_at else ""
    return (ticket.id, ticket.workplace or "", ticket.calls, called)


class BoardState:
    """Everything on the board and in its speech queue (see the module docstring)."""

    def __init__(
        self,
        config: BoardConfig,
        clock: BoardClock,
        speech: bool = True,
        seen_until: datetime | None = None,
    ) -> None:
        self.config = config
        #: time of the last event an earlier run of this board handled: calls of the first
        #: snapshot made until then were spoken (or skipped) already
        self.seen_until = seen_until
        self.clock = clock
        self.speech_enabled = speech
        self.office_id = ""
        self.office_name = LocalizedText(ru="")
        self.timezone = "UTC"
        self.current: list[CallRow] = []  # newest call first
        self.history: deque[HistoryRow] = deque(maxlen=max(0, config.history_size))
        self.services: list[ServiceLine] = []
        self.workplace_names: dict[str, LocalizedText] = {}
        self.pending: deque[Announcement] = deque()
        self.speaking: Announcement | None = None
        self.spoken: list[Announcement] = []  # in order; the tests and the log read it
        self.skipped: list[tuple[Announcement, str]] = []  # not spoken, and why
        self.connection = ConnectionState.IDLE
        self.offline_since: float | None = clock.monotonic()
        self.has_data = False
        self.refused: str | None = None
        self.sound_off: str | None = None  # why announcements are silent (None: sound on)
        self.zone_problems: list[str] = []
        self.ignored_events = 0
        self.needs_service_names = False
        self.revision = 0  # grows on every change a view must repaint for
        self._known_calls: set[tuple[int, str, int, str]] = set()
        self._server_ref: tuple[datetime, float] | None = None  # (event time, monotonic then)
        self._latest_at: datetime | None = None

    # -- inputs ----------------------------------------------------------------------------

    def set_connection(self, state: ConnectionState | str) -> None:
        """The session's connection changed; the offline mark counts from leaving LIVE."""
        state = ConnectionState(state)
        self.connection = state
        if state is ConnectionState.LIVE:
            self.offline_since = None
            self.refused = None
        elif self.offline_since is None:
            self.offline_since = self.clock.monotonic()
        self._changed()

    def set_refused(self, detail: str) -> None:
        """The server refused the token: the board says so on screen, keeps its last state."""
        self.refused = detail or "unauthorized"
        self.set_connection(ConnectionState.REFUSED)

    def set_sound_off(self, reason: str) -> None:
        """No way to play sound: calls are shown only; the board says it once, discreetly."""
        if self.sound_off is None:
            logger.warning("sound is off: %s (звук выключен)", reason)
        self.sound_off = reason
        self.speech_enabled = False
        self.pending.clear()
        self.speaking = None
        self._changed()

    def apply_snapshot(self, snapshot: SnapshotData) -> None:
        """Rebuild the board from the office's present state."""
        now = self.clock.monotonic()
        self.office_id = snapshot.office.id
        self.office_name = snapshot.office.name
        self.timezone = snapshot.office.timezone
        self.workplace_names = {w.id: w.name for w in snapshot.workplaces}
        self.services = [
            ServiceLine(s.service, s.name, s.prefix, s.waiting, s.estimate_minutes)
            for s in snapshot.services
            if self.config.zone.shows_service(s.service)
        ]
        self.zone_problems = self._check_zone(snapshot)
        active_ids = {t.id for t in snapshot.active}
        previous = {row.ticket_id: row for row in self.current}
        rows: list[CallRow] = []
        # `active` is the latest call first; rows keep that order.
        for index, ticket in enumerate(snapshot.active):
            if not self._shows(ticket) or ticket.workplace is None:
                continue
            old = previous.get(ticket.id)
            shown_at = old.shown_at if old is not None else now - 1e-3 * (index + 1)
            blink = old.blink_until if old is not None else now
            rows.append(self._row(ticket, shown_at, blink))
        self.current = rows
        self._drop_pending(lambda a: a.ticket_id not in active_ids, "not at a desk any more")
        self.history = deque(
            (h for h in self.history if h.ticket_id not in active_ids),
            maxlen=self.history.maxlen,
        )
        # Calls of the snapshot that are fresh and were never spoken here are spoken, oldest first.
        fresh = [
            t
            for t in snapshot.active
            if t.status is TicketStatus.CALLED and self._shows(t) and t.workplace is not None
        ]
        fresh.sort(key=lambda t: t.called_at or datetime.min.replace(tzinfo=UTC))
        for ticket in fresh:
            key = _call_key(ticket)
            if key in self._known_calls:
                continue
            self._known_calls.add(key)
            called, seen = ticket.called_at, self.seen_until
            if called is not None and seen is not None and called <= seen:
                continue
            if self._is_recent(ticket):  # a call the hall may not have seen yet: it blinks
                for row in rows:
                    if row.ticket_id == ticket.id:
                        row.shown_at, row.blink_until = now, now + self.config.blink_seconds
            self._consider_speaking(ticket, recall=ticket.calls > 1, replayed=True)
        self.current.sort(key=lambda row: row.shown_at, reverse=True)
        self.has_data = True
        self.needs_service_names = False
        self._changed()

    def apply_event(self, event: Envelope) -> None:
        """Apply one event; types this board does not know are ignored (the seq still moves)."""
        kind = event.kind
        now = self.clock.monotonic()
        live = self.connection is ConnectionState.LIVE
        if self._latest_at is None or event.at > self._latest_at:
            self._latest_at = event.at
        if live:
            self._server_ref = (event.at, now)
        if kind is None or kind is EventType.FILTERED:
            self.ignored_events += 1
            logger.info("event %d of unknown type %r ignored", event.seq, event.type)
            return
        payload = event.payload
        if kind in {EventType.TICKET_CALLED, EventType.TICKET_RECALLED}:
            if isinstance(payload, TicketPayload):
                self._on_call(payload, recall=kind is EventType.TICKET_RECALLED, live=live)
        elif kind is EventType.TICKET_STARTED:
            if isinstance(payload, TicketPayload):
                self._on_started(payload)
        elif kind in _LEAVES_DESK:
            if isinstance(payload, TicketPayload):
                self._on_left_desk(payload.id)
        elif kind is EventType.QUEUE_CHANGED:
            if isinstance(payload, QueueChanged):
                self._on_queue(payload)
        elif kind is EventType.CONFIG_CHANGED:
            if isinstance(payload, ConfigChanged):
                self.needs_service_names = True
        elif kind is EventType.DAY_RESET:
            if isinstance(payload, DayReset):
                closed = set(payload.closed)
                self.history.clear()
                self.current = [r for r in self.current if r.ticket_id not in closed]
                self._drop_pending(lambda a: a.ticket_id in closed, "day reset")
        else:
            return  # issued, operator status, …: nothing on the board changes
        self._changed()

    def update_service_names(self, names: dict[str, tuple[LocalizedText, str]]) -> None:
        """Names and prefixes re-read after `config.changed` (service id → (name, prefix))."""
        self.services = [
            replace(line, name=names[line.service][0], prefix=names[line.service][1])
            if line.service in names
            else line
            for line in self.services
        ]
        self.needs_service_names = False
        self._changed()

    # -- speech ----------------------------------------------------------------------------

    def start_next_announcement(self) -> Announcement | None:
        """The next call to speak (now `speaking`, highlighted), or None when none waits."""
        if self.speaking is not None or not self.speech_enabled:
            return None
        if not self.pending:
            return None
        announcement = self.pending.popleft()
        self.speaking = announcement
        now = self.clock.monotonic()
        for row in self.current:
            if row.ticket_id == announcement.ticket_id:
                row.blink_until = max(row.blink_until, now + self.config.blink_seconds)
        logger.info(
            "speaking %s -> %s (%d more waiting)",
            announcement.number,
            announcement.workplace_name.ru or announcement.workplace,
            len(self.pending),
        )
        self._changed()
        return announcement

    def announcement_done(self) -> None:
        """The announcement being spoken has ended."""
        if self.speaking is not None:
            self.spoken.append(self.speaking)
            self.speaking = None
            self._changed()

    # -- what the view reads ---------------------------------------------------------------

    def highlighted(self) -> CallRow | None:
        """The row to highlight: the call being spoken, else the newest still blinking."""
        now = self.clock.monotonic()
        if self.speaking is not None:
            for row in self.current:
                if row.ticket_id == self.speaking.ticket_id:
                    return row
        for row in self.current:
            if row.status is TicketStatus.CALLED and row.blink_until > now:
                return row
        return None

    def blink_on(self) -> bool:
        """Whether the highlighted row is in the bright half of its blink now."""
        row = self.highlighted()
        if row is None:
            return False
        now = self.clock.monotonic()
        if now >= row.blink_until:
            return True  # spoken past its blink time: steady highlight
        period = max(0.05, self.config.blink_period)
        return int((now - row.shown_at) / period) % 2 == 0

    def offline_mark(self) -> bool:
        """Whether to show "нет связи": without a connection for `OFFLINE_MARK_AFTER` s."""
        if self.offline_since is None:
            return False
        return self.clock.monotonic() - self.offline_since >= OFFLINE_MARK_AFTER

    def ticker_text(self) -> str:
        return "   •   ".join(message for message in self.config.ticker if message.strip())

    # -- internals -------------------------------------------------------------------------

    def _changed(self) -> None:
        self.revision += 1

    def _shows(self, ticket: TicketPayload) -> bool:
        return self.config.zone.shows_ticket(ticket)

    def _check_zone(self, snapshot: SnapshotData) -> list[str]:
        zone = self.config.zone
        known_workplaces = {w.id for w in snapshot.workplaces}
        known_services = {s.service for s in snapshot.services}
        problems = [
            f"workplace {w!r}" for w in sorted(zone.workplaces) if w not in known_workplaces
        ]
        problems += [f"service {s!r}" for s in sorted(zone.services) if s not in known_services]
        if problems:
            logger.error("the zone names what the office does not have: %s", ", ".join(problems))
        return problems

    def _row(self, ticket: TicketPayload, shown_at: float, blink_until: float) -> CallRow:
        workplace = ticket.workplace or ""
        name = ticket.workplace_name or self.workplace_names.get(workplace) or LocalizedText(ru="")
        return CallRow(
            ticket_id=ticket.id,
            number=ticket.number,
            service=ticket.service,
            workplace=workplace,
            workplace_name=name,
            workplace_kind=ticket.workplace_kind or "window",
            status=ticket.status,
            lang=ticket.lang,
            calls=ticket.calls,
            called_at=ticket.called_at,
            shown_at=shown_at,
            blink_until=blink_until,
        )

    def _on_call(self, ticket: TicketPayload, recall: bool, live: bool) -> None:
        if ticket.workplace is None or not self._shows(ticket):
            return
        now = self.clock.monotonic()
        # A workplace serves one visitor: whoever was there before has left it.
        for row in [r for r in self.current if r.workplace == ticket.workplace]:
            if row.ticket_id != ticket.id:
                self._move_to_history(row)
                self._drop_pending(lambda a, gone=row.ticket_id: a.ticket_id == gone, "left")
        self.current = [r for r in self.current if r.ticket_id != ticket.id]
        self.current.insert(0, self._row(ticket, now, now + self.config.blink_seconds))
        self.history = deque(
            (h for h in self.history if h.ticket_id != ticket.id), maxlen=self.history.maxlen
        )
        key = _call_key(ticket)
        if key in self._known_calls:
            return
        self._known_calls.add(key)
        self._consider_speaking(ticket, recall=recall, replayed=not live)

    def _on_started(self, ticket: TicketPayload) -> None:
        for row in self.current:
            if row.ticket_id == ticket.id:
                row.status = TicketStatus.SERVING
                row.blink_until = min(row.blink_until, self.clock.monotonic())
        self._drop_pending(lambda a: a.ticket_id == ticket.id, "the visitor came")

    def _on_left_desk(self, ticket_id: int) -> None:
        for row in [r for r in self.current if r.ticket_id == ticket_id]:
            self._move_to_history(row)
        self._drop_pending(lambda a: a.ticket_id == ticket_id, "left the desk")

    def _move_to_history(self, row: CallRow) -> None:
        self.current = [r for r in self.current if r.ticket_id != row.ticket_id]
        if self.history.maxlen == 0:
            return
        self.history = deque(
            (h for h in self.history if h.ticket_id != row.ticket_id), maxlen=self.history.maxlen
        )
        self.history.appendleft(
            HistoryRow(row.ticket_id, row.number, row.workplace_name, row.workplace)
        )

    def _on_queue(self, payload: QueueChanged) -> None:
        lines = {line.service: line for line in self.services}
        for state in payload.services:
            if not self.config.zone.shows_service(state.service):
                continue
            line = lines.get(state.service)
            if line is None:  # a service added since the snapshot: named after config.changed
                line = ServiceLine(state.service, LocalizedText(ru=state.service), "")
                self.services.append(line)
                self.needs_service_names = True
            lines[state.service] = replace(
                line, waiting=state.waiting, estimate_minutes=state.estimate_minutes
            )
        self.services = [lines[line.service] for line in self.services]

    @property
    def last_event_at(self) -> datetime | None:
        """The time of the latest event handled (saved so that a restart speaks nothing twice)."""
        return self._latest_at

    def server_now(self) -> datetime:
        """The server's present time as well as the board can tell, immune to its wall clock
        jumping once a live event was seen."""
        if self._server_ref is not None:
            at, then = self._server_ref
            estimate = at + timedelta(seconds=max(0.0, self.clock.monotonic() - then))
        else:
            estimate = self.clock.wall()
        if self._latest_at is not None and self._latest_at > estimate:
            return self._latest_at
        return estimate

    def _is_recent(self, ticket: TicketPayload) -> bool:
        """Whether the ticket was called within `speak_max_age` (by the server's clock)."""
        if ticket.called_at is None:
            return True
        age = (self.server_now() - ticket.called_at).total_seconds()
        return age <= self.config.speak_max_age

    def _consider_speaking(self, ticket: TicketPayload, recall: bool, replayed: bool) -> None:
        languages: tuple[SpeechLang, ...] = ("ru",)
        if ticket.lang is Lang.EN or self.config.speak_english:
            languages = ("ru", "en")
        assert ticket.workplace is not None
        announcement = Announcement(
            key=_call_key(ticket),
            ticket_id=ticket.id,
            number=ticket.number,
            workplace=ticket.workplace,
            workplace_name=ticket.workplace_name
            or self.workplace_names.get(ticket.workplace)
            or LocalizedText(ru=ticket.workplace),
            workplace_kind=ticket.workplace_kind or "window",
            recall=recall,
            languages=languages,
            queued_at=self.clock.monotonic(),
        )
        if not self.speech_enabled:
            self.skipped.append((announcement, "sound off"))
            return
        if replayed and not self._is_recent(ticket):
            assert ticket.called_at is not None
            age = (self.server_now() - ticket.called_at).total_seconds()
            if age > self.config.speak_max_age:
                logger.info("call %s is %.0f s old: shown, not spoken", ticket.number, age)
                self.skipped.append((announcement, f"old ({age:.0f} s)"))
                return
        # One waiting call per workplace and per ticket: the newer one takes the place of the
        # first it replaces.
        kept: deque[Announcement] = deque()
        position: int | None = None
        for waiting in self.pending:
            if waiting.ticket_id == ticket.id or waiting.workplace == ticket.workplace:
                self.skipped.append((waiting, "replaced by a newer call"))
                if position is None:
                    position = len(kept)
            else:
                kept.append(waiting)
        if position is None:
            kept.append(announcement)
        else:
            kept.insert(position, announcement)
        self.pending = kept
        while len(self.pending) > max(1, self.config.max_pending):
            dropped = self.pending.popleft()
            logger.warning("too many calls to speak: %s not spoken", dropped.number)
            self.skipped.append((dropped, "too many calls"))

    def _drop_pending(self, condition: _Condition, why: str) -> None:
        kept: deque[Announcement] = deque()
        for announcement in self.pending:
            if condition(announcement):
                self.skipped.append((announcement, why))
            else:
                kept.append(announcement)
        self.pending = kept


class _Condition(Protocol):
    def __call__(self, announcement: Announcement, /) -> bool: ...


def service_names(
    services: Sequence[tuple[str, LocalizedText, str]],
) -> dict[str, tuple[LocalizedText, str]]:
    """(id, name, prefix) triples as `update_service_names` takes them."""
    return {service: (name, prefix) for service, name, prefix in services}
