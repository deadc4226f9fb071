"""The wait estimate: replay the present forward with the same order function (DESIGN.md §4).

The replay must stay fast with thousands waiting, so it does not rescan every ticket at every step:
within one service, tickets that are neither appointments, nor held back (not-before), nor meant
for a given operator or workplace ("plain" tickets) keep a fixed order by (due, id), and the ones
past the max wait are a prefix of it. So each service keeps two sorted lines (priority, the rest)
and a short list of the others, scanned in full. `tests` check it against `order.next_for`.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import NamedTuple

from queue_server.domain.durations import (
    NO_FORECAST,
    Arrival,
    Durations,
    FixedDurations,
    Forecast,
    WalkIns,
)
from queue_server.domain.durations import expected_minutes as expected_minutes
from queue_server.domain.model import (
    Operator,
    ServiceRule,
    Ticket,
    TicketClass,
    TicketStatus,
)
from queue_server.domain.order import (
    Band,
    OrderKey,
    call_order,
    is_eligible,
    order_key,
    tie_break,
)
from queue_server.domain.spread import FirstCall, spread_first_calls

_MINUTE = timedelta(minutes=1)
_HALF_MINUTE = timedelta(seconds=30)
_URGENT = int(Band.URGENT)
_REGULAR = int(Band.REGULAR)


class Position(NamedTuple):
    """Where a ticket stands: people ahead and the estimated minutes until it is called.

    A named tuple: one is made per waiting ticket on every command, so it must be cheap.
    """

    ahead: int
    minutes: int | None


@dataclass
class _Line:
    """Tickets of one service in order by (due, id); a line is only ever taken from its head,
    so `start` is the head and everything before it has been taken."""

    tickets: list[Ticket] = field(default_factory=list)
    start: int = 0


@dataclass
class _ServiceLines:
    max_wait: timedelta | None
    priority: _Line = field(default_factory=_Line)
    regular: _Line = field(default_factory=_Line)
    special: list[Ticket] = field(default_factory=list)
    # Walk-ins still to come (the duration model's forecast): like the regular line, only its
    # head can be taken, once it has come; `coming` is that head (None when none is left), the
    # `taken`-th of `future`, made when reached.
    future: WalkIns | None = None
    coming: Arrival | None = None
    taken: int = 0

    def take_coming(self) -> None:
        """The head of `future` was taken: the next one comes after it."""
        future = self.future
        assert future is not None
        self.taken += 1
        self.coming = future.arrival(self.taken + 1) if self.taken < future.number else None


def _is_plain(ticket: Ticket) -> bool:
    return (
        ticket.ticket_class is not TicketClass.APPOINTMENT
        and ticket.not_before is None
        and ticket.target_operator is None
        and ticket.target_workplace is None
    )


class _Replay:
    """The waiting tickets, able to answer "what does operator O take at time t" quickly."""

    def __init__(
        self,
        tickets: Iterable[Ticket],
        rules: Mapping[str, ServiceRule],
        future: Forecast = NO_FORECAST,
    ) -> None:
        self.rules = rules
        self.lines: dict[str, _ServiceLines] = {}
        self._served: dict[str, list[tuple[int, _ServiceLines]]] = {}
        for ticket in sorted(tickets, key=lambda t: (t.due_at, t.id)):
            lines = self._lines(ticket.service)
            if not _is_plain(ticket):
                lines.special.append(ticket)
            elif ticket.ticket_class is TicketClass.PRIORITY:
                lines.priority.tickets.append(ticket)
            else:
                lines.regular.tickets.append(ticket)
        for walk_ins in future.walk_ins:  # plain once they have come
            if walk_ins.number:
                lines = self._lines(walk_ins.service)
                lines.future, lines.coming = walk_ins, walk_ins.arrival(1)
        for arrival in sorted(future.booked, key=lambda a: (a.due_at, a.id)):
            # a forecast appointment: few, scanned in full
            self._lines(arrival.service).special.append(arrival.ticket())

    def _lines(self, service: str) -> _ServiceLines:
        lines = self.lines.get(service)
        if lines is None:
            rule = self.rules.get(service)
            max_wait = timedelta(minutes=rule.max_wait_minutes) if rule else None
            lines = self.lines[service] = _ServiceLines(max_wait)
        return lines

    def _lines_of(self, op: Operator) -> list[tuple[int, _ServiceLines]]:
        """(level, lines) of each of `op`'s services that has any, looked up once per replay."""
        found = self._served.get(op.id)
        if found is None:
            found = self._served[op.id] = [
                (level, self.lines[service])
                for service, level in op.levels.items()
                if service in self.lines
            ]
        return found

    def take(self, op: Operator, now: datetime) -> tuple[Ticket | Arrival | None, OrderKey | None]:
        """The ticket `op` takes at `now` (the same as `order.next_for`), removed from the lines,
        and its order key; a forecast walk-in is taken as its `Arrival`."""
        best: Ticket | Arrival | None = None
        best_key: OrderKey | None = None
        best_line: _Line | _ServiceLines | None = None  # None: a special ticket; lines: future
        for level, lines in self._lines_of(op):
            # Plain heads are always eligible and their key is known without `band_and_due`.
            line = lines.priority
            if line.start < len(line.tickets):
                head = line.tickets[line.start]
                key: OrderKey = (level, _URGENT, head.due_at, head.id)
                if best_key is None or key < best_key:
                    best, best_key, best_line = head, key, line
            line = lines.regular
            if line.start < len(line.tickets):
                head = line.tickets[line.start]
                late = lines.max_wait is not None and now - head.due_at > lines.max_wait
                key = (level, _URGENT if late else _REGULAR, head.due_at, head.id)
                if best_key is None or key < best_key:
                    best, best_key, best_line = head, key, line
            coming = lines.coming
            if coming is not None and coming.due_at <= now:
                late = lines.max_wait is not None and now - coming.due_at > lines.max_wait
                # after a real ticket due at the same time
                key = (level, _URGENT if late else _REGULAR, coming.due_at, tie_break(coming.id))
                if best_key is None or key < best_key:
                    best, best_key, best_line = coming, key, lines
            for ticket in lines.special:
                if not is_eligible(ticket, op, now):
                    continue
                key = order_key(ticket, op, self.rules, now)
                if best_key is None or key < best_key:
                    best, best_key, best_line = ticket, key, None
        if best is not None:
            if isinstance(best_line, _ServiceLines):
                best_line.take_coming()
            elif best_line is not None:
                best_line.start += 1
            else:
                assert isinstance(best, Ticket)
                self.lines[best.service].special.remove(best)
        return best, best_key

    def next_release(self, op: Operator, after: datetime) -> datetime | None:
        """The earliest not-before time after `after` of a ticket `op` might take then."""
        times = [
            t.not_before
            for _, lines in self._lines_of(op)
            for t in lines.special
            if t.not_before is not None and t.not_before > after
        ]
        for _, lines in self._lines_of(op):
            if lines.coming is not None and lines.coming.due_at > after:
                times.append(lines.coming.due_at)
        return min(times) if times else None


def estimate_all(
    tickets: Sequence[Ticket],
    operators: Sequence[Operator],
    rules: Mapping[str, ServiceRule],
    expected: Mapping[str, float] | Durations,
    now: datetime,
) -> dict[int, Position]:
    """Positions of every waiting ticket, by replaying who takes which ticket next.

    `expected` is the duration model (domain/durations.py), or one figure per service in
    minutes (`FixedDurations`). Each operator the model counts is free at its `free_at`; the
    one free first takes the next ticket in its order at that time and holds it for the model's
    `occupation`, and so on; one free during a planned break of theirs waits for its end.
    Tickets no counted operator serves get no estimate, and `ahead` counts the tickets of the
    same service before them in the queue list.
    """
    durations: Durations = (
        FixedDurations(expected, rules) if isinstance(expected, Mapping) else expected
    )
    waiting = [t for t in tickets if t.status is TicketStatus.WAITING]
    # Walk-ins still to come (negative ids) take operators' time but get no position.
    replay = _Replay(waiting, rules, durations.forecast(now))
    result: dict[int, Position] = {}
    heap: list[tuple[datetime, str]] = []
    active: dict[str, Operator] = {}
    # Operators busy at `now` and not popped yet (when they are free), and their first calls.
    busy: dict[str, datetime] = {}
    first_calls: list[FirstCall] = []
    for op in operators:
        free_at = durations.free_at(op, now)
        if free_at is not None:
            active[op.id] = op
            heapq.heappush(heap, (free_at, op.id))
            if free_at > now:
                busy[op.id] = free_at
    while heap and len(result) < len(waiting):
        free_at, op_id = heapq.heappop(heap)
        first = busy.pop(op_id, None)
        break_end = durations.break_end(op_id, free_at)
        if break_end is not None:  # a planned break: free again when it ends
            heapq.heappush(heap, (break_end, op_id))
            continue
        op = active[op_id]
        ticket, key = replay.take(op, free_at)
        if first is not None:
            real = ticket if isinstance(ticket, Ticket) and ticket.id >= 0 else None
            first_calls.append(FirstCall(op, free_at, real, key))
        if ticket is None:
            later = replay.next_release(op, free_at)
            if later is not None:
                heapq.heappush(heap, (later, op_id))
            continue
        if ticket.id >= 0:
            result[ticket.id] = Position(ahead=len(result), minutes=whole_minutes(free_at - now))
        held = durations.occupation(ticket.service, op_id, free_at)
        heapq.heappush(heap, (free_at + held, op_id))
    unreached = (
        FirstCall(active[op_id], free_at)
        for op_id, free_at in busy.items()
        if durations.break_end(op_id, free_at) is None
    )
    spread = partial(durations.spread, now=now)
    for ticket_id, minutes in spread_first_calls(first_calls, unreached, rules, spread).items():
        ahead = result[ticket_id].ahead
        result[ticket_id] = Position(ahead, whole_minutes(minutes * _MINUTE))
    if len(result) < len(waiting):
        _count_unserved(waiting, rules, now, result)
    return result


def _count_unserved(
    waiting: list[Ticket],
    rules: Mapping[str, ServiceRule],
    now: datetime,
    result: dict[int, Position],
) -> None:
    """Tickets nobody will take: people of the same service before them, and no estimate."""
    seen_per_service: dict[str, int] = {}
    for ticket in call_order(waiting, rules, now):
        before = seen_per_service.get(ticket.service, 0)
        seen_per_service[ticket.service] = before + 1
        if ticket.id not in result:
            result[ticket.id] = Position(ahead=before, minutes=None)


def whole_minutes(delta: timedelta) -> int:
    """`delta` to the nearest whole minute (half a minute up), not below 0. Not rounded up: the
    estimate is an expectation, and rounding it up would add half a minute to every one."""
    return max(0, (delta + _HALF_MINUTE) // _MINUTE)
