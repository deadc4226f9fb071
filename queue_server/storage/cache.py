"""A per-office memory of the queue's hot state, kept in step with the database.

Every command reads the waiting tickets, the operators and the services; reading them from the
database each time costs more than the command itself. `CachedRepository` serves those reads from
an `OfficeCache` and writes through to the database. The cache is valid only for the office's
event seq it was loaded at: every change to an office appends an event, so when the seq read at
the start of a transaction differs (another process, a configuration applied), the caller drops
the cache and it reloads. The caller also drops it when a transaction fails, since handlers may
have changed cached objects before raising.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from queue_server.domain.durations import (
    BOOKED_LATE,
    FORECAST_HORIZON,
    ArrivalRecord,
    LearnedDurations,
    PauseRecord,
    StepHistory,
    StepRecord,
)
from queue_server.domain.hours import PlannedBreaks
from queue_server.domain.incremental import EstimateKeeper
from queue_server.domain.model import (
    Operator,
    OperatorState,
    ServiceRule,
    Ticket,
    TicketStatus,
)
from queue_server.storage import tables as t
from queue_server.storage.repository import (
    ARRIVALS_KEPT,
    BOOKED_AHEAD,
    OperatorRow,
    Repository,
    ServiceRow,
    WorkplaceRow,
    ticket_from_row,
)

_AT_DESK = (TicketStatus.CALLED, TicketStatus.SERVING)


@dataclass
class OfficeCache:
    """What one office's commands read over and over; `seq` is the event seq it matches."""

    office: str
    seq: int
    loaded: bool = False
    services: list[ServiceRow] = field(default_factory=list)
    workplaces: dict[str, WorkplaceRow] = field(default_factory=dict)
    operator_rows: dict[str, OperatorRow] = field(default_factory=dict)
    levels: dict[str, dict[str, int]] = field(default_factory=dict)
    waiting: dict[int, Ticket] = field(default_factory=dict)
    at_desk: dict[int, Ticket] = field(default_factory=dict)
    durations: dict[str, list[float]] | None = None
    # The duration model's inputs and the model built from them (None: load or build again).
    # The step history learns each finished step as it comes, for the services' rules it was
    # loaded with (a configuration change reloads the whole cache).
    history: StepHistory | None = None
    pauses: list[PauseRecord] | None = None
    duration_model: LearnedDurations | None = None
    breaks: PlannedBreaks | None = None  # the operators' planned breaks, read with them
    # The latest tickets (appended at each issue) and the model forecasting from them.
    arrivals: list[ArrivalRecord] | None = None
    forecasting_model: LearnedDurations | None = None
    # The booked slots the forecasting model knows, read up to `booked_until` (kept when the
    # model is learned again after a finish: only a booking event changes them).
    booked: list[tuple[str, datetime]] | None = None
    booked_until: datetime | None = None
    # The office's settings document (only a configuration change, which reloads the cache,
    # writes it): read once instead of at every finish (the rating terminal's settings).
    settings: dict[str, Any] | None = None
    # The wait estimate's recorded replay, told of every change below (domain/incremental.py).
    keeper: EstimateKeeper = field(default_factory=EstimateKeeper)
    # Set by every write through the cache in the current transaction: a failure after one means
    # the cached objects may no longer match the database.
    written: bool = False


class CachedRepository(Repository):
    """A Repository whose hot reads come from `cache` (loaded on first use)."""

    def __init__(self, connection: Connection, cache: OfficeCache) -> None:
        super().__init__(connection)
        self.cache = cache

    def _ready(self) -> OfficeCache:
        cache = self.cache
        if not cache.loaded:
            office = cache.office
            cache.services = super().services(office)
            cache.workplaces = super().workplaces(office)
            rows = self.conn.execute(select(t.operators).where(t.operators.c.office == office))
            cache.operator_rows = {r.id: self._operator_row(r) for r in rows}
            office_row = super().office(office)
            cache.breaks = self._planned_breaks(
                cache.operator_rows.values(), office_row.timezone if office_row else "UTC"
            )
            cache.levels = {}
            for row in self.conn.execute(
                select(t.operator_services).where(
                    t.operator_services.c.operator.in_(list(cache.operator_rows))
                )
            ):
                cache.levels.setdefault(row.operator, {})[row.service] = row.level
            tickets = self.conn.execute(
                select(t.tickets).where(
                    t.tickets.c.office == office,
                    t.tickets.c.status.in_([s.value for s in (TicketStatus.WAITING, *_AT_DESK)]),
                )
            )
            cache.waiting, cache.at_desk = {}, {}
            for row in tickets:
                self._place(ticket_from_row(row))
            cache.loaded = True
        return cache

    def _place(self, ticket: Ticket) -> None:
        cache = self.cache
        cache.waiting.pop(ticket.id, None)
        cache.at_desk.pop(ticket.id, None)
        if ticket.status is TicketStatus.WAITING:
            cache.waiting[ticket.id] = ticket
        elif ticket.status in _AT_DESK:
            cache.at_desk[ticket.id] = ticket

    # -- reads --------------------------------------------------------------------------------

    def services(self, office: str) -> list[ServiceRow]:
        return (
            list(self._ready().services)
            if office == self.cache.office
            else super().services(office)
        )

    def workplaces(self, office: str) -> dict[str, WorkplaceRow]:
        if office != self.cache.office:
            return super().workplaces(office)
        return dict(self._ready().workplaces)

    def operator_row(self, operator: str) -> OperatorRow | None:
        row = self._ready().operator_rows.get(operator)
        return row if row is not None else super().operator_row(operator)

    def operators(self, office: str) -> list[Operator]:
        if office != self.cache.office:
            return super().operators(office)
        cache = self._ready()
        result = []
        for row in sorted(cache.operator_rows.values(), key=lambda r: r.id):
            if not row.active:
                continue
            current = cache.at_desk.get(row.current_ticket) if row.current_ticket else None
            result.append(
                Operator(
                    id=row.id,
                    workplace=row.workplace,
                    levels=dict(cache.levels.get(row.id, {})),
                    state=OperatorState(row.state),
                    current_ticket=row.current_ticket,
                    current_service=current.service if current else None,
                    busy_since=row.busy_since,
                    current_status=current.status if current else None,
                )
            )
        return result

    def waiting(self, office: str) -> list[Ticket]:
        if office != self.cache.office:
            return super().waiting(office)
        return list(self._ready().waiting.values())

    def waiting_count(self, office: str) -> int:
        if office != self.cache.office:
            return super().waiting_count(office)
        return len(self._ready().waiting)

    def ticket(self, office: str, ticket_id: int) -> Ticket | None:
        if office == self.cache.office:
            cache = self._ready()
            cached = cache.waiting.get(ticket_id) or cache.at_desk.get(ticket_id)
            if cached is not None:
                return cached
        return super().ticket(office, ticket_id)

    def recent_durations(self, office: str, services: Iterable[str]) -> dict[str, list[float]]:
        if office != self.cache.office:
            return super().recent_durations(office, services)
        cache = self._ready()
        if cache.durations is None:
            cache.durations = super().recent_durations(office, [s.id for s in cache.services])
        return cache.durations

    def office_settings(self, office: str) -> dict[str, Any]:
        if office != self.cache.office:
            return super().office_settings(office)
        if self.cache.settings is None:
            self.cache.settings = super().office_settings(office)
        return self.cache.settings

    def duration_model(
        self,
        office: str,
        rules: Mapping[str, ServiceRule],
        forecast: bool = False,
        now: datetime | None = None,
    ) -> LearnedDurations:
        if office != self.cache.office:
            return super().duration_model(office, rules, forecast, now)
        cache = self._ready()
        if cache.duration_model is None:
            if cache.history is None:
                steps = super().step_history(office, [s.id for s in cache.services])
                cache.history = StepHistory(steps, rules)
            if cache.pauses is None:
                cache.pauses = super().pause_history(office)
            model = cache.history.model(cache.pauses)
            cache.duration_model = model.with_breaks(cache.breaks) if cache.breaks else model
            cache.forecasting_model = None
        if not forecast:
            return cache.duration_model
        if cache.forecasting_model is not None and now is not None:
            horizon = now + FORECAST_HORIZON
            if cache.booked_until is None or horizon > cache.booked_until:
                cache.forecasting_model = None  # the booked slots read end too soon
        if cache.forecasting_model is None:
            if cache.arrivals is None:
                cache.arrivals = super().recent_arrivals(office)
            if now is None:
                cache.booked, cache.booked_until = None, None
            elif (
                cache.booked is None
                or cache.booked_until is None
                or now + FORECAST_HORIZON > cache.booked_until
            ):
                # Read from BOOKED_LATE back: the model itself skips the slots now too old.
                cache.booked_until = now + BOOKED_AHEAD
                cache.booked = super().booked_slots(office, now - BOOKED_LATE, cache.booked_until)
            # The model reads the arrivals list at each estimate; `insert_ticket` appends to it.
            cache.forecasting_model = cache.duration_model.forecasting(
                cache.arrivals, cache.booked or []
            )
        return cache.forecasting_model

    # -- writes (through to the database, then into the cache) ---------------------------------

    def set_operator(self, operator: str, **values: Any) -> None:
        self.cache.written = True
        self.cache.keeper.operator_set(operator, values)
        super().set_operator(operator, **values)
        cache = self._ready()
        row = cache.operator_rows.get(operator)
        if row is not None:
            cache.operator_rows[operator] = dataclasses.replace(row, **values)

    def insert_ticket(self, office: str, day: str, ticket: Ticket, public_token: str) -> int:
        self.cache.written = True
        ticket_id = super().insert_ticket(office, day, ticket, public_token)
        if office == self.cache.office:
            self._ready()
            ticket.id = ticket_id
            self._place(ticket)
            arrivals = self.cache.arrivals
            if arrivals is not None:
                arrivals.append(
                    ArrivalRecord(ticket.service, ticket.ticket_class, ticket.issued_at)
                )
                if len(arrivals) > 2 * ARRIVALS_KEPT:
                    del arrivals[:ARRIVALS_KEPT]  # the model holds this very list
            self.cache.keeper.issued(ticket)
        return ticket_id

    def save_ticket(self, ticket: Ticket) -> None:
        self.cache.written = True
        # The estimate's lines hold waiting tickets only: a ticket at a desk changes operators.
        waiting = ticket.status is TicketStatus.WAITING
        was_waiting = ticket.id in self.cache.waiting or not self.cache.loaded
        if self.cache.loaded and was_waiting and ticket.status is TicketStatus.CALLED:
            self.cache.keeper.called(ticket)  # taken out of the record when it provably can
        else:
            self.cache.keeper.changed(ticket=waiting or was_waiting)
        super().save_ticket(ticket)
        self._ready()
        self._place(ticket)

    def update_open_step(self, ticket: int, **values: Any) -> StepRecord | None:
        self.cache.written = True
        step = super().update_open_step(ticket, **values)
        if "finished_at" in values:
            self.cache.durations = None  # a finished step changes the recent durations
            self._learn_step(step)
        return step

    def _learn_step(self, step: StepRecord | None) -> None:
        """Add the step just finished to the cached history, instead of reloading it (the
        history keeps only the recent steps of each service)."""
        cache = self.cache
        cache.duration_model = None
        if cache.history is not None and step is not None:
            cache.history.add(step)  # it keeps only steps the model learns from

    def bookings_changed(self, office: str) -> None:
        if office == self.cache.office:
            self.cache.forecasting_model = None  # the booked slots it expects are read again
            self.cache.booked = None

    def append_events(
        self, office: str, items: Sequence[tuple[str, Mapping[str, Any]]], at: datetime
    ) -> list[dict[str, Any]]:
        self.cache.written = True
        rows = super().append_events(office, items, at)
        if rows and office == self.cache.office:
            self.cache.seq = int(rows[-1]["seq"])
            if any(kind.startswith("booking.") for kind, _ in items):
                self.bookings_changed(office)
            if any(kind == "operator.status" for kind, _ in items):
                self.cache.pauses = None  # a pause began or ended
                self.cache.duration_model = None
        return rows
