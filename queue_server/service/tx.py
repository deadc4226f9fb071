"""`Tx`: one office as a handler or a query sees it inside one transaction, at one moment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from queue_protocol.events import EventType
from queue_protocol.payloads import PAYLOADS, Payload
from queue_server.domain import errors
from queue_server.domain.durations import Durations
from queue_server.domain.estimate import Position, estimate_all, expected_minutes
from queue_server.domain.model import ServiceRule, Ticket
from queue_server.notify.channels import NoticeChannels
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
    known_positions: tuple[list[Ticket], dict[int, Position]] | None = None
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
        """The duration model of the estimate, learned from the office's recent steps."""
        return self.repo.duration_model(self.office.id, self.rules)

    def positions(self) -> tuple[list[Ticket], dict[int, Position]]:
        """Every waiting ticket and its position, as the state stands now in this transaction."""
        waiting = self.repo.waiting(self.office.id)
        operators = self.repo.operators(self.office.id)
        positions = estimate_all(waiting, operators, self.rules, self.durations(), self.now)
        self.known_positions = (waiting, positions)
        return waiting, positions
