"""The read side: services, the queue, a ticket's public status, the WebSocket snapshot.

The queue's order and estimates come from a replay of the whole queue (domain/estimate.py). A read
reuses the replay made for the office's present event seq (`OfficeReading`) instead of making
its own: a thousand displays reconnecting, or a hall of phones refreshing their status pages, cost
one replay, not a thousand. A reading is also renewed when it is older than `fresh_for`, since
estimates and waits move with the clock even when nothing happens.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
from queue_protocol.payloads import ServiceQueueState
from queue_server.domain import errors
from queue_server.domain.estimate import Position
from queue_server.domain.hours import is_open, parse_hours
from queue_server.domain.model import Ticket
from queue_server.service.bus import Clock, unknown_office, utc_now
from queue_server.service.tx import Tx
from queue_server.service.views import ordered_waiting, queue_lines, snapshot_data, ticket_view
from queue_server.storage.db import read_transaction
from queue_server.storage.repository import Repository

#: How long a reading of an unchanged office is reused before its estimates are renewed.
FRESH_FOR = timedelta(seconds=10)
#: Tokens looked up in one query (well under any database's limit of bound parameters).
TOKENS_PER_QUERY = 500


@dataclass
class OfficeReading:
    """The queue of one office as of event `seq`, computed at `at` by one replay.

    Shared by every reader: never mutate it. `queue_json` is the `/queue` answer, encoded once
    on first use.
    """

    seq: int
    at: datetime
    lines: list[ServiceQueueState]
    ordered: list[Ticket]
    positions: dict[int, Position]
    snapshot: dict[str, Any]
    office: str = ""
    _queue_json: bytes | None = field(default=None, repr=False)

    def queue_response(self) -> QueueResponse:
        return QueueResponse(
            office=self.office,
            services=[ServiceQueue.model_validate(line.model_dump()) for line in self.lines],
            # Kiosks and displays read this answer too: the staff note stays out.
            waiting=[ticket_view(t, with_note=False) for t in self.ordered],
        )

    @property
    def queue_json(self) -> bytes:
        if self._queue_json is None:
            # Two threads may both encode it the first time: same bytes, no harm.
            self._queue_json = self.queue_response().model_dump_json().encode()
        return self._queue_json


@dataclass(frozen=True)
class PublicTickets:
    """Public statuses by token (with each ticket's office), and the event seq of each office
    as it was read."""

    tickets: dict[str, tuple[str, PublicTicket]]
    seqs: dict[str, int]


class QueueQueries:
    """Read-only questions, each answered from one consistent snapshot of the database."""

    def __init__(
        self, engine: Engine, clock: Clock = utc_now, fresh_for: timedelta = FRESH_FOR
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.fresh_for = fresh_for
        self._readings: dict[str, OfficeReading] = {}
        # One replay at a time per office: the others wait for it and reuse it.
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self.replays = 0  # how many readings were computed (for tests and benchmarks)

    def _tx(self, repo: Repository, office: str) -> Tx:
        row = repo.office(office)
        if row is None:
            raise unknown_office(office)
        return Tx(repo=repo, office=row, now=self.clock(), status_url=lambda _: "")

    def _lock(self, office: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(office, threading.Lock())

    def _reading(self, tx: Tx) -> OfficeReading:
        """The reading for the office's seq in `tx`, made now if none is fresh."""
        office = tx.office.id
        with self._lock(office):
            reading = self._readings.get(office)
            if (
                reading is not None
                and reading.seq == tx.office.seq
                and timedelta(0) <= tx.now - reading.at < self.fresh_for
            ):
                return reading
            lines = queue_lines(tx)
            ordered = ordered_waiting(tx)
            assert tx.known_positions is not None
            reading = OfficeReading(
                seq=tx.office.seq,
                at=tx.now,
                lines=lines,
                ordered=ordered,
                positions=dict(tx.known_positions[1]),
                snapshot=snapshot_data(tx, lines, ordered).to_json(),
                office=office,
            )
            self.replays += 1
            if reading.seq >= (self._readings[office].seq if office in self._readings else -1):
                self._readings[office] = reading
            return reading

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
        """Counts, estimates and the waiting tickets in call order."""
        return self._office_reading(office).queue_response()

    def queue_json(self, office: str) -> bytes:
        """`queue()` as JSON, encoded once per reading (what the API sends)."""
        return self._office_reading(office).queue_json

    def _office_reading(self, office: str) -> OfficeReading:
        with read_transaction(self.engine) as conn:
            return self._reading(self._tx(Repository(conn), office))

    def public_ticket(self, token: str) -> PublicTicket:
        found = self.public_tickets([token])
        if token not in found:
            raise errors.NotFound("unknown_ticket", "Талон не найден", "No ticket with this link")
        return found[token][1]

    def public_tickets(self, tokens: Sequence[str]) -> dict[str, tuple[str, PublicTicket]]:
        """token -> (office, public status) for each known token, from one snapshot."""
        return self.read_public_tickets(tokens).tickets

    def read_public_tickets(
        self, tokens: Sequence[str], with_positions: bool = True
    ) -> PublicTickets:
        """The public status of each known token, and the seq of each office read, from one
        snapshot.

        Waiting tickets take their place and estimate from the office's shared reading, so a
        hall of phones followed live costs one replay per office, not one per phone. Without
        `with_positions` no reading is made (waiting tickets have no place or estimate then):
        what a called ticket's page needs at once, before the queue is replayed.
        """
        found: dict[str, tuple[str, PublicTicket]] = {}
        seqs: dict[str, int] = {}
        with read_transaction(self.engine) as conn:
            repo = Repository(conn)
            rows = []
            for first in range(0, len(tokens), TOKENS_PER_QUERY):
                rows += repo.tickets_by_tokens(tokens[first : first + TOKENS_PER_QUERY])
            txs: dict[str, Tx] = {}
            readings: dict[str, OfficeReading] = {}
            for row in rows:
                tx = txs.get(row.office)
                if tx is None:
                    tx = txs[row.office] = self._tx(repo, row.office)
                    seqs[row.office] = tx.office.seq
                service = tx.services.get(row.service)
                ahead = minutes = None
                if row.status == "waiting" and with_positions:
                    if row.office not in readings:
                        readings[row.office] = self._reading(tx)
                    position = readings[row.office].positions.get(row.id)
                    if position is not None:
                        ahead, minutes = position.ahead, position.minutes
                workplace = tx.workplaces.get(row.workplace) if row.workplace else None
                slot_at = row.slot_at.astimezone(tx.tz) if row.slot_at and row.booking else None
                found[row.public_token] = (
                    row.office,
                    PublicTicket(
                        number=row.number,
                        service=row.service,
                        service_name=LocalizedText.model_validate(
                            service.name if service else {"ru": row.service}
                        ),
                        status=row.status,
                        ahead=ahead,
                        estimate_minutes=minutes,
                        workplace=row.workplace,
                        workplace_name=LocalizedText.model_validate(workplace.name)
                        if workplace
                        else None,
                        issued_at=row.issued_at,
                        slot_at=slot_at,
                    ),
                )
        return PublicTickets(found, seqs)

    def snapshot(self, office: str) -> tuple[int, dict[str, Any]]:
        """(seq, data): the office's present state as of event `seq` (a `SnapshotData`)."""
        reading = self._office_reading(office)
        return reading.seq, reading.snapshot

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
