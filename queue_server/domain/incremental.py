"""The wait estimate kept between commands: a recorded replay, extended for a new ticket.

`estimate.estimate_all` replays the whole queue (DESIGN.md §4) for every command, so a command
costs O(waiting). Most commands that change the queue add one walk-in ticket at the tail of its
line, and such a ticket changes nothing in the replay before the first step where some operator
would take it instead of what that operator took: the steps before stay, and only the steps from
there on are replayed again (usually a handful: the last few tickets of each line). The same
record answers a later `now` without a replay while it provably stays what the replay would be.

Why it is exact, and when it gives up (the caller then replays in full):

- Every step remembers its time either as an offset from `now` (operators that were free at
  `now`: their whole chain moves with the clock) or as an absolute time (operators busy past
  `now`). A later `now` changes the replay only when a comparison the replay made would come out
  differently: an offset step overtaking an absolute one in the heap of operators, a ticket's
  wait crossing its service's max wait at an offset step, or the duration model giving another
  figure at the moved time. Each step records how far `now` may move before any of that can
  happen (`deadline`); past the earliest one, the record is dropped.
- Only "plain" tickets (no appointment, no not-before time, no target operator or workplace) are
  handled; a queue holding any other ticket, a ticket nobody serves, a duration model whose
  dependence on time is not known, or one that forecasts arrivals into the replay, is replayed
  in full every time.
- A new ticket is placed by comparing it with what was taken at the steps where it could have
  won (kept per service as candidates); those steps are few: where the operator took nothing,
  took a ticket of a lower level, or took a ticket that the new one would overtake by band.
- A call by an operator free at `now` takes the ticket the record's first step of that
  operator took at `now` (same order function), unless an operator popped before it at `now`
  took it first. When the duration model then has the operator free again exactly when the
  record had it after that step, the replay after the call is the record without that step:
  it is removed (in O(operators): the later steps keep their indices), the operator's later
  steps are fixed at that `now`, and the record gets a deadline before any step that still moves
  with the clock would overtake one of them (`IncrementalEstimate.call`). Any
  other call (another ticket, an operator popped before taking it, a remaining time the model
  sees differently — with learned call times it usually does) drops the record.

The replay mechanics are kept apart from the duration model (`durations.Durations`), which is
passed in and only asked `free_at` and `occupation`, exactly as `estimate_all` asks it.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import cast

from queue_server.domain.durations import Durations, FixedDurations, LearnedDurations
from queue_server.domain.estimate import Position, whole_minutes
from queue_server.domain.model import Operator, ServiceRule, Ticket, TicketClass, TicketStatus
from queue_server.domain.order import Band, is_eligible, order_key
from queue_server.domain.spread import FirstCall, spread_first_calls

_MINUTE = timedelta(minutes=1)
_HOUR = timedelta(hours=1)
_URGENT = int(Band.URGENT)
_REGULAR = int(Band.REGULAR)
#: "Never" for deadlines: far enough, and still a datetime that compares with aware ones.
_NEVER_OFFSET = timedelta(days=3650)


def is_plain(ticket: Ticket) -> bool:
    """A ticket whose place in its service's line is fixed by (due, id) alone."""
    return (
        ticket.ticket_class is not TicketClass.APPOINTMENT
        and ticket.not_before is None
        and ticket.slot_at is None
        and ticket.target_operator is None
        and ticket.target_workplace is None
    )


@dataclass(slots=True)
class _Step:
    """One pop of an operator in the replay; `ticket` None when it took nothing (and left)."""

    op: str
    shifted: bool  # `at` is an offset from `now` (or from its operator's call), else absolute
    at: datetime | timedelta
    ticket: Ticket | None
    ahead: int  # tickets taken before this step
    level: int = 0  # of the ticket taken, for the operator
    band: int = 0
    deadline: datetime | None = None  # the record holds while `now` is before this


@dataclass(slots=True)
class _Line:
    tickets: list[Ticket] = field(default_factory=list)
    start: int = 0


@dataclass(slots=True)
class _Lines:
    max_wait: timedelta | None
    priority: _Line = field(default_factory=_Line)
    regular: _Line = field(default_factory=_Line)

    def line_of(self, ticket: Ticket) -> _Line:
        return self.priority if ticket.ticket_class is TicketClass.PRIORITY else self.regular


class IncrementalEstimate:
    """The recorded replay of one office's queue; build with `build` (None: not applicable)."""

    def __init__(
        self,
        operators: Sequence[Operator],
        rules: Mapping[str, ServiceRule],
        durations: Durations,
        now: datetime,
    ) -> None:
        self.operators = {op.id: op for op in operators}
        self.operator_list = list(operators)
        self.rules = dict(rules)
        self.durations = durations
        self.base = now  # the latest `now` the record was checked or extended at
        self.lines: dict[str, _Lines] = {}
        self.steps: list[_Step] = []
        self.deadlines: list[datetime] = []  # prefix minimum of the steps' deadlines
        self.index: dict[int, int] = {}  # ticket id -> step
        self.by_service: dict[str, list[int]] = {}  # taking steps of each service, in order
        self.candidates: dict[str, list[int]] = {}  # steps where a new ticket may win
        self.start: dict[str, tuple[bool, datetime | timedelta]] = {}  # op -> first free time
        self.end: dict[str, tuple[bool, datetime | timedelta]] = {}  # op -> free time at the end
        self.shifted: dict[str, bool] = {}
        self.oldest: dict[str, datetime] = {}
        self.issue_order: dict[str, list[tuple[datetime, int]]] = {}  # per service, a heap
        self.total = 0
        self.taken = 0
        self.max_id = 0  # a new ticket comes after every ticket held, also among equal dues
        # Calls taken out (`call`): the steps before `first` are empty slots, `shift` is how
        # many steps were taken out (a step's `ahead` less `shift` is its tickets ahead), and
        # the offset steps of a called operator are fixed at the `now` of its call (`anchor`).
        self.first = 0
        self.shift = 0
        self.anchor: dict[str, datetime] = {}
        self.popped: dict[str, int] = {}  # op -> its first step
        # op -> the least lead of its entries pushed by a step over an offset step popped while
        # they were in the heap (see `call`)
        self.lead: dict[str, timedelta] = {}
        self.bound = now + _NEVER_OFFSET  # a deadline of the whole record, set by calls
        # The minutes of tickets taken at busy operators' first calls (spread.py), at one `now`.
        self._spread: tuple[datetime, dict[int, float]] | None = None

    # -- building ------------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        tickets: Sequence[Ticket],
        operators: Sequence[Operator],
        rules: Mapping[str, ServiceRule],
        durations: Durations,
        now: datetime,
    ) -> IncrementalEstimate | None:
        """The replay of `tickets` at `now`, recorded; None when the queue holds a ticket this
        record cannot follow (see the module docstring): replay in full then."""
        if (
            not _time_model_known(durations)
            or _expects_arrivals(durations, now)
            or _breaks_ahead(durations, now)
        ):
            return None
        waiting = [t for t in tickets if t.status is TicketStatus.WAITING]
        if not all(is_plain(t) for t in waiting):
            return None
        record = cls(operators, rules, durations, now)
        for ticket in sorted(waiting, key=lambda t: (t.due_at, t.id)):
            record._lines(ticket.service).line_of(ticket).tickets.append(ticket)
            oldest = record.oldest.get(ticket.service)
            if oldest is None or ticket.issued_at < oldest:
                record.oldest[ticket.service] = ticket.issued_at
            record.issue_order.setdefault(ticket.service, []).append((ticket.issued_at, ticket.id))
        for order in record.issue_order.values():
            heapq.heapify(order)
        record.total = len(waiting)
        record.max_id = max((t.id for t in waiting), default=0)
        heap: list[tuple[datetime, str]] = []
        for op in operators:
            free_at = durations.free_at(op, now)
            if free_at is None:
                continue
            shifted = free_at == now
            record.shifted[op.id] = shifted
            record.start[op.id] = (shifted, free_at - now if shifted else free_at)
            heapq.heappush(heap, (free_at, op.id))
        record._run(heap, now)
        if record.taken < record.total:
            return None  # someone nobody serves: `estimate_all` counts those its own way
        return record

    def _lines(self, service: str) -> _Lines:
        lines = self.lines.get(service)
        if lines is None:
            rule = self.rules.get(service)
            max_wait = timedelta(minutes=rule.max_wait_minutes) if rule else None
            lines = self.lines[service] = _Lines(max_wait)
        return lines

    def _run(self, heap: list[tuple[datetime, str]], now: datetime) -> None:
        """The loop of `estimate_all`, recording each step and how long it stays valid."""
        self._spread = None
        never = now + _NEVER_OFFSET
        is_shifted = self.shifted
        popped, lead = self.popped, self.lead
        steps, deadlines = self.steps, self.deadlines
        previous = deadlines[-1] if deadlines else never
        occupation = self.durations.occupation
        fixed = isinstance(self.durations, FixedDurations)
        hour_end: datetime | None = None  # the next hour boundary of the latest offset step
        pop, push = heapq.heappop, heapq.heappush
        while heap and self.taken < self.total:
            free_at, op_id = pop(heap)
            shifted = is_shifted[op_id]
            deadline = never
            if shifted:
                for other_at, other in heap:
                    if not is_shifted[other]:
                        # An offset step must stay before every absolute entry it was popped
                        # before.
                        bound = now + (other_at - free_at)
                        if bound < deadline:
                            deadline = bound
                    elif other in popped:
                        # Absolute once `other` is called (`call`): kept for then.
                        ahead_by = other_at - free_at
                        if ahead_by < lead.get(other, _NEVER_OFFSET):
                            lead[other] = ahead_by
            op = self.operators[op_id]
            ticket, level, band, late_deadline = self._take(op, free_at, shifted, now)
            if late_deadline < deadline:
                deadline = late_deadline
            index = len(steps)
            popped.setdefault(op_id, index)
            step = _Step(
                op_id,
                shifted,
                free_at - now if shifted else free_at,
                ticket,
                self.taken + self.shift,
                level,
                band,
            )
            if ticket is None:
                for service in op.levels:  # a new ticket of any of these would be taken here
                    self.candidates.setdefault(service, []).append(index)
            else:
                self.taken += 1
                self.index[ticket.id] = index
                self.by_service.setdefault(ticket.service, []).append(index)
                held = occupation(ticket.service, op_id, free_at)
                if shifted and not fixed:
                    # A learned figure may change with the hour of the call (its hour factor).
                    if hour_end is None or free_at >= hour_end:
                        hour_end = free_at.replace(minute=0, second=0, microsecond=0) + _HOUR
                    bound = now + (hour_end - free_at)
                    if bound < deadline:
                        deadline = bound
                push(heap, (free_at + held, op_id))
                self._mark_candidates(op, index, step, free_at, shifted, now)
            step.deadline = deadline
            steps.append(step)
            if deadline < previous:
                previous = deadline
            deadlines.append(previous)
        self.end = {
            op_id: (is_shifted[op_id], at - now if is_shifted[op_id] else at) for at, op_id in heap
        }

    def _take(
        self, op: Operator, now_step: datetime, shifted: bool, now: datetime
    ) -> tuple[Ticket | None, int, int, datetime]:
        """What `op` takes at `now_step` (as `estimate._Replay.take`, plain lines only), its
        level and band, and until when (in `now`) the max-wait checks made here hold."""
        best: Ticket | None = None
        best_key: tuple[int, int, datetime, int] | None = None
        best_line: _Line | None = None
        deadline = now + _NEVER_OFFSET
        for service, level in op.levels.items():
            lines = self.lines.get(service)
            if lines is None:
                continue
            line = lines.priority
            if line.start < len(line.tickets):
                head = line.tickets[line.start]
                key = (level, _URGENT, head.due_at, head.id)
                if best_key is None or key < best_key:
                    best, best_key, best_line = head, key, line
            line = lines.regular
            if line.start < len(line.tickets):
                head = line.tickets[line.start]
                late = lines.max_wait is not None and now_step - head.due_at > lines.max_wait
                if shifted and lines.max_wait is not None and not late:
                    # It turns late when `now` has moved by due + max wait - now_step.
                    deadline = min(deadline, now + (head.due_at + lines.max_wait - now_step))
                key = (level, _URGENT if late else _REGULAR, head.due_at, head.id)
                if best_key is None or key < best_key:
                    best, best_key, best_line = head, key, line
        if best is None or best_key is None or best_line is None:
            return None, 0, 0, deadline
        best_line.start += 1
        return best, best_key[0], best_key[1], deadline

    def _mark_candidates(
        self,
        op: Operator,
        index: int,
        step: _Step,
        free_at: datetime,
        shifted: bool,
        now: datetime,
    ) -> None:
        """Record `index` for each service whose new walk-in (due at or after `now`) might be
        preferred by `op` to the ticket taken here; the check at `add` is exact."""
        ticket = step.ticket
        assert ticket is not None
        for service, level in op.levels.items():
            if level > step.level:
                continue
            if level == step.level and ticket.due_at <= now:
                if step.band != _REGULAR:
                    continue  # urgent or better, and due earlier: never overtaken
                rule = self.rules.get(service)
                if rule is None:
                    continue
                max_wait = timedelta(minutes=rule.max_wait_minutes)
                # The new one overtakes only by being late itself at this step.
                if shifted and free_at - now <= max_wait:
                    continue
                if not shifted and free_at - max_wait <= now:
                    continue
            self.candidates.setdefault(service, []).append(index)

    # -- answering -----------------------------------------------------------------------------

    def holds(
        self,
        operators: Sequence[Operator],
        rules: Mapping[str, ServiceRule],
        durations: Durations,
        now: datetime,
    ) -> bool:
        """Is the record still the replay of its queue at `now` (no change but the clock)?"""
        if durations is not self.durations or now < self.base:
            return False
        if now >= self.bound or (self.deadlines and now >= self.deadlines[-1]):
            return False
        if list(operators) != self.operator_list or dict(rules) != self.rules:
            return False
        if _expects_arrivals(durations, now) or _breaks_ahead(durations, now):
            return False
        seen = 0
        for op in operators:
            free_at = durations.free_at(op, now)
            if free_at is None:
                continue
            seen += 1
            start = self.start.get(op.id)
            if start is None or _real(start, now) != free_at:
                return False
        return seen == len(self.start)

    def add(self, ticket: Ticket, now: datetime) -> bool:
        """Take in `ticket`, just issued at `now` at the tail of its line; False when it is not
        such a ticket (the record is then unusable: replay in full)."""
        if (
            not is_plain(ticket)
            or ticket.status is not TicketStatus.WAITING
            or ticket.id <= self.max_id
            or ticket.due_at < now
        ):
            return False
        line = self._lines(ticket.service).line_of(ticket)
        if line.tickets and (line.tickets[-1].due_at, line.tickets[-1].id) > (
            ticket.due_at,
            ticket.id,
        ):
            return False
        k = self._first_win(ticket, now)
        self._rewind(k)
        line.tickets.append(ticket)
        self.total += 1
        self.max_id = ticket.id
        oldest = self.oldest.get(ticket.service)
        if oldest is None or ticket.issued_at < oldest:
            self.oldest[ticket.service] = ticket.issued_at
        heapq.heappush(
            self.issue_order.setdefault(ticket.service, []), (ticket.issued_at, ticket.id)
        )
        heap = [(_real(entry, now), op_id) for op_id, entry in self.end.items()]
        heapq.heapify(heap)
        self.base = now
        self._run(heap, now)
        return self.taken == self.total

    def call(
        self,
        ticket: Ticket,
        operators: Sequence[Operator],
        rules: Mapping[str, ServiceRule],
        durations: Durations,
        now: datetime,
    ) -> bool:
        """Take out `ticket`, just called at `now` by its operator who was free at `now`; False
        when the replay after the call is not provably the record without that call's step
        (the record is then unusable: replay in full).

        The operator, free at `now`, popped at `now` in the record and took the same ticket the
        call took (one order function). When the duration model puts the operator, busy with it
        from `now`, free again exactly when the record had it free after that step, the heap and
        the lines after that step are the same in both replays: the step is simply removed. The
        operator's chain no longer moves with the clock (fixed at `now` from here on), so the
        record holds only until a step that still moves would overtake one of its entries.
        """
        op_id = ticket.operator
        old = self.operators.get(op_id) if op_id is not None else None
        if (
            old is None
            or op_id is None
            or ticket.status is not TicketStatus.CALLED
            or ticket.called_at != now
            or old.current_ticket is not None
            or self.start.get(op_id) != (True, timedelta(0))
        ):
            return False
        called = replace(
            old,
            current_ticket=ticket.id,
            current_service=ticket.service,
            busy_since=now,
            current_status=TicketStatus.CALLED,
        )
        expected = [called if op.id == op_id else op for op in self.operator_list]
        if list(operators) != expected or not self.holds(self.operator_list, rules, durations, now):
            return False
        k = self.index.get(ticket.id)
        if k is None:
            return False
        step = self.steps[k]
        before = self.steps[self.first : k]  # at `now`, of operators before it in the heap
        if (
            step.op != op_id
            or step.ticket is not ticket
            or not step.shifted
            or step.at != timedelta(0)
            or any(s.op == op_id for s in before)
        ):
            return False
        if step.ahead - self.shift == self.total - 1 and any(s.ticket is None for s in before):
            return False  # without its last ticket the replay ends before those steps
        free_at = durations.free_at(called, now)
        if free_at is None or free_at <= now:
            return False
        if free_at != now + durations.occupation(ticket.service, op_id, now):
            return False  # the model expects another remaining time: the chain would move
        line = self._lines(ticket.service).line_of(ticket)
        at_line = next((i for i, t in enumerate(line.tickets) if t is ticket), None)
        if at_line is None or at_line >= line.start:
            return False
        self._take_out(k, now)
        self._spread = None
        del line.tickets[at_line]
        line.start -= 1
        self.total -= 1
        self.taken -= 1
        if self.oldest.get(ticket.service) == ticket.issued_at:
            order = self.issue_order[ticket.service]
            while order and order[0][1] not in self.index:
                heapq.heappop(order)
            if order:
                self.oldest[ticket.service] = order[0][0]
            else:
                del self.oldest[ticket.service]
        # From here on the operator's chain does not move with the clock: its offset steps are
        # fixed at `now`, and each offset step of another operator popped before one of its
        # entries must stay before it (its least lead, `lead`; the steps before the one taken
        # out were popped before `free_at`).
        self.anchor[op_id] = now
        end = self.end.get(op_id)
        if end is not None and end[0]:
            self.end[op_id] = (False, _real(end, now))
        if before:
            self.bound = min(self.bound, free_at)
        lead = self.lead.pop(op_id, None)
        if lead is not None:
            self.bound = min(self.bound, now + lead)
        self.popped.pop(op_id, None)
        self.operators = {op.id: op for op in operators}
        self.operator_list = list(operators)
        self.shifted[op_id] = False
        self.start[op_id] = (False, free_at)
        self.base = now
        return True

    def _take_out(self, k: int, now: datetime) -> None:
        """Remove step `k`: the few steps before it (at `now`) move up one slot into its place,
        so that the later ones keep theirs (and their indices everywhere)."""
        steps, index, first = self.steps, self.index, self.first
        removed = steps[k]
        assert removed.ticket is not None
        del index[removed.ticket.id]
        for j in range(k, first, -1):
            moved = steps[j] = steps[j - 1]
            moved.ahead += 1  # `shift` grows by one below
            if moved.ticket is not None:
                index[moved.ticket.id] = j
        steps[first] = _Step("", False, now, None, 0, deadline=now + _NEVER_OFFSET)
        for op_id, at in self.popped.items():
            if first <= at < k:
                self.popped[op_id] = at + 1
        for indices in (*self.by_service.values(), *self.candidates.values()):
            at = bisect.bisect_left(indices, k)
            if at < len(indices) and indices[at] == k:
                del indices[at]
            if at:
                indices[:at] = [i + 1 for i in indices[:at]]
        # The later prefix minima stay as they were (a step less only makes them later).
        deadlines = self.deadlines
        previous = deadlines[first - 1] if first else now + _NEVER_OFFSET
        for j in range(first, k + 1):
            deadline = steps[j].deadline
            assert deadline is not None
            if deadline < previous:
                previous = deadline
            deadlines[j] = previous
        self.first += 1
        self.shift += 1

    def _when(self, step: _Step, now: datetime) -> datetime:
        """The time of `step` at `now`."""
        if step.shifted:
            return self.anchor.get(step.op, now) + cast(timedelta, step.at)
        return cast(datetime, step.at)

    def _entry(self, step: _Step) -> tuple[bool, datetime | timedelta]:
        """`step`'s time as a heap entry: an offset, or absolute for a called operator."""
        anchor = self.anchor.get(step.op) if step.shifted else None
        if anchor is None:
            return step.shifted, step.at
        return False, anchor + cast(timedelta, step.at)

    def _first_win(self, ticket: Ticket, now: datetime) -> int:
        """The first step at which an operator would take `ticket` instead (or len(steps))."""
        if ticket.ticket_class is not TicketClass.WALK_IN:
            return self.first  # the candidates are kept for walk-ins only: replay it all
        rule = self.rules.get(ticket.service)
        max_wait = timedelta(minutes=rule.max_wait_minutes) if rule else None
        for index in self.candidates.get(ticket.service, ()):
            step = self.steps[index]
            level = self.operators[step.op].levels.get(ticket.service)
            if level is None:
                continue
            if step.ticket is None:
                return index
            at = self._when(step, now)
            late = max_wait is not None and at - ticket.due_at > max_wait
            band = _URGENT if late else _REGULAR
            taken = step.ticket
            if (level, band, ticket.due_at, ticket.id) < (
                step.level,
                step.band,
                taken.due_at,
                taken.id,
            ):
                return index
        return len(self.steps)

    def _rewind(self, k: int) -> None:
        """Undo the steps from `k` on: their tickets back in their lines, the heap as it was."""
        if k >= len(self.steps):
            return
        end: dict[str, tuple[bool, datetime | timedelta]] = {}
        for step in self.steps[k:]:
            if step.op not in end:
                end[step.op] = self._entry(step)
            ticket = step.ticket
            if ticket is not None:
                self._lines(ticket.service).line_of(ticket).start -= 1
                del self.index[ticket.id]
                self.by_service[ticket.service].pop()
        for op_id, entry in self.end.items():
            end.setdefault(op_id, entry)
        self.end = end
        self.taken = self.steps[k].ahead - self.shift
        for op_id in [op_id for op_id, first in self.popped.items() if first >= k]:
            del self.popped[op_id]
        del self.steps[k:]
        del self.deadlines[k:]
        for indices in self.candidates.values():
            del indices[bisect.bisect_left(indices, k) :]

    def next_for(self, op: Operator, now: datetime) -> Ticket | None:
        """The ticket `op` calls at `now`, as `order.next_for` over the queue the record holds:
        with plain tickets only, the least of each line's head (O(services))."""
        best: Ticket | None = None
        best_key: tuple[int, int, datetime, int] | None = None
        for service, level in op.levels.items():
            lines = self.lines.get(service)
            if lines is None:
                continue
            if lines.priority.tickets:
                head = lines.priority.tickets[0]
                key = (level, _URGENT, head.due_at, head.id)
                if best_key is None or key < best_key:
                    best, best_key = head, key
            if lines.regular.tickets:
                head = lines.regular.tickets[0]
                late = lines.max_wait is not None and now - head.due_at > lines.max_wait
                key = (level, _URGENT if late else _REGULAR, head.due_at, head.id)
                if best_key is None or key < best_key:
                    best, best_key = head, key
        return best

    def position(self, ticket_id: int, now: datetime) -> Position | None:
        """Where ticket `ticket_id` stands at `now`, or None if the record does not hold it."""
        index = self.index.get(ticket_id)
        if index is None:
            return None
        step = self.steps[index]
        return Position(step.ahead - self.shift, self._minutes(step, now))

    def positions(self, now: datetime) -> dict[int, Position]:
        """Every waiting ticket's position at `now` (O(waiting): for the full picture only)."""
        return {
            step.ticket.id: Position(step.ahead - self.shift, self._minutes(step, now))
            for step in self.steps
            if step.ticket is not None
        }

    def _minutes(self, step: _Step, now: datetime) -> int:
        """The estimate of the ticket taken at `step`, as `estimate_all` gives it."""
        ticket = step.ticket
        if ticket is not None:
            spread = self._first_call_minutes(now).get(ticket.id)
            if spread is not None:
                return whole_minutes(spread * _MINUTE)
        return whole_minutes(self._when(step, now) - now)

    def _first_call_minutes(self, now: datetime) -> dict[int, float]:
        """`spread.spread_first_calls` over the busy operators' first steps, as `estimate_all`
        finds them (O(operators) steps from the first: each operator pops early)."""
        memo = self._spread
        if memo is not None and memo[0] == now:
            return memo[1]
        busy = {op_id: at for op_id, start in self.start.items() if (at := _real(start, now)) > now}
        calls: list[FirstCall] = []
        if busy:
            for step in itertools.islice(self.steps, self.first, None):
                if step.op in busy:
                    del busy[step.op]
                    ticket = step.ticket
                    key = (step.level, step.band, ticket.due_at, ticket.id) if ticket else None
                    op = self.operators[step.op]
                    calls.append(FirstCall(op, self._when(step, now), ticket, key))
                    if not busy:
                        break
        unreached = (FirstCall(op, busy[op.id]) for op in self.operator_list if op.id in busy)
        spread = partial(self.durations.spread, now=now)
        result = spread_first_calls(calls, unreached, self.rules, spread)
        self._spread = (now, result)
        return result

    def tickets(self) -> Iterator[Ticket]:
        for step in self.steps:
            if step.ticket is not None:
                yield step.ticket

    def waiting_count(self, service: str) -> int:
        return len(self.by_service.get(service, ()))

    def latest_minutes(self, service: str, now: datetime) -> int | None:
        """The minutes of the service's last waiting ticket (the latest, steps being in time
        order), or None when none waits."""
        indices = self.by_service.get(service)
        if not indices:
            return None
        return self._minutes(self.steps[indices[-1]], now)


def _real(entry: tuple[bool, datetime | timedelta], now: datetime) -> datetime:
    shifted, at = entry
    if shifted:
        assert isinstance(at, timedelta)
        return now + at
    assert isinstance(at, datetime)
    return at


def _time_model_known(durations: Durations) -> bool:
    return isinstance(durations, FixedDurations | LearnedDurations)


def _breaks_ahead(durations: Durations, now: datetime) -> bool:
    """Does a planned break end later today? A step could fall in it as the clock moves, and
    the record does not follow breaks: the queue is replayed in full until the last one."""
    return isinstance(durations, LearnedDurations) and durations.breaks_ahead(now)


def _expects_arrivals(durations: Durations, now: datetime) -> bool:
    """Does the model add forecast arrivals to the replay at `now` (they move with the clock and
    are not plain tickets: the record cannot follow them)?"""
    return bool(durations.forecast(now))


class EstimateKeeper:
    """An office's recorded replay between commands. The storage layer tells it of every change
    (`issued` for a new ticket, `called` and `operator_set` for a call, `changed` for anything
    else); `estimate` extends the record for new tickets and takes a call out of it when it
    provably can, and records the replay afresh otherwise."""

    def __init__(self) -> None:
        self.record: IncrementalEstimate | None = None
        self._issued: list[Ticket] = []
        self._dirty = False
        self._tickets_dirty = False
        # A waiting ticket called by a free operator since the record was made (see `called`).
        self._call: Ticket | None = None
        self.rebuilds = 0  # how often the whole queue was replayed (for tests and the bench)

    def issued(self, ticket: Ticket) -> None:
        """A new waiting ticket was stored."""
        self._issued.append(ticket)

    def changed(self, *, ticket: bool = True) -> None:
        """Something else changed (a ticket, or with `ticket=False` only an operator): the
        record is replayed again."""
        self._dirty = True
        self._tickets_dirty = self._tickets_dirty or ticket

    def called(self, ticket: Ticket) -> None:
        """A waiting ticket was stored as called (status, operator and call time set); the
        operator's update that follows is told with `operator_set`. One call at a time, with no
        other change, is taken out of the record (`IncrementalEstimate.call`); else a replay."""
        if self._call is not None or self._issued or self._dirty or ticket.operator is None:
            self.changed()
            return
        self._call = ticket
        self._tickets_dirty = True  # the lines still hold it: `next_for` must not answer

    def operator_set(self, operator: str, values: Mapping[str, object]) -> None:
        """An operator's row was updated with `values`: the desk taking the called ticket is
        part of the call; anything else changes operators (a replay)."""
        call = self._call
        if (
            call is None
            or call.operator != operator
            or dict(values) != {"current_ticket": call.id, "busy_since": call.called_at}
        ):
            self.changed(ticket=False)

    def next_for(
        self, op: Operator, waiting: int, rules: Mapping[str, ServiceRule], now: datetime
    ) -> tuple[bool, Ticket | None]:
        """(True, the ticket `op` calls at `now`) as `order.next_for` gives it over the `waiting`
        tickets, when the record's lines still hold every one of them in order (no ticket
        changed but new ones, whatever happened to operators, durations or the clock);
        (False, None) when a pass over the tickets must answer."""
        record = self.record
        if (
            record is None
            or self._tickets_dirty
            or record.total + len(self._issued) != waiting
            or dict(rules) != record.rules
            or not all(is_plain(t) for t in self._issued)
        ):
            return False, None
        best = record.next_for(op, now)
        best_key = order_key(best, op, rules, now) if best is not None else None
        for ticket in self._issued:  # not in the lines yet
            if is_eligible(ticket, op, now):
                key = order_key(ticket, op, rules, now)
                if best_key is None or key < best_key:
                    best, best_key = ticket, key
        return True, best

    def current(
        self,
        tickets: Sequence[Ticket],
        operators: Sequence[Operator],
        rules: Mapping[str, ServiceRule],
        durations: Durations,
        now: datetime,
    ) -> IncrementalEstimate | None:
        """The record if it can be brought up to date without a replay of the whole queue
        (new tickets added, or a call taken out), else None (and the record is dropped)."""
        record = self.record
        issued, dirty, call = self._issued, self._dirty, self._call
        self._issued, self._dirty, self._tickets_dirty, self._call = [], False, False, None
        if record is not None and not dirty:
            if call is not None:
                kept = not issued and record.call(call, operators, rules, durations, now)
            else:
                kept = record.holds(operators, rules, durations, now) and all(
                    record.add(ticket, now) for ticket in issued
                )
            if kept and record.total == len(tickets):
                return record
        self.record = None
        return None

    def estimate(
        self,
        tickets: Sequence[Ticket],
        operators: Sequence[Operator],
        rules: Mapping[str, ServiceRule],
        durations: Durations,
        now: datetime,
    ) -> IncrementalEstimate | None:
        """The record for the queue `tickets` at `now`; None when only a full `estimate_all`
        answers it (see `IncrementalEstimate.build`)."""
        record = self.current(tickets, operators, rules, durations, now)
        if record is not None:
            return record
        self.rebuilds += 1
        self.record = IncrementalEstimate.build(tickets, operators, rules, durations, now)
        return self.record


class RecordedPositions(Mapping[int, Position]):
    """The positions of a record at one `now`, each worked out when asked (O(1))."""

    def __init__(self, record: IncrementalEstimate, now: datetime) -> None:
        self._record = record
        self._now = now

    def __getitem__(self, ticket_id: int) -> Position:
        position = self._record.position(ticket_id, self._now)
        if position is None:
            raise KeyError(ticket_id)
        return position

    def __iter__(self) -> Iterator[int]:
        return (ticket.id for ticket in self._record.tickets())

    def __len__(self) -> int:
        return self._record.taken
