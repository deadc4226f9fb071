"""How the server shows its state: tickets, lines and the snapshot as wire payloads and views.

Used by the command side (event payloads, desk answers) and the read side (queries) alike; it
reads through a `Tx` and writes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from queue_protocol.enums import Lang
from queue_protocol.models import LocalizedText, TicketView
from queue_protocol.payloads import (
    OfficeInfo,
    OperatorPresence,
    QueueChanged,
    ServiceQueueState,
    ServiceState,
    SnapshotData,
    TicketPayload,
    WorkplaceInfo,
)
from queue_server.domain.model import OperatorState, Ticket
from queue_server.domain.order import call_order
from queue_server.service.tx import Tx
from queue_server.storage.repository import ticket_from_row

TicketModel = TypeVar("TicketModel", bound=TicketPayload)

#: How many tickets at desks the snapshot lists (the board's history of calls).
RECENT_CALLS = 12


def _lang(ticket: Ticket) -> Lang:
    return Lang(ticket.lang)


def ticket_view(ticket: Ticket, *, with_note: bool = True) -> TicketView:
    """A ticket as staff clients see it in HTTP answers; `with_note=False` where devices read
    too (the `/queue` answer is shared with kiosks and displays)."""
    return TicketView(
        id=ticket.id,
        number=ticket.number,
        service=ticket.service,
        status=ticket.status.value,
        ticket_class=ticket.ticket_class.value,
        issued_at=ticket.issued_at,
        not_before=ticket.not_before,
        lang=_lang(ticket),
        workplace=ticket.workplace,
        operator=ticket.operator,
        called_at=ticket.called_at,
        calls=ticket.calls,
        note=ticket.note if with_note else None,
    )


def ticket_payload(tx: Tx, ticket: Ticket, model: type[TicketModel], **extra: Any) -> TicketModel:
    """A ticket as events and the snapshot carry it (`model` adds an event's own fields)."""
    workplace_name = workplace_kind = None
    if ticket.workplace is not None:
        workplace = tx.workplaces.get(ticket.workplace)
        workplace_name = LocalizedText.model_validate(
            workplace.name if workplace else {"ru": ticket.workplace}
        )
        workplace_kind = workplace.kind if workplace else "window"
    return model(
        id=ticket.id,
        number=ticket.number,
        service=ticket.service,
        status=ticket.status,
        ticket_class=ticket.ticket_class,
        lang=_lang(ticket),
        issued_at=ticket.issued_at,
        not_before=ticket.not_before,
        workplace=ticket.workplace,
        workplace_name=workplace_name,
        workplace_kind=workplace_kind,
        operator=ticket.operator if ticket.workplace is not None else None,
        called_at=ticket.called_at if ticket.workplace is not None else None,
        calls=ticket.calls,
        **extra,
    )


def queue_lines(tx: Tx) -> list[ServiceQueueState]:
    """Waiting counts, estimates and the longest wait per service.

    A service's estimate is what its last waiting ticket gets (0 when none waits); None when no
    available operator serves it.
    """
    waiting, positions = tx.known_positions or tx.positions()
    served = {
        sid
        for op in tx.repo.operators(tx.office.id)
        if op.state is OperatorState.AVAILABLE
        for sid in op.levels
    }
    count: dict[str, int] = dict.fromkeys(tx.services, 0)
    oldest: dict[str, datetime] = {}
    latest: dict[str, int] = {}
    record = tx.record
    if record is not None:
        # The recorded replay knows these per service without a pass over every ticket.
        for sid in {*count, *record.by_service}:
            count[sid] = record.waiting_count(sid)
            minutes = record.latest_minutes(sid, tx.now)
            if minutes is not None:
                latest[sid] = minutes
        oldest = dict(record.oldest)
        waiting = []
    for ticket in waiting:
        sid = ticket.service
        count[sid] = count.get(sid, 0) + 1
        if sid not in oldest or ticket.issued_at < oldest[sid]:
            oldest[sid] = ticket.issued_at
        minutes = positions[ticket.id].minutes
        if minutes is not None and minutes > latest.get(sid, -1):
            latest[sid] = minutes
    return [
        ServiceQueueState(
            service=sid,
            waiting=n,
            estimate_minutes=latest.get(sid, 0) if sid in served else None,
            longest_wait_minutes=round(
                max(0.0, (tx.now - oldest[sid]).total_seconds() / 60) if sid in oldest else 0.0,
                1,
            ),
        )
        for sid, n in count.items()
    ]


def queue_changed(tx: Tx) -> QueueChanged:
    """The `queue.changed` payload as the state stands in `tx`."""
    return QueueChanged(services=queue_lines(tx))


def snapshot_data(tx: Tx, lines: list[ServiceQueueState], ordered: list[Ticket]) -> SnapshotData:
    """The office's present state: `lines` and `ordered` (the waiting tickets in call order)
    as computed for the office's present seq."""
    active = [
        ticket_payload(tx, ticket_from_row(row), TicketPayload)
        for row in tx.repo.active_tickets(tx.office.id)[:RECENT_CALLS]
    ]
    operators = tx.repo.operators(tx.office.id)
    rows = {op.id: tx.repo.operator_row(op.id) for op in operators}
    return SnapshotData(
        office=OfficeInfo(
            id=tx.office.id,
            name=LocalizedText.model_validate(tx.office.name),
            timezone=tx.office.timezone,
        ),
        services=[
            ServiceState(
                **line.model_dump(),
                name=LocalizedText.model_validate(tx.services[line.service].name),
                prefix=tx.services[line.service].prefix,
            )
            for line in lines
            if line.service in tx.services and tx.services[line.service].active
        ],
        workplaces=[
            WorkplaceInfo(id=w.id, name=LocalizedText.model_validate(w.name), kind=w.kind)
            for w in tx.workplaces.values()
        ],
        waiting=[ticket_payload(tx, t, TicketPayload) for t in ordered],
        active=active,
        operators=[
            OperatorPresence(
                operator=op.id,
                name=row.name if (row := rows[op.id]) is not None else op.id,
                workplace=op.workplace,
                state=op.state,
                current_ticket=op.current_ticket,
            )
            for op in operators
        ],
    )


def ordered_waiting(tx: Tx) -> list[Ticket]:
    """The waiting tickets in call order (after `queue_lines` computed the positions)."""
    waiting = tx.known_positions[0] if tx.known_positions else tx.positions()[0]
    return call_order(waiting, tx.rules, tx.now)
