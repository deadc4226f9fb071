"""The queue's entities and the ticket lifecycle, as plain Python (no framework, no I/O).

State is held in small mutable dataclasses loaded by the service layer; every change goes through
the functions here so that a refused command changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from queue_server.domain.errors import InvalidTransition


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class TicketClass(StrEnum):
    WALK_IN = "walk_in"
    APPOINTMENT = "appointment"
    PRIORITY = "priority"


class Outcome(StrEnum):
    RESOLVED = "resolved"
    FOLLOW_UP = "follow_up"
    TRANSFERRED = "transferred"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    RETURNED = "returned"


class OperatorState(StrEnum):
    AVAILABLE = "available"
    PAUSED = "paused"
    OFFLINE = "offline"


class Action(StrEnum):
    """Commands that move a ticket; the lifecycle table below says from which states."""

    CALL = "call"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no_show"
    RETURN = "return"
    TRANSFER = "transfer"
    CANCEL = "cancel"


# The whole lifecycle of DESIGN.md §4: (action, from) -> to. Anything else is refused.
TRANSITIONS: dict[tuple[Action, TicketStatus], TicketStatus] = {
    (Action.CALL, TicketStatus.WAITING): TicketStatus.CALLED,
    (Action.RECALL, TicketStatus.CALLED): TicketStatus.CALLED,
    (Action.START, TicketStatus.CALLED): TicketStatus.SERVING,
    (Action.FINISH, TicketStatus.SERVING): TicketStatus.DONE,
    (Action.NO_SHOW, TicketStatus.CALLED): TicketStatus.NO_SHOW,
    (Action.RETURN, TicketStatus.CALLED): TicketStatus.WAITING,
    (Action.TRANSFER, TicketStatus.CALLED): TicketStatus.WAITING,
    (Action.TRANSFER, TicketStatus.SERVING): TicketStatus.WAITING,
    (Action.CANCEL, TicketStatus.WAITING): TicketStatus.CANCELLED,
}

_STATUS_RU = {
    TicketStatus.WAITING: "ожидает",
    TicketStatus.CALLED: "вызван",
    TicketStatus.SERVING: "обслуживается",
    TicketStatus.DONE: "обслужен",
    TicketStatus.NO_SHOW: "не явился",
    TicketStatus.CANCELLED: "отменён",
}


_ACTION_RU = {
    Action.CALL: "вызвать",
    Action.RECALL: "вызвать повторно",
    Action.START: "начать обслуживание",
    Action.FINISH: "завершить обслуживание",
    Action.NO_SHOW: "отметить неявку",
    Action.RETURN: "вернуть в очередь",
    Action.TRANSFER: "перенаправить",
    Action.CANCEL: "отменить",
}


def next_status(action: Action, status: TicketStatus, number: str = "") -> TicketStatus:
    """The state `action` leads to from `status`; raises InvalidTransition when not allowed."""
    try:
        return TRANSITIONS[(action, status)]
    except KeyError:
        raise InvalidTransition(
            f"Талон {number} {_STATUS_RU[status]}: нельзя {_ACTION_RU[action]}",
            f"Ticket {number} is {status.value}: cannot {action.value}",
            status=status.value,
            action=action.value,
        ) from None


@dataclass(frozen=True)
class ServiceRule:
    """What the queue rules need to know of a service."""

    id: str
    prefix: str
    expected_minutes: float = 15.0
    max_wait_minutes: float = 15.0


@dataclass
class Ticket:
    """One visit. `due_at` is the due time of DESIGN.md §4 rule 3 for a walk-in band."""

    id: int
    number: str
    service: str
    ticket_class: TicketClass
    status: TicketStatus
    issued_at: datetime
    due_at: datetime
    not_before: datetime | None = None
    slot_at: datetime | None = None
    target_operator: str | None = None
    target_workplace: str | None = None
    operator: str | None = None
    workplace: str | None = None
    called_at: datetime | None = None
    started_at: datetime | None = None
    calls: int = 0
    lang: str = "ru"  # the visitor's language, chosen at the kiosk
    note: str | None = None  # a supervisor's note for the specialist (staff views only)


@dataclass
class Operator:
    """A specialist at a workplace with the services served and their levels (1 = primary)."""

    id: str
    workplace: str | None
    levels: dict[str, int] = field(default_factory=dict)
    state: OperatorState = OperatorState.AVAILABLE
    # The ticket at the desk (called or serving) and since when the operator has it.
    current_ticket: int | None = None
    current_service: str | None = None
    busy_since: datetime | None = None
    # The status of the desk's ticket (called or serving): the estimate's remaining time differs.
    current_status: TicketStatus | None = None


APPOINTMENT_EARLY = timedelta(minutes=5)
