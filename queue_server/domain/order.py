"""The one call order of DESIGN.md §4. Call next, the position shown and the estimate all use it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from enum import IntEnum

from queue_server.domain.model import (
    APPOINTMENT_EARLY,
    Operator,
    ServiceRule,
    Ticket,
    TicketClass,
    TicketStatus,
)


class Band(IntEnum):
    """Rule 2 of the order: lower bands are called first."""

    APPOINTMENT_DUE = 0
    URGENT = 1  # priority visitors and tickets past the service's max wait
    REGULAR = 2


OrderKey = tuple[int, int, datetime, int]

#: Added to the (negative) id of a visitor the estimate's forecast expects, in its order key:
#: of two tied in everything else, the one who is here is called first (one still to come
#: would be given a later ticket). Real tickets, whose ids are positive, keep their order.
EXPECTED_LAST = 1 << 62


def tie_break(ticket_id: int) -> int:
    """The order key's last part for a ticket (or a forecast visitor, `EXPECTED_LAST`)."""
    return ticket_id if ticket_id >= 0 else ticket_id + EXPECTED_LAST


def band_and_due(ticket: Ticket, rule: ServiceRule | None, now: datetime) -> tuple[Band, datetime]:
    """The ticket's band and due time at `now` (rules 2 and 3)."""
    if (
        ticket.ticket_class is TicketClass.APPOINTMENT
        and ticket.slot_at is not None
        and now >= ticket.slot_at - APPOINTMENT_EARLY
    ):
        return Band.APPOINTMENT_DUE, ticket.slot_at
    # An appointment checked in early queues as a walk-in until its slot comes.
    due = ticket.due_at
    if ticket.ticket_class is TicketClass.PRIORITY:
        return Band.URGENT, due
    max_wait = timedelta(minutes=rule.max_wait_minutes) if rule else None
    if max_wait is not None and now - due > max_wait:
        return Band.URGENT, due
    return Band.REGULAR, due


def is_eligible(ticket: Ticket, operator: Operator, now: datetime) -> bool:
    """May `operator` call `ticket` at `now`: waiting, served, due, not meant for another."""
    if ticket.status is not TicketStatus.WAITING or ticket.service not in operator.levels:
        return False
    if ticket.not_before is not None and ticket.not_before > now:
        return False
    if ticket.target_operator is not None and ticket.target_operator != operator.id:
        return False
    return not (
        ticket.target_workplace is not None and ticket.target_workplace != operator.workplace
    )


def order_key(
    ticket: Ticket, operator: Operator, rules: Mapping[str, ServiceRule], now: datetime
) -> OrderKey:
    """The sort key of `ticket` for `operator` at `now`: (level, band, due time, id); a
    forecast visitor's id (negative) is moved past every real one (`EXPECTED_LAST`)."""
    band, due = band_and_due(ticket, rules.get(ticket.service), now)
    return (operator.levels[ticket.service], int(band), due, tie_break(ticket.id))


def next_for(
    operator: Operator,
    tickets: Iterable[Ticket],
    rules: Mapping[str, ServiceRule],
    now: datetime,
) -> Ticket | None:
    """The ticket `operator` calls next at `now`, or None when none is eligible."""
    best: Ticket | None = None
    best_key: OrderKey | None = None
    for ticket in tickets:
        if not is_eligible(ticket, operator, now):
            continue
        key = order_key(ticket, operator, rules, now)
        if best_key is None or key < best_key:
            best, best_key = ticket, key
    return best


def call_order(
    tickets: Iterable[Ticket], rules: Mapping[str, ServiceRule], now: datetime
) -> list[Ticket]:
    """Waiting tickets in the order an operator serving everything at one level would call them.

    Used for the queue list shown to staff; tickets not yet due (returned for N minutes) come last.
    """
    waiting = [t for t in tickets if t.status is TicketStatus.WAITING]

    def key(ticket: Ticket) -> tuple[bool, int, datetime, int]:
        band, due = band_and_due(ticket, rules.get(ticket.service), now)
        not_yet = ticket.not_before is not None and ticket.not_before > now
        return (not_yet, int(band), due, ticket.id)

    return sorted(waiting, key=key)
