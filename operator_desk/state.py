"""What the desk knows and which actions it allows, without Qt.

`DeskModel` is fed by the office's snapshot and events, and by the server's answer to each
command (`DeskState`); `enabled()` mirrors the server's lifecycle rules
(`queue_server.domain.model.TRANSITIONS` and the handlers' checks), so a specialist never sees a
button the server would refuse. The server stays the authority: a refusal is shown as its
`detail` and nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from queue_protocol.enums import OperatorState, TicketClass, TicketStatus
from queue_protocol.events import Envelope, EventType
from queue_protocol.models import DeskState, LocalizedText, TicketView
from queue_protocol.payloads import (
    DayReset,
    OperatorStatus,
    QueueChanged,
    SnapshotData,
    TicketPayload,
    TicketTransferred,
)

__all__ = [
    "TICKET_ACTIONS",
    "WAIT_THRESHOLDS",
    "DeskAction",
    "DeskModel",
    "DeskStatus",
    "DeskTicket",
    "HallRow",
    "Presence",
    "ServiceLine",
    "WaitLevel",
    "minutes_between",
    "wait_level",
]

Clock = Callable[[], datetime]


class DeskAction(StrEnum):
    """Everything a specialist can press."""

    CALL_NEXT = "call_next"
    CALL_TICKET = "call_ticket"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no_show"
    RETURN = "return"
    TRANSFER = "transfer"
    PAUSE = "pause"
    RESUME = "resume"
    LOGOUT = "logout"


class DeskStatus(StrEnum):
    """What the status line says."""

    OFFLINE = "offline"  # no connection to the server: nothing can be done
    SIGNED_OUT = "signed_out"  # the session ended (logout, another login, expiry)
    AVAILABLE = "available"  # free: may call the next visitor
    CALLED = "called"  # a visitor was called and is on the way
    SERVING = "serving"  # a visitor is at the desk
    PAUSED = "paused"  # on a break (a visitor may still be at the desk)


#: The actions the server accepts on the ticket at the desk, by the ticket's state (DESIGN §4;
#: `queue_server.domain.model.TRANSITIONS`, checked by a test).
TICKET_ACTIONS: dict[TicketStatus, frozenset[DeskAction]] = {
    TicketStatus.CALLED: frozenset(
        {
            DeskAction.RECALL,
            DeskAction.START,
            DeskAction.NO_SHOW,
            DeskAction.RETURN,
            DeskAction.TRANSFER,
        }
    ),
    TicketStatus.SERVING: frozenset({DeskAction.FINISH, DeskAction.TRANSFER}),
}


class WaitLevel(StrEnum):
    """The manager's traffic light of a wait (DESIGN §1): < 10, < 20, < 30 minutes, beyond."""

    GREEN = "green"
    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"


WAIT_THRESHOLDS = (10.0, 20.0, 30.0)


def wait_level(minutes: float) -> WaitLevel:
    """The colour of a wait of `minutes`."""
    yellow, orange, red = WAIT_THRESHOLDS
    if minutes >= red:
        return WaitLevel.RED
    if minutes >= orange:
        return WaitLevel.ORANGE
    if minutes >= yellow:
        return WaitLevel.YELLOW
    return WaitLevel.GREEN


def minutes_between(start: datetime, end: datetime) -> float:
    """Whole-or-fractional minutes from `start` to `end`, never negative (clocks differ)."""
    return max(0.0, (end - start).total_seconds() / 60)


@dataclass(frozen=True)
class DeskTicket:
    """The ticket at the desk as the specialist sees it."""

    id: int
    number: str
    service: str
    status: TicketStatus
    ticket_class: TicketClass
    issued_at: datetime
    called_at: datetime | None = None
    calls: int = 0
    lang: str = "ru"
    slot_at: datetime | None = None  # an appointment's booked time, when the server tells it
    earlier_services: tuple[str, ...] = ()  # services it was transferred from, oldest first
    note: str | None = None  # the floor administrator's note (desk answers only, never events)

    @classmethod
    def of(
        cls,
        ticket: TicketPayload | TicketView,
        earlier: Iterable[str] = (),
        note: str | None = None,
    ) -> DeskTicket:
        """`note`: the one known from an earlier desk answer (events never carry it)."""
        slot = getattr(ticket, "slot_at", None)
        return cls(
            id=ticket.id,
            number=ticket.number,
            service=ticket.service,
            status=TicketStatus(ticket.status),
            ticket_class=TicketClass(ticket.ticket_class),
            issued_at=ticket.issued_at,
            called_at=ticket.called_at,
            calls=ticket.calls,
            lang=str(ticket.lang),
            slot_at=slot if isinstance(slot, datetime) else None,
            earlier_services=tuple(earlier),
            note=getattr(ticket, "note", None) or note,
        )

    def waited_minutes(self, now: datetime) -> float:
        """How long the visitor waited before the call (until now, if not called yet)."""
        return minutes_between(self.issued_at, self.called_at or now)


@dataclass(frozen=True)
class ServiceLine:
    """One service's waiting line as the desk lists it."""

    service: str
    name: LocalizedText
    prefix: str
    waiting: int
    longest_wait_minutes: float
    my_level: int | None  # 1 = the specialist's primary service; None: not served by them

    @property
    def level(self) -> WaitLevel | None:
        """The colour of the longest wait; None when nobody waits."""
        return wait_level(self.longest_wait_minutes) if self.waiting else None


@dataclass
class Presence:
    """An operator as the hall view shows them."""

    operator: str
    name: str
    workplace: str | None
    state: OperatorState
    reason: str | None = None
    current_ticket: int | None = None


@dataclass(frozen=True)
class HallRow:
    """One desk in the floor administrator's hall view: who serves whom, since when."""

    operator: str
    name: str
    workplace: str | None
    workplace_name: str
    state: OperatorState
    reason: str | None
    ticket_number: str | None
    ticket_status: TicketStatus | None
    service: str | None
    minutes_at_desk: float | None


@dataclass
class _ServiceInfo:
    name: LocalizedText
    prefix: str
    position: int


@dataclass
class DeskModel:
    """The desk's picture of the office and of its own state.

    Feed it with `apply_snapshot`, `apply_event`, `apply_desk` (each command's answer) and
    `set_connected`; bracket every command with `begin(action)` / `finish_command(error)`.
    """

    operator: str
    workplace: str
    roles: tuple[str, ...] = ("operator",)
    clock: Clock = field(default=lambda: datetime.now(UTC))
    operator_name: str = ""

    connected: bool = False
    signed_in: bool = True
    operator_state: OperatorState = OperatorState.AVAILABLE
    pause_reason: str | None = None
    current: DeskTicket | None = None
    last_outcome: str | None = None
    busy: DeskAction | None = None  # a command in flight: every action waits for its answer
    error: str | None = None  # the last refusal, as the server's sentence
    my_levels: dict[str, int] = field(default_factory=dict)  # services I serve; {} = unknown
    services: dict[str, _ServiceInfo] = field(default_factory=dict)
    workplaces: dict[str, LocalizedText] = field(default_factory=dict)
    waiting: dict[int, TicketPayload] = field(default_factory=dict)  # in call order
    active: dict[int, TicketPayload] = field(default_factory=dict)  # at desks
    operators: dict[str, Presence] = field(default_factory=dict)
    history: dict[int, list[str]] = field(default_factory=dict)  # ticket -> earlier services
    # ticket -> the supervisor's note, learnt from desk answers (events and snapshots lack it)
    notes: dict[int, str] = field(default_factory=dict)

    # -- what may be pressed ------------------------------------------------------------------

    @property
    def is_supervisor(self) -> bool:
        return "supervisor" in self.roles or "admin" in self.roles

    @property
    def status(self) -> DeskStatus:
        if not self.signed_in:
            return DeskStatus.SIGNED_OUT
        if not self.connected:
            return DeskStatus.OFFLINE
        if self.operator_state is OperatorState.PAUSED:
            return DeskStatus.PAUSED
        if self.operator_state is OperatorState.OFFLINE:
            return DeskStatus.SIGNED_OUT
        if self.current is not None:
            return (
                DeskStatus.SERVING
                if self.current.status is TicketStatus.SERVING
                else (DeskStatus.CALLED)
            )
        return DeskStatus.AVAILABLE

    def enabled(self) -> frozenset[DeskAction]:
        """The actions the server would accept now (none while offline or a command runs)."""
        if self.busy is not None or not self.connected or not self.signed_in:
            return frozenset()
        if self.operator_state is OperatorState.OFFLINE:
            return frozenset()
        actions: set[DeskAction] = set()
        if self.current is not None:
            actions |= TICKET_ACTIONS.get(self.current.status, frozenset())
        if self.operator_state is OperatorState.PAUSED:
            actions.add(DeskAction.RESUME)
        else:
            actions.add(DeskAction.PAUSE)
            if self.current is None:
                actions |= {DeskAction.CALL_NEXT, DeskAction.CALL_TICKET}
        if self.current is None:
            actions.add(DeskAction.LOGOUT)
        return frozenset(actions)

    def can(self, action: DeskAction) -> bool:
        return action in self.enabled()

    def can_call(self, ticket_id: int) -> bool:
        """Whether "call this ticket" may be pressed on a ticket of the waiting list."""
        ticket = self.waiting.get(ticket_id)
        if ticket is None or not self.can(DeskAction.CALL_TICKET):
            return False
        return not self.my_levels or ticket.service in self.my_levels

    # -- commands -----------------------------------------------------------------------------

    def begin(self, action: DeskAction) -> None:
        """A command was sent: nothing else may be pressed until its answer."""
        if not self.can(action):
            raise ValueError(f"{action.value} is not allowed now")
        self.busy = action
        self.error = None

    def finish_command(self, error: str | None = None) -> None:
        """The command's answer came (`error`: the server's sentence when it refused)."""
        self.busy = None
        self.error = error

    def apply_desk(self, desk: DeskState) -> None:
        """The server's answer to a command (or to `GET /desk`): the desk as it stands."""
        self.operator_state = OperatorState(desk.state)
        if desk.ticket is not None:
            if desk.ticket.note:
                self.notes[desk.ticket.id] = desk.ticket.note
            self.current = DeskTicket.of(
                desk.ticket, self.history.get(desk.ticket.id, ()), self.notes.get(desk.ticket.id)
            )
        else:
            self.current = None
        self.last_outcome = str(desk.outcome) if desk.outcome is not None else None
        if self.operator_state is not OperatorState.PAUSED:
            self.pause_reason = None

    def set_connected(self, connected: bool) -> None:
        self.connected = connected

    def sign_out(self) -> None:
        """The session ended: nothing can be done until a new login."""
        self.signed_in = False
        self.current = None

    # -- the office ---------------------------------------------------------------------------

    def apply_snapshot(self, data: SnapshotData) -> None:
        """Replace everything known about the office with the server's whole truth."""
        self.services = {
            line.service: _ServiceInfo(line.name, line.prefix, index)
            for index, line in enumerate(data.services)
        }
        self.workplaces = {w.id: w.name for w in data.workplaces}
        self.waiting = {t.id: t for t in data.waiting}
        self.active = {t.id: t for t in data.active}
        self.operators = {
            o.operator: Presence(o.operator, o.name, o.workplace, o.state, None, o.current_ticket)
            for o in data.operators
        }
        me = self.operators.get(self.operator)
        if me is not None:
            self.operator_state = me.state
            if me.workplace not in (None, self.workplace):
                self.operator_state = OperatorState.OFFLINE
            if not self.operator_name:
                self.operator_name = me.name
            ticket = self.active.get(me.current_ticket) if me.current_ticket else None
            self.current = None
            if ticket is not None:
                self.current = DeskTicket.of(
                    ticket, self.history.get(ticket.id, ()), self.notes.get(ticket.id)
                )

    def apply_event(self, event: Envelope) -> None:
        """Take one live event into the picture (events of unknown types are ignored)."""
        kind = event.kind
        if kind is None:
            return
        payload = event.payload
        if isinstance(payload, TicketPayload):
            self._ticket_event(payload)
        elif isinstance(payload, OperatorStatus):
            self._operator_event(payload)
        elif isinstance(payload, DayReset):
            for ticket_id in payload.closed:
                self.waiting.pop(ticket_id, None)
                self.active.pop(ticket_id, None)
                if self.current is not None and self.current.id == ticket_id:
                    self.current = None
        elif isinstance(payload, QueueChanged) or kind is EventType.CONFIG_CHANGED:
            pass  # counts come from the tickets themselves; names are re-read by the app

    def _ticket_event(self, ticket: TicketPayload) -> None:
        if isinstance(ticket, TicketTransferred):
            earlier = self.history.setdefault(ticket.id, [])
            if not earlier or earlier[-1] != ticket.from_service:
                earlier.append(ticket.from_service)
        status = TicketStatus(ticket.status)
        if status is TicketStatus.WAITING:
            self.waiting[ticket.id] = ticket
            self.active.pop(ticket.id, None)
        else:
            self.waiting.pop(ticket.id, None)
            if status in (TicketStatus.CALLED, TicketStatus.SERVING):
                self.active[ticket.id] = ticket
            else:
                self.active.pop(ticket.id, None)
        at_desk = status in (TicketStatus.CALLED, TicketStatus.SERVING)
        for presence in self.operators.values():
            if presence.current_ticket == ticket.id:
                presence.current_ticket = None
        if at_desk and ticket.operator in self.operators:
            self.operators[ticket.operator].current_ticket = ticket.id
        mine = ticket.operator == self.operator and ticket.workplace in (None, self.workplace)
        if mine and at_desk:
            self.current = DeskTicket.of(
                ticket, self.history.get(ticket.id, ()), self.notes.get(ticket.id)
            )
        elif self.current is not None and self.current.id == ticket.id:
            self.current = None

    def _operator_event(self, status: OperatorStatus) -> None:
        presence = self.operators.get(status.operator)
        if presence is None:
            presence = self.operators[status.operator] = Presence(
                status.operator, status.name, status.workplace, status.state
            )
        presence.name = status.name
        presence.workplace = status.workplace
        presence.state = OperatorState(status.state)
        presence.reason = status.reason
        if status.operator != self.operator:
            return
        if status.workplace not in (None, self.workplace) or presence.state is (
            OperatorState.OFFLINE
        ):
            self.operator_state = OperatorState.OFFLINE  # signed in elsewhere, or logged out
        else:
            self.operator_state = presence.state
            self.pause_reason = status.reason if presence.state is OperatorState.PAUSED else None

    # -- what the desk lists ------------------------------------------------------------------

    def service_name(self, service: str, lang: str = "ru") -> str:
        info = self.services.get(service)
        return info.name.get(lang) if info is not None else service

    def workplace_name(self, workplace: str | None, lang: str = "ru") -> str:
        if workplace is None:
            return ""
        name = self.workplaces.get(workplace)
        return name.get(lang) if name is not None else workplace

    def lines(self, only_mine: bool = False) -> list[ServiceLine]:
        """Each service's line: the specialist's own services first (by level), then the rest."""
        now = self.clock()
        counts: dict[str, int] = {}
        longest: dict[str, float] = {}
        for ticket in self.waiting.values():
            counts[ticket.service] = counts.get(ticket.service, 0) + 1
            waited = minutes_between(ticket.issued_at, now)
            longest[ticket.service] = max(longest.get(ticket.service, 0.0), waited)
        ids = list(self.services) + sorted(set(counts) - set(self.services))
        result = []
        for service in ids:
            info = self.services.get(service)
            level = self.my_levels.get(service)
            if only_mine and self.my_levels and level is None:
                continue
            result.append(
                ServiceLine(
                    service=service,
                    name=info.name if info else LocalizedText(ru=service),
                    prefix=info.prefix if info else "",
                    waiting=counts.get(service, 0),
                    longest_wait_minutes=longest.get(service, 0.0),
                    my_level=level,
                )
            )
        positions = {s: i for i, s in enumerate(ids)}
        result.sort(key=lambda line: (line.my_level or 99, positions[line.service]))
        return result

    def waiting_list(self, service: str | None = None) -> list[TicketPayload]:
        """The waiting tickets in call order (of one service, or all)."""
        return [t for t in self.waiting.values() if service is None or t.service == service]

    def waited_minutes(self, ticket: TicketPayload) -> float:
        return minutes_between(ticket.issued_at, self.clock())

    def hall(self, lang: str = "ru") -> list[HallRow]:
        """Every signed-in desk, by workplace: who serves whom and for how long."""
        now = self.clock()
        rows = []
        for presence in self.operators.values():
            if presence.state is OperatorState.OFFLINE:
                continue
            ticket = self.active.get(presence.current_ticket) if presence.current_ticket else None
            rows.append(
                HallRow(
                    operator=presence.operator,
                    name=presence.name,
                    workplace=presence.workplace,
                    workplace_name=self.workplace_name(presence.workplace, lang),
                    state=presence.state,
                    reason=presence.reason,
                    ticket_number=ticket.number if ticket else None,
                    ticket_status=TicketStatus(ticket.status) if ticket else None,
                    service=ticket.service if ticket else None,
                    minutes_at_desk=(
                        minutes_between(ticket.called_at, now)
                        if ticket is not None and ticket.called_at is not None
                        else None
                    ),
                )
            )
        rows.sort(key=lambda row: (row.workplace is None, _natural(row.workplace or "")))
        return rows


def _natural(text: str) -> tuple[int, str]:
    """Workplace ids sort "2" before "10"."""
    return (int(text), "") if text.isdigit() else (10**9, text)
