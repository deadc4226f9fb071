"""`Tx`: one office as a handler or a query sees it inside one transaction, at one moment."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from queue_protocol.events import EventType
from queue_protocol.payloads import PAYLOADS, Payload
from queue_server.domain import errors
from queue_server.domain.durations import FORECAST_MAX_WAITING, Durations
from queue_server.domain.estimate import Position, estimate_all, expected_minutes
from queue_server.domain.incremental import (
    EstimateKeeper,
    IncrementalEstimate,
    RecordedPositions,
)
from queue_server.domain.model import Operator, ServiceRule, Ticket
from queue_server.domain.order import next_for
from queue_server.notify.channels import NoticeChannels
from queue_server.storage.cache import CachedRepository
from queue_server.storage.repository import OfficeRow, Repository, ServiceRow, WorkplaceRow


@dataclass
class Tx:
    """What a handler works with: the repository of one office transaction and the time.

    Handlers record events with `emit`; the bus writes them to the log in the same transaction.
    """

    repo: Repository
    office: OfficeRow
    now: datetime
    status_url: Callable[[str], str]
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    queue_touched: bool = False
    # Positions computed after the last change, reused by the `queue.changed` summary.
    known_positions: tuple[list[Ticket], Mapping[int, Position]] | None = None
    # The recorded replay those positions come from, when the office keeps one.
    record: IncrementalEstimate | None = None
    # The notice channels configured on this server (none by default: nothing is queued).
    notices: NoticeChannels = field(default_factory=NoticeChannels)

    def emit(self, kind: EventType, payload: Payload) -> None:
        """Record an event; its payload must be the model `queue_protocol.payloads` names."""
        expected = PAYLOADS[kind]
        if not isinstance(payload, expected):
            raise TypeError(f"{kind.value} carries {expected.__name__}, not {type(payload)}")
        self.events.append((kind.value, payload.to_json()))

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.office.timezone)

    @cached_property
    def services(self) -> dict[str, ServiceRow]:
        return {s.id: s for s in self.repo.services(self.office.id)}

    @cached_property
    def rules(self) -> dict[str, ServiceRule]:
        return {s.id: s.rule for s in self.services.values()}

    @cached_property
    def workplaces(self) -> dict[str, WorkplaceRow]:
        return self.repo.workplaces(self.office.id)

    def service(self, service_id: str) -> ServiceRow:
        service = self.services.get(service_id)
        if service is None or not service.active:
            raise errors.NotFound(
                "unknown_service",
                f"Услуга «{service_id}» не найдена",
                f"Unknown service '{service_id}'",
            )
        return service

    def expected(self) -> dict[str, float]:
        recent = self.repo.recent_durations(self.office.id, self.services)
        return {
            sid: expected_minutes(recent.get(sid, []), s.expected_minutes)
            for sid, s in self.services.items()
        }

    def durations(self) -> Durations:
        """The duration model of the estimate, learned from the office's recent steps; while
        the queue is short it also forecasts walk-ins (domain/durations.py)."""
        forecast = self.repo.waiting_count(self.office.id) <= FORECAST_MAX_WAITING
        return self.repo.duration_model(self.office.id, self.rules, forecast, self.now)

    def _keeper(self) -> EstimateKeeper | None:
        repo = self.repo
        if isinstance(repo, CachedRepository) and repo.cache.office == self.office.id:
            return repo.cache.keeper
        return None

    def next_for(self, op: Operator) -> Ticket | None:
        """The ticket `op` calls now (`order.next_for`): from the office's recorded replay when
        it holds the waiting tickets (a look at each line's head), else by a pass over them all."""
        keeper = self._keeper()
        if keeper is not None:
            count = self.repo.waiting_count(self.office.id)
            known, ticket = keeper.next_for(op, count, self.rules, self.now)
            if known:
                return ticket
        return next_for(op, self.repo.waiting(self.office.id), self.rules, self.now)

    def follow(self) -> None:
        """Bring the office's recorded replay up to this command's change, when the office keeps
        one: a `queue.changed` left owed (coalesced) would otherwise let changes pile up until
        the next estimate replays the whole queue, on a call's way. Without a record (the queue
        is replayed in full anyway) nothing is done: that is the replay coalescing saves."""
        keeper = self._keeper()
        if keeper is not None and keeper.record is not None and self.known_positions is None:
            self.positions()

    def positions(self) -> tuple[list[Ticket], Mapping[int, Position]]:
        """Every waiting ticket and its position, as the state stands now in this transaction.

        The office's recorded replay answers when it provably equals `estimate_all` (a new
        ticket at the tail is added in a few steps); otherwise the whole queue is replayed.
        The positions are then looked up per ticket, not made for every one.
        """
        waiting = self.repo.waiting(self.office.id)
        operators = self.repo.operators(self.office.id)
        durations = self.durations()
        positions: Mapping[int, Position]
        record = None
        keeper = self._keeper()
        if keeper is not None:
            record = keeper.estimate(waiting, operators, self.rules, durations, self.now)
        if record is not None:
            positions = RecordedPositions(record, self.now)
        else:
            positions = estimate_all(waiting, operators, self.rules, durations, self.now)
        self.record = record
        self.known_positions = (waiting, positions)
        return waiting, positions
