"""Issuing a new ticket: numbering, storing, the `ticket.issued` event, the visitor's position.

Shared by IssueTicket (kiosk and staff) and CheckIn (a booked visitor), so a ticket comes to be
in one way only.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from queue_protocol import payloads as p
from queue_protocol.events import EventType
from queue_protocol.models import IssuedTicket
from queue_server.domain.model import Ticket, TicketClass, TicketStatus
from queue_server.domain.numbering import format_number, service_day
from queue_server.service.tx import Tx
from queue_server.service.views import ticket_payload
from queue_server.storage.repository import ServiceRow


def issue_new(
    tx: Tx,
    service: ServiceRow,
    ticket_class: TicketClass,
    lang: str,
    *,
    note: str | None = None,
    slot_at: datetime | None = None,
) -> tuple[Ticket, IssuedTicket]:
    """Number, store and announce a new waiting ticket of `service` (`ticket.issued`, and
    `queue.changed` at the end of the command); the caller has checked that it may be issued.

    The one way a ticket comes to be: the kiosk's and staff's IssueTicket and the booking
    check-in (an appointment with its `slot_at`) both go through here.
    """
    day = service_day(tx.now, tx.tz).isoformat()
    counter = tx.repo.next_counter(tx.office.id, service.prefix, day)
    ticket = Ticket(
        id=0,
        number=format_number(service.prefix, counter),
        service=service.id,
        ticket_class=ticket_class,
        status=TicketStatus.WAITING,
        issued_at=tx.now,
        due_at=tx.now,
        slot_at=slot_at,
        lang=lang,
        note=note,
    )
    token = secrets.token_urlsafe(12)
    ticket.id = tx.repo.insert_ticket(tx.office.id, day, ticket, token)
    tx.repo.open_step(tx.office.id, ticket.id, service.id, tx.now)
    _, positions = tx.positions()
    position = positions[ticket.id]
    tx.emit(EventType.TICKET_ISSUED, ticket_payload(tx, ticket, p.TicketIssued))
    tx.queue_touched = True
    return ticket, IssuedTicket(
        id=ticket.id,
        number=ticket.number,
        service=service.id,
        status=ticket.status.value,
        ahead=position.ahead,
        estimate_minutes=position.minutes,
        status_url=tx.status_url(token),
        issued_at=tx.now,
    )
