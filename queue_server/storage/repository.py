"""Reading and writing the queue's state inside one transaction; rows in, domain objects out."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)

from queue_server.domain.durations import (
    BOOKED_LATE,
    HISTORY_STEPS,
    ArrivalRecord,
    LearnedDurations,
    PauseRecord,
    StepRecord,
)
from queue_server.domain.hours import PlannedBreaks, WeeklyHours, parse_hours
from queue_server.domain.model import (
    Operator,
    OperatorState,
    ServiceRule,
    Ticket,
    TicketClass,
    TicketStatus,
)
from queue_server.storage import tables as t
from queue_server.storage.db import READ_ONLY
from queue_server.storage.prepared import Prepared

logger = logging.getLogger("okno.storage")


@dataclass(frozen=True)
class OfficeRow:
    id: str
    name: dict[str, str]
    timezone: str
    address: str
    seq: int


@dataclass(frozen=True)
class ServiceRow:
    id: str
    prefix: str
    name: dict[str, str]
    category: str | None
    description: dict[str, str] | None
    documents: list[dict[str, str]]
    expected_minutes: float
    max_wait_minutes: float
    daily_limit: int | None
    kiosk: bool
    active: bool
    hours: dict[str, str] | None = None

    @property
    def rule(self) -> ServiceRule:
        return ServiceRule(self.id, self.prefix, self.expected_minutes, self.max_wait_minutes)


@dataclass(frozen=True)
class WorkplaceRow:
    id: str
    name: dict[str, str]
    kind: str


@dataclass(frozen=True)
class OperatorRow:
    id: str
    office: str
    name: str
    password_hash: str
    roles: list[str]
    active: bool
    state: str
    workplace: str | None
    pause_reason: str | None
    current_ticket: int | None
    busy_since: datetime | None
    breaks: dict[str, str] | None = None  # planned, weekly local ranges (domain/hours.py)
    shift: dict[str, str] | None = None  # working hours, the same way


_TICKET_COLUMNS = [
    "id",
    "number",
    "service",
    "ticket_class",
    "status",
    "issued_at",
    "due_at",
    "not_before",
    "slot_at",
    "target_operator",
    "target_workplace",
    "operator",
    "workplace",
    "called_at",
    "started_at",
    "calls",
    "lang",
    "note",
]


def ticket_from_row(row: Any) -> Ticket:
    """A domain Ticket from a `tickets` row."""
    values = {name: getattr(row, name) for name in _TICKET_COLUMNS}
    values["ticket_class"] = TicketClass(values["ticket_class"])
    values["status"] = TicketStatus(values["status"])
    return Ticket(**values)


def _ticket_values(ticket: Ticket) -> dict[str, Any]:
    values = {name: getattr(ticket, name) for name in _TICKET_COLUMNS if name != "id"}
    values["ticket_class"] = ticket.ticket_class.value
    values["status"] = ticket.status.value
    return values


# The statements every command runs, built once: `insert(...).values(**row)` built per call
# costs SQLAlchemy a coercion per value and a fresh cache key (~40 % of an issue); these take the
# row as execution parameters, compiled once per dialect and set of parameter names, and run on
# the driver's cursor (storage/prepared.py: another ~35 µs each).
_INSERT_TICKET = Prepared(insert(t.tickets).returning(t.tickets.c.id))
_SAVE_TICKET = Prepared(update(t.tickets).where(t.tickets.c.id == bindparam("ticket_id")))
_INSERT_STEP = Prepared(insert(t.steps))
_OPEN_STEP_ID = select(func.max(t.steps.c.id)).where(
    t.steps.c.ticket == bindparam("ticket_id"), t.steps.c.outcome.is_(None)
)
# One statement: the open step found and changed together (a command changes it on every call,
# start and finish).
_OPEN_STEP = update(t.steps).where(t.steps.c.id == _OPEN_STEP_ID.scalar_subquery())
_SAVE_OPEN_STEP = Prepared(_OPEN_STEP)
# ... and when it finishes, what the duration model learns of it, in the same statement.
_FINISH_OPEN_STEP = Prepared(
    _OPEN_STEP.returning(
        t.steps.c.service,
        t.steps.c.operator,
        t.steps.c.called_at,
        t.steps.c.started_at,
        t.steps.c.finished_at,
        t.steps.c.outcome,
    )
)
_SET_OPERATOR = Prepared(update(t.operators).where(t.operators.c.id == bindparam("operator_id")))
_COUNTER = Prepared(
    select(t.counters.c.day, t.counters.c.last).where(
        t.counters.c.office == bindparam("counter_office"),
        t.counters.c.prefix == bindparam("counter_prefix"),
    )
)
_INSERT_COUNTER = Prepared(insert(t.counters))
_SAVE_COUNTER = Prepared(
    update(t.counters).where(
        t.counters.c.office == bindparam("counter_office"),
        t.counters.c.prefix == bindparam("counter_prefix"),
    )
)
# What OfficeRow holds, read by every command: not the settings document (JSON to decode).
_OFFICE = Prepared(
    select(
        t.offices.c.id,
        t.offices.c.name,
        t.offices.c.timezone,
        t.offices.c.address,
        t.offices.c.seq,
    ).where(t.offices.c.id == bindparam("office_id"))
)
_TAKE_SEQS = Prepared(
    update(t.offices)
    .where(t.offices.c.id == bindparam("office_id"))
    .values(seq=t.offices.c.seq + bindparam("count"))
    .returning(t.offices.c.seq)
)
_INSERT_EVENTS = Prepared(insert(t.events))
_NOTIFY_EVENTS = Prepared(text("SELECT pg_notify('okno_events', :payload)"))
_INSERT_ANSWER = Prepared(insert(t.idempotency))

#: How many of the latest tickets the walk-in forecast looks at (over an hour of a busy office).
ARRIVALS_KEPT = 500
#: How far ahead the booked slots are read for the forecast (kept in the office cache).
BOOKED_AHEAD = timedelta(hours=12)
#: How far back in the event log the pause history looks.
PAUSE_EVENTS = 5000


def office_settings(conn: Connection, office: str) -> dict[str, Any]:
    """The office's settings document (booking, check-in, rating, ...), {} when it has none."""
    value = conn.execute(
        select(t.offices.c.settings).where(t.offices.c.id == office)
    ).scalar_one_or_none()
    return value if isinstance(value, dict) else {}


def step_record(row: Any) -> StepRecord:
    """A StepRecord from a `steps` row (or a row with its columns)."""
    return StepRecord(
        row.service, row.operator, row.called_at, row.started_at, row.finished_at, row.outcome
    )


def pauses_from_status_events(
    items: Iterable[tuple[datetime, Mapping[str, Any]]],
) -> list[PauseRecord]:
    """Pauses from `operator.status` events (time, data) in log order."""
    open_since: dict[str, datetime] = {}
    result: list[PauseRecord] = []
    for at, data in items:
        operator, state = data.get("operator"), data.get("state")
        if not isinstance(operator, str):
            continue
        started = open_since.pop(operator, None)
        if started is not None:
            result.append(PauseRecord(operator, started, at))
        if state == OperatorState.PAUSED.value:
            open_since[operator] = at
    result.extend(PauseRecord(op, since) for op, since in open_since.items())
    return result


class Repository:
    """The queue tables seen from one connection (inside one office transaction)."""

    def __init__(self, connection: Connection) -> None:
        self.conn = connection

    # -- office and configuration -------------------------------------------------------------

    def office(self, office: str) -> OfficeRow | None:
        row = _OFFICE.first(self.conn, {"office_id": office})
        return OfficeRow(*row) if row is not None else None

    def office_settings(self, office: str) -> dict[str, Any]:
        return office_settings(self.conn, office)

    def office_seqs(self) -> list[tuple[str, int]]:
        return [(r.id, r.seq) for r in self.conn.execute(select(t.offices.c.id, t.offices.c.seq))]

    def services(self, office: str) -> list[ServiceRow]:
        rows = self.conn.execute(
            select(t.services)
            .where(t.services.c.office == office)
            .order_by(t.services.c.position, t.services.c.id)
        )
        return [
            ServiceRow(
                r.id,
                r.prefix,
                r.name,
                r.category,
                r.description,
                r.documents or [],
                r.expected_minutes,
                r.max_wait_minutes,
                r.daily_limit,
                r.kiosk,
                r.active,
                r.hours,
            )
            for r in rows
        ]

    def categories(self, office: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            select(t.categories)
            .where(t.categories.c.office == office)
            .order_by(t.categories.c.position, t.categories.c.id)
        )
        return [{"id": r.id, "name": r.name, "parent": r.parent} for r in rows]

    def workplaces(self, office: str) -> dict[str, WorkplaceRow]:
        rows = self.conn.execute(select(t.workplaces).where(t.workplaces.c.office == office))
        return {r.id: WorkplaceRow(r.id, r.name, r.kind) for r in rows}

    def operator_row(self, operator: str) -> OperatorRow | None:
        row = self.conn.execute(select(t.operators).where(t.operators.c.id == operator)).first()
        return None if row is None else self._operator_row(row)

    @staticmethod
    def _operator_row(row: Any) -> OperatorRow:
        return OperatorRow(
            row.id,
            row.office,
            row.name,
            row.password_hash,
            list(row.roles),
            row.active,
            row.state,
            row.workplace,
            row.pause_reason,
            row.current_ticket,
            row.busy_since,
            row.breaks,
            row.shift,
        )

    @staticmethod
    def _planned_breaks(rows: Iterable[OperatorRow], timezone: str) -> PlannedBreaks:
        """The planned breaks and shifts of the active operators among `rows`. What the office
        file's check would have refused (a hand-edited row) is left out with a warning: the
        estimate then does without it rather than every command failing."""
        weeks: dict[str, dict[str, WeeklyHours]] = {"breaks": {}, "shift": {}}
        for r in rows:
            for kind, spec in (("breaks", r.breaks), ("shift", r.shift)):
                if not r.active or not spec:
                    continue
                try:
                    weeks[kind][r.id] = parse_hours(spec)
                except (ValueError, TypeError, AttributeError) as exc:
                    logger.warning("ignoring the unreadable %s of operator %s: %s", kind, r.id, exc)
        return PlannedBreaks(weeks["breaks"], ZoneInfo(timezone), weeks["shift"])

    def planned_breaks(self, office: str) -> PlannedBreaks:
        """The office's operators' planned breaks, in its time zone."""
        row = self.office(office)
        rows = self.conn.execute(select(t.operators).where(t.operators.c.office == office))
        return self._planned_breaks(
            [self._operator_row(r) for r in rows], row.timezone if row else "UTC"
        )

    def operators(self, office: str) -> list[Operator]:
        """Every active operator of `office` with levels and what they are busy with."""
        levels: dict[str, dict[str, int]] = {}
        for row in self.conn.execute(
            select(t.operator_services)
            .join(t.operators, t.operators.c.id == t.operator_services.c.operator)
            .where(t.operators.c.office == office)
        ):
            levels.setdefault(row.operator, {})[row.service] = row.level
        result = []
        rows = self.conn.execute(
            select(
                t.operators,
                t.tickets.c.service.label("current_service"),
                t.tickets.c.status.label("current_status"),
            )
            .outerjoin(t.tickets, t.tickets.c.id == t.operators.c.current_ticket)
            .where(t.operators.c.office == office, t.operators.c.active.is_(True))
            .order_by(t.operators.c.id)
        )
        for r in rows:
            result.append(
                Operator(
                    id=r.id,
                    workplace=r.workplace,
                    levels=levels.get(r.id, {}),
                    state=OperatorState(r.state),
                    current_ticket=r.current_ticket,
                    current_service=r.current_service,
                    busy_since=r.busy_since,
                    current_status=TicketStatus(r.current_status) if r.current_status else None,
                )
            )
        return result

    def open_session(
        self,
        token_hash: str,
        operator: str,
        office: str,
        workplace: str,
        expires_at: datetime,
        now: datetime,
    ) -> None:
        """Store a login session (and forget the expired ones)."""
        self.conn.execute(delete(t.sessions).where(t.sessions.c.expires_at < now))
        self.conn.execute(
            insert(t.sessions).values(
                token_hash=token_hash,
                operator=operator,
                office=office,
                workplace=workplace,
                expires_at=expires_at,
            )
        )

    def operators_signed_in(self, office: str, now: datetime) -> set[str]:
        """Operators of `office` holding a session that has not expired."""
        return set(
            self.conn.execute(
                select(t.sessions.c.operator).where(
                    t.sessions.c.office == office, t.sessions.c.expires_at > now
                )
            ).scalars()
        )

    def set_operator(self, operator: str, **values: Any) -> None:
        _SET_OPERATOR.execute(self.conn, {"operator_id": operator, **values})

    # -- tickets ------------------------------------------------------------------------------

    def waiting(self, office: str) -> list[Ticket]:
        rows = self.conn.execute(
            select(t.tickets).where(
                t.tickets.c.office == office, t.tickets.c.status == TicketStatus.WAITING.value
            )
        )
        return [ticket_from_row(r) for r in rows]

    def bookings_changed(self, office: str) -> None:
        """The office's bookings changed in this transaction (read again when next asked; this
        repository keeps nothing of them)."""

    def waiting_count(self, office: str) -> int:
        """How many tickets of `office` wait (without reading them)."""
        return self._count_tickets(
            t.tickets.c.office == office, t.tickets.c.status == TicketStatus.WAITING.value
        )

    def _count_tickets(self, *where: ColumnElement[bool]) -> int:
        query = select(func.count()).select_from(t.tickets).where(*where)
        return int(self.conn.execute(query).scalar_one())

    def ticket(self, office: str, ticket_id: int) -> Ticket | None:
        row = self.conn.execute(
            select(t.tickets).where(t.tickets.c.office == office, t.tickets.c.id == ticket_id)
        ).first()
        return ticket_from_row(row) if row is not None else None

    def ticket_by_token(self, token: str) -> Any:
        return self.conn.execute(select(t.tickets).where(t.tickets.c.public_token == token)).first()

    def tickets_by_tokens(self, tokens: Sequence[str]) -> list[Any]:
        """Rows of the tickets with these public tokens (unknown tokens have none)."""
        if not tokens:
            return []
        query = select(t.tickets).where(t.tickets.c.public_token.in_(list(tokens)))
        return list(self.conn.execute(query))

    def active_tickets(self, office: str) -> list[Any]:
        """Rows of tickets now called or being served, most recently called first."""
        return list(
            self.conn.execute(
                select(t.tickets)
                .where(
                    t.tickets.c.office == office,
                    t.tickets.c.status.in_([TicketStatus.CALLED.value, TicketStatus.SERVING.value]),
                )
                .order_by(t.tickets.c.called_at.desc())
            )
        )

    def insert_ticket(self, office: str, day: str, ticket: Ticket, public_token: str) -> int:
        values = _ticket_values(ticket)
        values.update(office=office, day=day, public_token=public_token)
        values["issued_service"] = ticket.service
        (ticket_id,) = _INSERT_TICKET.execute(self.conn, values)[0]
        return int(ticket_id)

    def save_ticket(self, ticket: Ticket) -> None:
        _SAVE_TICKET.execute(self.conn, {"ticket_id": ticket.id, **_ticket_values(ticket)})

    def count_issued(self, office: str, day: str, service: str) -> int:
        """Tickets issued on `day` for `service`, wherever they were transferred since."""
        return self._count_tickets(
            t.tickets.c.office == office,
            t.tickets.c.day == day,
            t.tickets.c.issued_service == service,
        )

    def next_counter(self, office: str, prefix: str, day: str) -> int:
        """Advance and return the daily counter of `prefix` (1 … 999, then 1; 1 on a new day)."""
        from queue_server.domain.numbering import next_counter

        where = {"counter_office": office, "counter_prefix": prefix}
        row = _COUNTER.first(self.conn, where)
        if row is None:
            value = next_counter(0)
            _INSERT_COUNTER.execute(
                self.conn, {"office": office, "prefix": prefix, "day": day, "last": value}
            )
            return value
        last_day, last = row
        value = next_counter(last if last_day == day else 0)
        _SAVE_COUNTER.execute(self.conn, {**where, "day": day, "last": value})
        return value

    # -- steps ---------------------------------------------------------------------------------

    def open_step(self, office: str, ticket: int, service: str, enqueued_at: datetime) -> None:
        _INSERT_STEP.execute(
            self.conn,
            {
                "ticket": ticket,
                "office": office,
                "service": service,
                "enqueued_at": enqueued_at,
                "calls": 0,
            },
        )

    def update_open_step(self, ticket: int, **values: Any) -> StepRecord | None:
        """Change the ticket's current (unfinished) step; when `values` finish it, the step as
        it now stands (None: the ticket had no open step)."""
        if "finished_at" not in values:
            _SAVE_OPEN_STEP.execute(self.conn, {"ticket_id": ticket, **values})
            return None
        row = _FINISH_OPEN_STEP.first(self.conn, {"ticket_id": ticket, **values})
        return StepRecord(*row) if row is not None else None

    def recent_durations(self, office: str, services: Iterable[str]) -> dict[str, list[float]]:
        """Minutes of the last 20 finished service steps per service, oldest first."""
        result: dict[str, list[float]] = {}
        for service in services:
            rows = self.conn.execute(
                select(t.steps.c.started_at, t.steps.c.finished_at)
                .where(
                    t.steps.c.office == office,
                    t.steps.c.service == service,
                    t.steps.c.started_at.is_not(None),
                    t.steps.c.finished_at.is_not(None),
                    t.steps.c.outcome.in_(["resolved", "follow_up"]),
                )
                .order_by(t.steps.c.finished_at.desc())
                .limit(20)
            ).all()
            result[service] = [
                (r.finished_at - r.started_at).total_seconds() / 60 for r in reversed(rows)
            ]
        return result

    def step_history(
        self, office: str, services: Iterable[str], limit: int = HISTORY_STEPS
    ) -> list[StepRecord]:
        """The last `limit` finished steps per service that reached a desk, for the duration
        model (domain/durations.py); one indexed query per service."""
        result: list[StepRecord] = []
        s = t.steps.c
        for service in services:
            rows = self.conn.execute(
                select(s.service, s.operator, s.called_at, s.started_at, s.finished_at, s.outcome)
                .where(
                    s.office == office,
                    s.service == service,
                    s.finished_at.is_not(None),
                    s.called_at.is_not(None),
                )
                .order_by(s.finished_at.desc())
                .limit(limit)
            ).all()
            result.extend(step_record(r) for r in reversed(rows))
        return result

    def duration_model(
        self,
        office: str,
        rules: Mapping[str, ServiceRule],
        forecast: bool = False,
        now: datetime | None = None,
    ) -> LearnedDurations:
        """The office's learned duration model for the wait estimate (domain/durations.py);
        with `forecast`, it also forecasts walk-ins from the latest tickets and, given `now`,
        the booked visitors still to come."""
        model = LearnedDurations.learn(
            self.step_history(office, list(rules)), rules, self.pause_history(office)
        )
        breaks = self.planned_breaks(office)
        if breaks:
            model = model.with_breaks(breaks)
        if not forecast:
            return model
        booked = (
            self.booked_slots(office, now - BOOKED_LATE, now + BOOKED_AHEAD)
            if now is not None
            else []
        )
        return model.forecasting(self.recent_arrivals(office), booked)

    def recent_arrivals(self, office: str, limit: int = ARRIVALS_KEPT) -> list[ArrivalRecord]:
        """The office's last `limit` tickets as arrivals (the service issued for, class, time),
        oldest first, for the duration model's forecast (one primary-key range scan)."""
        rows = self.conn.execute(
            select(t.tickets.c.issued_service, t.tickets.c.ticket_class, t.tickets.c.issued_at)
            .where(t.tickets.c.office == office)
            .order_by(t.tickets.c.id.desc())
            .limit(limit)
        ).all()
        return [
            ArrivalRecord(r.issued_service, TicketClass(r.ticket_class), r.issued_at)
            for r in reversed(rows)
        ]

    def booked_slots(
        self, office: str, since: datetime, until: datetime
    ) -> list[tuple[str, datetime]]:
        """(service, slot time) of the bookings not checked in yet with slots in [since, until],
        in slot order, for the duration model's forecast (the bookings' office/service/slot
        index)."""
        b = t.bookings.c
        rows = self.conn.execute(
            select(b.service, b.slot_at)
            .where(
                b.office == office,
                b.status == "booked",
                b.slot_at >= since,
                b.slot_at <= until,
            )
            .order_by(b.slot_at)
        ).all()
        return [(r.service, r.slot_at) for r in rows]

    def pause_history(self, office: str, last_events: int = PAUSE_EVENTS) -> list[PauseRecord]:
        """The operators' pauses told by the office's last `last_events` events (the one still
        going has no end): a bounded range of the events' primary key, whatever the log's size."""
        seq = self.conn.execute(
            select(t.offices.c.seq).where(t.offices.c.id == office)
        ).scalar_one_or_none()
        if seq is None:
            return []
        rows = self.conn.execute(
            select(t.events.c.at, t.events.c.data)
            .where(
                t.events.c.office == office,
                t.events.c.seq > seq - last_events,
                t.events.c.type == "operator.status",
            )
            .order_by(t.events.c.seq)
        )
        return pauses_from_status_events((r.at, r.data) for r in rows)

    # -- events -------------------------------------------------------------------------------

    def append_events(
        self, office: str, items: Sequence[tuple[str, Mapping[str, Any]]], at: datetime
    ) -> list[dict[str, Any]]:
        """Write events with the office's next seqs; returns them as envelope dicts.

        The seqs are taken by one `UPDATE … RETURNING` of the office's row, which takes the
        per-office lock when the caller does not hold it yet (PostgreSQL: the row lock, waiting
        for the office's running command; SQLite: the database's write lock). So a caller in a
        plain transaction (`okno operator add`, `okno config apply`) can never write a seq that a
        command of the office wrote too. A read-only transaction may not append.
        """
        if not items:
            return []
        if self.conn.get_execution_options().get(READ_ONLY, False):
            raise RuntimeError("events are appended in a write transaction, not a read-only one")
        ((last,),) = _TAKE_SEQS.execute(self.conn, {"office_id": office, "count": len(items)})
        seq = last - len(items)
        rows = []
        for offset, (kind, data) in enumerate(items, start=1):
            rows.append(
                {"office": office, "seq": seq + offset, "type": kind, "at": at, "data": dict(data)}
            )
        _INSERT_EVENTS.execute_many(self.conn, rows)
        if self.conn.dialect.name == "postgresql":
            # Delivered to the other server processes only if this transaction commits.
            _NOTIFY_EVENTS.execute(self.conn, {"payload": f"{office}:{seq + len(rows)}"})
        return rows

    def events_since(self, office: str, since: int, limit: int) -> list[Any]:
        return list(
            self.conn.execute(
                select(t.events)
                .where(and_(t.events.c.office == office, t.events.c.seq > since))
                .order_by(t.events.c.seq)
                .limit(limit)
            )
        )

    # -- idempotency --------------------------------------------------------------------------

    def idempotent_answer(self, principal: str, key: str) -> Any:
        return self.conn.execute(
            select(t.idempotency).where(
                t.idempotency.c.principal == principal, t.idempotency.c.key == key
            )
        ).first()

    def forget_answers_before(self, moment: datetime) -> None:
        self.conn.execute(delete(t.idempotency).where(t.idempotency.c.created_at < moment))

    def remember_answer(
        self,
        principal: str,
        key: str,
        endpoint: str,
        request_hash: str,
        status: int,
        body: Any,
        at: datetime,
    ) -> None:
        _INSERT_ANSWER.execute(
            self.conn,
            {
                "principal": principal,
                "key": key,
                "endpoint": endpoint,
                "request_hash": request_hash,
                "status": status,
                "body": body,
                "created_at": at,
            },
        )
