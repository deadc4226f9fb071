"""Factories for queue_server.domain objects: a fixed aware UTC clock and terse builders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from queue_server.domain.model import (
    Operator,
    OperatorState,
    ServiceRule,
    Ticket,
    TicketClass,
    TicketStatus,
)

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def minutes(n: float) -> timedelta:
    """A timedelta of `n` minutes, to write times as NOW ± minutes(n)."""
    return timedelta(minutes=n)


def make_rule(
    service: str = "s1",
    *,
    prefix: str = "А",
    expected_minutes: float = 10.0,
    max_wait_minutes: float = 15.0,
) -> ServiceRule:
    """A service rule with short, explicit defaults."""
    return ServiceRule(
        id=service,
        prefix=prefix,
        expected_minutes=expected_minutes,
        max_wait_minutes=max_wait_minutes,
    )


def make_ticket(
    ticket_id: int,
    *,
    service: str = "s1",
    ticket_class: TicketClass = TicketClass.WALK_IN,
    status: TicketStatus = TicketStatus.WAITING,
    issued_at: datetime | None = None,
    due_at: datetime | None = None,
    not_before: datetime | None = None,
    slot_at: datetime | None = None,
    target_operator: str | None = None,
    target_workplace: str | None = None,
) -> Ticket:
    """A ticket; `issued_at` defaults to `due_at`, both to NOW."""
    issued = issued_at if issued_at is not None else (due_at if due_at is not None else NOW)
    return Ticket(
        id=ticket_id,
        number=f"А{ticket_id % 1000:03d}",
        service=service,
        ticket_class=ticket_class,
        status=status,
        issued_at=issued,
        due_at=due_at if due_at is not None else issued,
        not_before=not_before,
        slot_at=slot_at,
        target_operator=target_operator,
        target_workplace=target_workplace,
    )


def make_operator(
    operator_id: str = "op1",
    levels: dict[str, int] | None = None,
    *,
    workplace: str | None = None,
    state: OperatorState = OperatorState.AVAILABLE,
    current_service: str | None = None,
    busy_since: datetime | None = None,
) -> Operator:
    """An operator serving `levels` (default: s1 at level 1) at workplace `w-<id>`."""
    return Operator(
        id=operator_id,
        workplace=workplace if workplace is not None else f"w-{operator_id}",
        levels=dict(levels) if levels is not None else {"s1": 1},
        state=state,
        current_ticket=1000 if current_service is not None else None,
        current_service=current_service,
        busy_since=busy_since,
    )
