"""The read side: services, the queue, a ticket's public status, the WebSocket snapshot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from queue_protocol.models import (
    CategoryView,
    DeskState,
    LocalizedText,
    PublicTicket,
    QueueResponse,
    ServiceQueue,
    ServicesResponse,
    ServiceView,
    WorkplaceView,
)
from queue_server.domain import errors
from queue_server.domain.hours import is_open, parse_hours
from queue_server.domain.order import call_order
from queue_server.service.bus import Clock, unknown_office, utc_now
from queue_server.service.handlers import Tx, queue_summary, ticket_payload, ticket_view
from queue_server.storage.db import read_transaction
from queue_server.storage.repository import Repository, ticket_from_row

RECENT_CALLS = 12


class QueueQueries:
    """Read-only questions, each answered from one consistent snapshot of the database."""

    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def _tx(self, repo: Repository, office: str) -> Tx:
        row = repo.office(office)
        if row is None:
            raise unknown_office(office)
        return Tx(repo=repo, office=row, now=self.clock(), status_url=lambda _: "")

    def services(self, office: str) -> ServicesResponse:
        with read_transaction(self.engine) as conn:
            repo = Repository(conn)
            tx = self._tx(repo, office)
            return ServicesResponse(
                office=office,
                categories=[CategoryView.model_validate(c) for c in repo.categories(office)],
                services=[
                    ServiceView(
                        id=s.id,
                        prefix=s.prefix,
                        name=LocalizedText.model_validate(s.name),
                        category=s.category,
                        description=LocalizedText.model_validate(s.description)
                        if s.description
                        else None,
                        documents=[LocalizedText.model_validate(d) for d in s.documents],
                        expected_minutes=s.expected_minutes,
                        max_wait_minutes=s.max_wait_minutes,
                        kiosk=s.kiosk,
                        hours=s.hours,
                        open_now=s.hours is None
                        or is_open(parse_hours(s.hours), tx.now.astimezone(tx.tz)),
                    )
                    for s in tx.services.values()
                    if s.active
                ],
            )

    def queue(self, office: str) -> QueueResponse:
        with read_transaction(self.engine) as conn:
            tx = self._tx(Repository(conn), office)
            summary = queue_summary(tx)
            waiting = tx.known_positions[0] if tx.known_positions else []
            ordered = call_order(waiting, tx.rules, tx.now)
            return QueueResponse(
                office=office,
                services=[ServiceQueue.model_validate(s) for s in summary["services"]],
                waiting=[ticket_view(t) for t in ordered],
            )

    def public_ticket(self, token: str) -> PublicTicket:
        with read_transaction(self.engine) as conn:
            repo = Repository(conn)
            row = repo.ticket_by_token(token)
            if row is None:
                raise errors.NotFound(
                    "unknown_ticket", "Талон не найден", "No ticket with this link"
                )
            tx = self._tx(repo, row.office)
            service = tx.services.get(row.service)
            ahead = minutes = None
            if row.status == "waiting":
                _, positions = tx.positions()
                position = positions.get(row.id)
                if position is not None:
                    ahead, minutes = position.ahead, position.minutes
            workplace = tx.workplaces.get(row.workplace) if row.workplace else None
            return PublicTicket(
                number=row.number,
                service=row.service,
                service_name=LocalizedText.model_validate(
                    service.name if service else {"ru": row.service}
                ),
                status=row.status,
                ahead=ahead,
                estimate_minutes=minutes,
                workplace=row.workplace,
                workplace_name=LocalizedText.model_validate(workplace.name) if workplace else None,
                issued_at=row.issued_at,
            )

    def snapshot(self, office: str) -> tuple[int, dict[str, Any]]:
        """(seq, data): the office's present state as of event `seq`."""
        with read_transaction(self.engine) as conn:
            repo = Repository(conn)
            tx = self._tx(repo, office)
            summary = queue_summary(tx)
            waiting = tx.known_positions[0] if tx.known_positions else []
            active = [
                ticket_payload(tx, ticket_from_row(row), called_at=_iso(row.called_at))
                for row in repo.active_tickets(office)[:RECENT_CALLS]
            ]
            operators = [
                {
                    "operator": op.id,
                    "workplace": op.workplace,
                    "state": op.state.value,
                    "current_ticket": op.current_ticket,
                }
                for op in repo.operators(office)
            ]
            data = {
                "office": {"id": office, "name": tx.office.name, "timezone": tx.office.timezone},
                "services": summary["services"],
                "waiting": [
                    ticket_view(t).model_dump(mode="json")
                    for t in call_order(waiting, tx.rules, tx.now)
                ],
                "active": active,
                "operators": operators,
            }
            return tx.office.seq, data

    def events_since(self, office: str, since: int, limit: int) -> list[dict[str, Any]]:
        with read_transaction(self.engine) as conn:
            rows = Repository(conn).events_since(office, since, limit)
            return [
                {"office": r.office, "seq": r.seq, "type": r.type, "at": r.at, "data": r.data}
                for r in rows
            ]

    def workplace(self, office: str, workplace: str) -> WorkplaceView:
        with read_transaction(self.engine) as conn:
            row = Repository(conn).workplaces(office).get(workplace)
            if row is None:
                raise errors.NotFound(
                    "unknown_workplace",
                    f"Рабочее место «{workplace}» не найдено",
                    f"Unknown workplace '{workplace}'",
                )
            return WorkplaceView(
                id=row.id, name=LocalizedText.model_validate(row.name), kind=row.kind
            )

    def desk(self, office: str, operator: str) -> DeskState:
        with read_transaction(self.engine) as conn:
            repo = Repository(conn)
            row = repo.operator_row(operator)
            if row is None or row.office != office:
                raise errors.NotFound(
                    "unknown_operator", "Специалист не найден", f"Unknown operator '{operator}'"
                )
            ticket = repo.ticket(office, row.current_ticket) if row.current_ticket else None
            return DeskState(
                operator=row.id,
                workplace=row.workplace or "",
                state=row.state,
                ticket=ticket_view(ticket) if ticket else None,
            )

    def office_seqs(self) -> list[tuple[str, int]]:
        """Every office and the seq of its last event."""
        with read_transaction(self.engine) as conn:
            return Repository(conn).office_seqs()

    def seq(self, office: str) -> int:
        with read_transaction(self.engine) as conn:
            row = Repository(conn).office(office)
            if row is None:
                raise unknown_office(office)
            return row.seq


def _iso(moment: datetime | None) -> str | None:
    from queue_protocol.events import format_utc

    return format_utc(moment) if moment else None
