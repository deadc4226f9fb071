"""How long the wait estimate's replay expects each call to hold an operator (DESIGN.md §4).

The replay in `estimate.py` asks a duration model two things: when each operator will be free to
call again (`free_at`), and how long a call of a service will hold an operator (`occupation`).
Two models answer them:

- `FixedDurations`: one figure per service (the median of recent steps, else configured) and
  only available operators — the estimator as it first shipped, kept as the reference.
- `LearnedDurations`: learned from the finished steps the repository hands in
  (`StepRecord`s): what a CALL costs, not only a service — a called visitor who does not come
  frees the desk after a short wait, a returned or transferred one after a short talk, so the
  per-call figure is a robust mean over all outcomes; an operator's speed and the hour of the day
  as factors shrunk toward 1 when their data is thin; a service with few steps shrunk toward its
  configured figure; the ticket at the desk gets its expected REMAINING time given how long it
  has already taken (a long service is likely to go on, not to end this instant); a paused
  operator is expected back after a typical pause, also learned.

Why a robust MEAN and not the median: the replay adds up the durations of everyone ahead, and a
sum of many right-skewed (log-normal) durations is close to their count times their mean, which
is well above the count times their median. A winsorized mean keeps one forgotten "finish"
button from wrecking it.

Pure: no I/O, no clock; everything comes in as arguments.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import attrgetter
from typing import NamedTuple, Protocol

from queue_server.domain.hours import PlannedBreaks
from queue_server.domain.model import (
    APPOINTMENT_EARLY,
    Operator,
    OperatorState,
    ServiceRule,
    Ticket,
    TicketClass,
    TicketStatus,
)

#: Steps per service the model learns from (the most recent ones).
HISTORY_STEPS = 200
#: Pseudo-counts of the shrinkage: how many steps of its own a figure needs to count as much as
#: the figure it is shrunk toward.
SERVICE_PRIOR_STEPS = 3.0
OPERATOR_PRIOR_STEPS = 8.0
HOUR_PRIOR_STEPS = 25.0
#: Walk-ins are forecast at the rate of the last hour (from a quarter of an hour of history),
#: as far as three hours ahead, and only while at most `FORECAST_MAX_WAITING` wait: beyond, the
#: queue itself says more than the forecast, and the replay stays cheap (incremental).
ARRIVAL_WINDOW = timedelta(minutes=60)
MIN_ARRIVAL_WINDOW = timedelta(minutes=15)
FORECAST_HORIZON = timedelta(hours=3)
FORECAST_MAX_WAITING = 500
FORECAST_MAX_TICKETS = 300
#: Booked visitors not checked in yet are forecast from 10 minutes past their slot on; of them
#: this share comes (the rest are thinned out evenly: the replay has no half tickets).
BOOKED_LATE = timedelta(minutes=10)
BOOKED_SHOW_SHARE = 0.85
#: Values that stand for the spread of the time left at a desk (`LearnedDurations.spread`);
#: they must divide `spread.DRAWS`.
SPREAD_POINTS = 16
#: A pause with no history behind it is expected to last this long.
DEFAULT_PAUSE_MINUTES = 15.0
_MINUTE = timedelta(minutes=1)
_MICROSECOND = timedelta(microseconds=1)
_AT = attrgetter("at")
#: Outcomes of a step where an operator held a call (a cancelled step never reached a desk).
_CALL_OUTCOMES = frozenset({"resolved", "follow_up", "transferred", "no_show", "returned"})
_SERVED_OUTCOMES = frozenset({"resolved", "follow_up", "transferred"})


@dataclass(frozen=True)
class StepRecord:
    """One finished service step as the model needs it (minutes are derived, not stored)."""

    service: str
    operator: str | None
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime
    outcome: str


@dataclass(frozen=True)
class PauseRecord:
    """One pause of an operator: when it began and, once over, when it ended."""

    operator: str
    started_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class ArrivalRecord:
    """One ticket that joined the queue: the service it was issued for, its class and time."""

    service: str
    ticket_class: TicketClass
    at: datetime


class Arrival(NamedTuple):
    """A visitor the forecast expects (a negative `id`): a walk-in of `service` arriving at
    `due_at`, or a booked one (`slot_at`) called from `due_at` on. A tuple, not a `Ticket`: the
    forecast makes hundreds at every estimate and the replay reaches only the first few."""

    id: int
    service: str
    due_at: datetime
    slot_at: datetime | None = None

    def ticket(self) -> Ticket:
        """The waiting ticket it will be, not callable before `due_at`."""
        return Ticket(
            id=self.id,
            number="",
            service=self.service,
            ticket_class=TicketClass.WALK_IN if self.slot_at is None else TicketClass.APPOINTMENT,
            status=TicketStatus.WAITING,
            issued_at=self.due_at,
            due_at=self.due_at,
            not_before=self.due_at,
            slot_at=self.slot_at,
        )


class WalkIns(NamedTuple):
    """The forecast's walk-ins of one service: `number` of them, the k-th (from 1) due at
    `start + k * every` with the id `-(first + k)`. Each is made only when the replay reaches
    it (`arrival`): a forecast holds hundreds and the replay takes the first few."""

    service: str
    start: datetime
    every: timedelta
    number: int
    first: int

    def arrival(self, k: int) -> Arrival:
        """The k-th of them, counting from 1."""
        return Arrival(-(self.first + k), self.service, self.start + self.every * k)


@dataclass(frozen=True, slots=True)
class Forecast:
    """Visitors expected to join after a moment `now`: walk-ins (`WalkIns`, one stream per
    service, in service order, each starting at `now`; ids counting down from -1) and booked
    visitors (`Arrival`s with a slot, their ids after the walk-ins')."""

    walk_ins: tuple[WalkIns, ...] = ()
    booked: tuple[Arrival, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.booked) or any(w.number for w in self.walk_ins)

    def arrivals(self) -> list[Arrival]:
        """Every arrival in the order (due time, -id): of those due together, the walk-ins
        before the booked, and the services in their order."""
        walk_ins = [w.arrival(k) for w in self.walk_ins for k in range(1, w.number + 1)]
        return sorted([*walk_ins, *self.booked], key=lambda a: (a.due_at, -a.id))


NO_FORECAST = Forecast()


class Durations(Protocol):
    """What the replay needs to know of durations."""

    def free_at(self, op: Operator, now: datetime) -> datetime | None:
        """When `op` can call the next ticket; None when `op` is not expected to call today."""
        ...

    def occupation(self, service: str, operator: str, at: datetime) -> timedelta:
        """How long a call of `service` made by `operator` at `at` holds the operator."""
        ...

    def forecast(self, now: datetime) -> Forecast:
        """Visitors expected to join after `now` (negative ids, not callable before their
        arrival): a newcomer to a desk's primary service is called before a ticket waiting for
        that desk's second one, so the replay must know it is coming."""
        ...

    def break_end(self, operator: str, at: datetime) -> datetime | None:
        """The end of the planned break `operator` is on at `at` (the replay then holds the
        operator until it), else None."""
        ...

    def spread(self, op: Operator, now: datetime) -> tuple[float, ...]:
        """Equally likely minutes until `op` is free, with the mean `free_at(op, now) - now`
        (`spread.py`); empty when the model does not say."""
        ...


def _first_arrivals(
    walk_ins: Sequence[WalkIns], booked: Sequence[Arrival], now: datetime, limit: int
) -> Forecast:
    """The first `limit` of these arrivals in the order (due, -id), the walk-ins' streams all
    starting at `now`: what a stable sort by due time keeps of the forecast made as a list
    (walk-ins per service, then the booked; ids counting down in that order). The arrivals due
    up to a moment that surely holds fewer than `limit` are counted (arithmetic); the last few
    are merged one by one."""
    intervals = [w.every // _MICROSECOND for w in walk_ins]  # in microseconds
    booked_offsets = [(a.due_at - now) // _MICROSECOND for a in booked]

    def due_by(offset: int) -> int:
        """How many arrive up to `offset` µs after now (`offset` >= 0)."""
        walking = sum(
            [min(w.number, offset // i) for w, i in zip(walk_ins, intervals, strict=True)]
        )
        return walking + sum(1 for due in booked_offsets if due <= offset)

    rate = sum(1 / interval for interval in intervals)  # walk-ins per microsecond
    counted_to = int((limit - len(booked)) / rate) - 1 if rate else -1
    if counted_to < 0 or due_by(counted_to) >= limit:  # (float rounding) count nothing then
        counted_to = -1
    numbers = [
        min(w.number, counted_to // interval) if counted_to >= 0 else 0
        for w, interval in zip(walk_ins, intervals, strict=True)
    ]
    kept = {a.id for a, due in zip(booked, booked_offsets, strict=True) if due <= counted_to}

    # The next arrivals as (due offset, -id, stream; -1 for a booked one), merged in that order.
    def next_of(stream: int) -> tuple[int, int, int] | None:
        k = numbers[stream] + 1
        if k > walk_ins[stream].number:
            return None
        return (k * intervals[stream], walk_ins[stream].first + k, stream)

    queue = [entry for stream in range(len(walk_ins)) if (entry := next_of(stream)) is not None]
    queue += [
        (due, -a.id, -1) for a, due in zip(booked, booked_offsets, strict=True) if due > counted_to
    ]
    heapq.heapify(queue)
    for _ in range(limit - sum(numbers) - len(kept)):
        if not queue:
            break
        _, minus_id, stream = heapq.heappop(queue)
        if stream < 0:
            kept.add(-minus_id)
            continue
        numbers[stream] += 1
        entry = next_of(stream)
        if entry is not None:
            heapq.heappush(queue, entry)
    return Forecast(
        tuple(w._replace(number=n) for w, n in zip(walk_ins, numbers, strict=True)),
        tuple(a for a in booked if a.id in kept),
    )


def expected_minutes(recent: Sequence[float], configured: float, last: int = 20) -> float:
    """A robust figure for a service: the median of its last `last` finished steps, else
    configured."""
    sample = [m for m in recent[-last:] if m >= 0]
    return statistics.median(sample) if sample else configured


class FixedDurations:
    """One figure per service; only available operators; the desk's ticket ends at
    busy_since + figure (the first estimator of DESIGN.md §4, kept as the reference)."""

    def __init__(self, expected: Mapping[str, float], rules: Mapping[str, ServiceRule]) -> None:
        self._expected = expected
        self._rules = rules
        self._cache: dict[str, timedelta] = {}

    def minutes(self, service: str) -> timedelta:
        found = self._cache.get(service)
        if found is None:
            rule = self._rules.get(service)
            figure = self._expected.get(service, rule.expected_minutes if rule else 15.0)
            found = self._cache[service] = timedelta(minutes=figure)
        return found

    def free_at(self, op: Operator, now: datetime) -> datetime | None:
        if op.state is not OperatorState.AVAILABLE or not op.levels:
            return None
        if op.current_service is not None and op.busy_since is not None:
            left = self.minutes(op.current_service) - (now - op.busy_since)
            return now + max(timedelta(0), left)
        return now

    def occupation(self, service: str, operator: str, at: datetime) -> timedelta:
        return self.minutes(service)

    def forecast(self, now: datetime) -> Forecast:
        return NO_FORECAST

    def break_end(self, operator: str, at: datetime) -> datetime | None:
        return None  # the reference estimator knows no planned breaks

    def spread(self, op: Operator, now: datetime) -> tuple[float, ...]:
        return ()  # nor how the time left may turn out


def winsorized_mean(values: Sequence[float], share: float = 0.05) -> float:
    """The mean after pulling the lowest and highest `share` of values in to their neighbours."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    n = len(ordered)
    cut = int(n * share)
    if cut:
        low, high = ordered[cut], ordered[n - 1 - cut]
        ordered = [min(max(v, low), high) for v in ordered]
    return sum(ordered) / n


def shrink(own_total: float, own_count: int, prior: float, prior_count: float) -> float:
    """A figure from `own_count` values summing to `own_total`, shrunk toward `prior` as if it
    had been seen `prior_count` times as well."""
    return (own_total + prior * prior_count) / (own_count + prior_count)


def _robust(sample: Sequence[float], configured: float) -> float:
    """A service's figure: the winsorized mean of its sample shrunk toward the configured one."""
    if not sample:
        return configured
    n = len(sample)
    return shrink(winsorized_mean(sample) * n, n, configured, SERVICE_PRIOR_STEPS)


def _minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def _clip_ratio(value: float) -> float:
    return min(max(value, 0.2), 5.0)


@dataclass
class _ServiceFigures:
    call: float  # minutes a call holds an operator (all outcomes)
    served: float  # minutes from start to finish of a served visitor
    call_sample: list[float] = field(default_factory=list)
    served_sample: list[float] = field(default_factory=list)
    _sorted: dict[bool, tuple[list[float], list[float]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def ascending(self, served: bool) -> tuple[list[float], list[float]]:
        """The served (else the call) sample in ascending order, and its prefix sums
        (`prefix[i]` is the sum of the first i values); worked out once."""
        found = self._sorted.get(served)
        if found is None:
            values = sorted(self.served_sample if served else self.call_sample)
            found = self._sorted[served] = (values, [0.0, *itertools.accumulate(values)])
        return found


def _learns_from(step: StepRecord, rules: Mapping[str, ServiceRule]) -> bool:
    """Does the model learn from `step`: a call of a known service that reached a desk?"""
    return (
        step.service in rules
        and step.called_at is not None
        and step.outcome in _CALL_OUTCOMES
        and step.finished_at >= step.called_at
    )


class _Kept(NamedTuple):
    """What the model takes of one step it learns from, worked out once when the step comes."""

    finished_at: datetime
    call: float  # minutes the call held the desk
    served: float | None  # minutes of service, for a served outcome that was started
    operator: str | None
    hour: int  # of the call

    @classmethod
    def of(cls, step: StepRecord) -> _Kept:
        assert step.called_at is not None
        served = (
            _minutes(step.started_at, step.finished_at)
            if step.started_at is not None and step.outcome in _SERVED_OUTCOMES
            else None
        )
        return cls(
            step.finished_at,
            _minutes(step.called_at, step.finished_at),
            served,
            step.operator,
            step.called_at.hour,
        )


def _finished(kept: _Kept) -> datetime:
    return kept.finished_at


@dataclass(frozen=True)
class _ServiceHistory:
    """One service's recent steps and what the model learns of them alone.

    The factors need every service, but only through sums: per operator (its speed) and per
    (operator, hour) (the hour factor divides each ratio by its operator's factor, known only
    once all services are summed). A step without an operator is summed under None.
    """

    records: list[_Kept]  # the last HISTORY_STEPS, by finished_at
    figures: _ServiceFigures
    operator_sums: dict[str, float]
    operator_counts: dict[str, int]
    hour_sums: dict[tuple[str | None, int], float]
    hour_counts: dict[int, int]

    @classmethod
    def of(cls, records: list[_Kept], configured: float) -> _ServiceHistory:
        """The history of a service from its steps the model learns from, by finished_at
        (the last HISTORY_STEPS are kept)."""
        kept = records[-HISTORY_STEPS:]
        calls = [k.call for k in kept]
        served = [k.served for k in kept if k.served is not None]
        call = _robust(calls, configured)
        operator_sums: dict[str, float] = {}
        operator_counts: dict[str, int] = {}
        hour_sums: dict[tuple[str | None, int], float] = {}
        hour_counts: dict[int, int] = {}
        if call > 0:
            for k in kept:
                ratio = _clip_ratio(k.call / call)
                op, hour = k.operator, k.hour
                if op is not None:
                    operator_sums[op] = operator_sums.get(op, 0.0) + ratio
                    operator_counts[op] = operator_counts.get(op, 0) + 1
                hour_sums[op, hour] = hour_sums.get((op, hour), 0.0) + ratio
                hour_counts[hour] = hour_counts.get(hour, 0) + 1
        figures = _ServiceFigures(call, _robust(served, configured), calls, served)
        return cls(kept, figures, operator_sums, operator_counts, hour_sums, hour_counts)


class StepHistory:
    """An office's recent steps per service, for a model learned again after each finish.

    `add` works out again only the finished step's service (O(HISTORY_STEPS)); `model`
    combines the services' sums (O(operators x hours seen)): together they give what `learn`
    over all the steps gives, without going over all the steps.
    """

    def __init__(self, steps: Iterable[StepRecord], rules: Mapping[str, ServiceRule]) -> None:
        self._rules = rules
        per_service: dict[str, list[_Kept]] = {sid: [] for sid in rules}
        for step in steps:
            if _learns_from(step, rules):
                per_service[step.service].append(_Kept.of(step))
        self._services = {
            sid: _ServiceHistory.of(sorted(records, key=_finished), rules[sid].expected_minutes)
            for sid, records in per_service.items()
        }

    def add(self, step: StepRecord) -> None:
        """Learn from one more finished step (it may be older than some already known)."""
        if _learns_from(step, self._rules):
            sid = step.service
            # After any finished at the same moment, as in `learn` over the steps in their
            # order: of those, the one known longest is dropped first.
            records = list(self._services[sid].records)
            bisect.insort_right(records, _Kept.of(step), key=_finished)
            self._services[sid] = _ServiceHistory.of(records, self._rules[sid].expected_minutes)

    def model(self, pauses: Iterable[PauseRecord] = ()) -> LearnedDurations:
        """The model of these steps and of `pauses` (a new one each time: a model's memo
        holds figures of the steps it was built from)."""
        operator_sums: dict[str, float] = {}
        operator_counts: dict[str, int] = {}
        for part in self._services.values():
            for op, total in part.operator_sums.items():
                operator_sums[op] = operator_sums.get(op, 0.0) + total
                operator_counts[op] = operator_counts.get(op, 0) + part.operator_counts[op]
        operator_factor = {
            op: shrink(total, operator_counts[op], 1.0, OPERATOR_PRIOR_STEPS)
            for op, total in operator_sums.items()
        }
        # The hour factor is what is left of a step's ratio once its operator's speed is known.
        hour_factor: dict[tuple[str, int], float] = {}
        for sid, part in self._services.items():
            hour_sums: dict[int, float] = {}
            for (operator, hour), total in part.hour_sums.items():
                share = total / operator_factor[operator] if operator is not None else total
                hour_sums[hour] = hour_sums.get(hour, 0.0) + share
            for hour, total in hour_sums.items():
                hour_factor[sid, hour] = shrink(
                    total, part.hour_counts[hour], 1.0, HOUR_PRIOR_STEPS
                )
        pause_minutes, paused_since = _pause_figures(list(pauses))
        figures = {sid: part.figures for sid, part in self._services.items()}
        return LearnedDurations(
            figures, operator_factor, hour_factor, pause_minutes, paused_since, self._rules
        )


def _pause_figures(pauses: Sequence[PauseRecord]) -> tuple[float, dict[str, datetime]]:
    """The typical minutes of a pause, and since when each operator still paused has been."""
    ended = [
        _minutes(p.started_at, p.ended_at)
        for p in pauses
        if p.ended_at is not None and p.ended_at >= p.started_at
    ]
    pause_minutes = (
        shrink(sum(ended), len(ended), DEFAULT_PAUSE_MINUTES, 2.0)
        if ended
        else DEFAULT_PAUSE_MINUTES
    )
    paused_since: dict[str, datetime] = {}
    for p in pauses:
        if p.ended_at is None:
            previous = paused_since.get(p.operator)
            if previous is None or p.started_at > previous:
                paused_since[p.operator] = p.started_at
    return pause_minutes, paused_since


class LearnedDurations:
    """Durations learned from recent steps (see the module docstring); build with `learn`."""

    def __init__(
        self,
        services: dict[str, _ServiceFigures],
        operator_factor: dict[str, float],
        hour_factor: dict[tuple[str, int], float],
        pause_minutes: float,
        paused_since: dict[str, datetime],
        rules: Mapping[str, ServiceRule],
        arrivals: Sequence[ArrivalRecord] | None = None,
        booked: Sequence[tuple[str, datetime]] = (),
        breaks: PlannedBreaks | None = None,
    ) -> None:
        self._breaks = breaks if breaks else None
        # In time order; the office cache may go on appending to the same list.
        self._arrivals = arrivals
        self._booked = sorted(booked, key=lambda b: b[1])
        self._services = services
        self._operator_factor = operator_factor
        self._hour_factor = hour_factor
        self._pause_minutes = pause_minutes
        self._paused_since = paused_since
        self._rules = rules
        self._memo: dict[tuple[str, str, int], timedelta] = {}
        # The last forecast made (a command asks it more than once at one moment).
        self._forecast: tuple[tuple[datetime, int], Forecast] | None = None

    @classmethod
    def learn(
        cls,
        steps: Iterable[StepRecord],
        rules: Mapping[str, ServiceRule],
        pauses: Iterable[PauseRecord] = (),
    ) -> LearnedDurations:
        """The model of an office from its recent finished steps and pauses.

        Steps of services not in `rules`, without a call time, or of a cancelled outcome are
        ignored; a service without steps falls back to its configured figure. A caller that
        learns again after each finish keeps a `StepHistory` instead.
        """
        return StepHistory(steps, rules).model(pauses)

    def forecasting(
        self,
        arrivals: Sequence[ArrivalRecord],
        booked: Sequence[tuple[str, datetime]] = (),
    ) -> LearnedDurations:
        """The same durations that also forecast walk-ins from `arrivals` (the office's latest
        tickets, oldest first; read at each estimate, so the caller may append to the list) and
        the booked visitors still to check in, (service, slot time) in `booked`: an
        appointment is called first from 5 minutes before its slot."""
        return self._copy(arrivals, booked, self._breaks)

    def with_breaks(self, breaks: PlannedBreaks) -> LearnedDurations:
        """The same durations, knowing the operators' planned breaks."""
        return self._copy(self._arrivals, self._booked, breaks)

    def _copy(
        self,
        arrivals: Sequence[ArrivalRecord] | None,
        booked: Sequence[tuple[str, datetime]],
        breaks: PlannedBreaks | None,
    ) -> LearnedDurations:
        """The same learned figures (and their memo) with these forecast inputs and breaks."""
        model = LearnedDurations(
            self._services,
            self._operator_factor,
            self._hour_factor,
            self._pause_minutes,
            self._paused_since,
            self._rules,
            arrivals,
            booked,
            breaks,
        )
        model._memo = self._memo
        return model

    def break_end(self, operator: str, at: datetime) -> datetime | None:
        breaks = self._breaks
        return breaks.end_of(operator, at) if breaks is not None else None

    def breaks_ahead(self, now: datetime) -> bool:
        """Does a planned break of some operator still end, or a shift start, later today?"""
        return self._breaks is not None and self._breaks.any_ahead(now)

    # -- what the replay asks ------------------------------------------------------------------

    def factor(self, service: str, operator: str, hour: int) -> float:
        """How much slower (>1) or faster than the service's figure this call is expected to be."""
        return self._operator_factor.get(operator, 1.0) * self._hour_factor.get(
            (service, hour), 1.0
        )

    def call_minutes(self, service: str) -> float:
        figures = self._services.get(service)
        if figures is not None:
            return figures.call
        rule = self._rules.get(service)
        return rule.expected_minutes if rule else 15.0

    def call_sample(self, service: str) -> Sequence[float]:
        """The learned minutes of the service's recent calls (empty when none is known)."""
        figures = self._services.get(service)
        return figures.call_sample if figures is not None else ()

    def occupation(self, service: str, operator: str, at: datetime) -> timedelta:
        key = (service, operator, at.hour)
        found = self._memo.get(key)
        if found is None:
            minutes = self.call_minutes(service) * self.factor(service, operator, at.hour)
            found = self._memo[key] = timedelta(minutes=minutes)
        return found

    def free_at(self, op: Operator, now: datetime) -> datetime | None:
        if not op.levels:
            return None
        if op.state is OperatorState.OFFLINE:
            # Not signed in: expected only when a shift of theirs starts later today.
            breaks = self._breaks
            return breaks.shift_start(op.id, now) if breaks is not None else None
        at = now
        if op.state is OperatorState.PAUSED:
            since = self._paused_since.get(op.id, now)
            at = now + timedelta(minutes=residual([self._pause_minutes], _minutes(since, now)))
        if op.current_service is not None and op.busy_since is not None:
            at = max(at, now + self.remaining(op, now))
        return at

    def arrival_rates(self, now: datetime) -> dict[str, float]:
        """Walk-ins per minute per service over the last hour before `now` (or since the first
        ticket known, when later); empty when that is under a quarter of an hour or the model
        does not forecast. (Longer and adaptive windows were tried on simulated days: they
        smooth the morning peak away and were less accurate.)"""
        if not self._arrivals:
            return {}
        first = self._arrivals[0].at
        if first > now or now - first < MIN_ARRIVAL_WINDOW:
            return {}
        window = min(ARRIVAL_WINDOW, now - first)
        since = now - window
        arrivals = self._arrivals  # oldest first: the window is a slice of it
        start = bisect.bisect_right(arrivals, since, key=_AT)
        end = bisect.bisect_right(arrivals, now, lo=start, key=_AT)
        booked = TicketClass.APPOINTMENT
        counts = Counter([a.service for a in arrivals[start:end] if a.ticket_class is not booked])
        minutes = window / timedelta(minutes=1)
        return {service: n / minutes for service, n in counts.items() if service in self._rules}

    def forecast(self, now: datetime) -> Forecast:
        key = (now, len(self._arrivals or ()))
        if self._forecast is not None and self._forecast[0] == key:
            return self._forecast[1]
        result = self._expected(now)
        self._forecast = (key, result)
        return result

    def expected_arrivals(self, now: datetime) -> list[Ticket]:
        """The forecast as waiting tickets, by due time."""
        return [arrival.ticket() for arrival in self.forecast(now).arrivals()]

    def _expected(self, now: datetime) -> Forecast:
        walk_ins: list[WalkIns] = []
        first = 0
        for service, rate in sorted(self.arrival_rates(now).items()):
            every = timedelta(minutes=1 / rate)
            count = FORECAST_HORIZON // every  # one every `every`, up to the horizon
            walk_ins.append(WalkIns(service, now, every, count, first))
            first += count
        horizon = now + FORECAST_HORIZON
        booked: list[Arrival] = []
        kept = 0.0
        for service, slot in self._booked:
            if slot < now - BOOKED_LATE or service not in self._rules:
                continue
            if slot > horizon:
                break
            kept += BOOKED_SHOW_SHARE
            if kept < 1.0:
                continue
            kept -= 1.0
            called_from = max(now, slot - APPOINTMENT_EARLY)
            booked.append(Arrival(-(first + len(booked) + 1), service, called_from, slot))
        if first + len(booked) > FORECAST_MAX_TICKETS:  # a burst must not make the replay slow
            return _first_arrivals(walk_ins, booked, now, FORECAST_MAX_TICKETS)
        return Forecast(tuple(walk_ins), tuple(booked))

    def remaining(self, op: Operator, now: datetime) -> timedelta:
        """Expected time left of the ticket at `op`'s desk, given how long it has taken so far."""
        return timedelta(minutes=self._left(op, now)[0])

    def spread(self, op: Operator, now: datetime) -> tuple[float, ...]:
        """How the minutes until `op` is free may turn out: `SPREAD_POINTS` equally likely
        values (quantiles of the learned durations of the ticket at its desk, given how long it
        has taken) with the mean `free_at(op, now) - now`; one value when the model knows no
        spread (no history of the service, or fewer than three ever took this long, or `op` is
        paused); empty when `op` is free at `now` or not expected to call."""
        if (
            op.state is not OperatorState.AVAILABLE
            or op.current_service is None
            or op.busy_since is None
        ):
            free_at = self.free_at(op, now)
            return ((free_at - now) / _MINUTE,) if free_at is not None and free_at > now else ()
        if not op.levels:
            return ()
        mean, points = self._left(op, now, SPREAD_POINTS)
        if mean <= 0:
            return ()
        total = sum(points)
        if total <= 0:  # no spread known (or only calls that took no time at all)
            return (mean,)
        scale = mean * len(points) / total
        return tuple([p * scale for p in points])

    def _left(self, op: Operator, now: datetime, points: int = 0) -> tuple[float, list[float]]:
        """Minutes left of the ticket at `op`'s desk (expected) and, when `points`, that many
        equally likely values of it (from the sample's totals beyond what it has taken; none
        when fewer than three are). O(log sample): `residual` over a sorted sample."""
        service = op.current_service
        assert service is not None and op.busy_since is not None
        elapsed = _minutes(op.busy_since, now)
        factor = self.factor(service, op.id, op.busy_since.hour)
        figures = self._services.get(service)
        serving = op.current_status is TicketStatus.SERVING
        if figures is None:
            typical = self.call_minutes(service) * factor
            return max(typical - elapsed, 0.2 * typical), []
        values, prefix = figures.ascending(serving)
        n = len(values)
        if not serving and elapsed <= 0:
            # Just called: exactly what the replay gives a call of this desk at this moment, so
            # the recorded replay can take the call out instead of replaying (incremental.py).
            held = self.occupation(service, op.id, op.busy_since) / _MINUTE
            if not points or n < 3:
                return held, []
            return held, _middles(values, 0, points)
        typical = figures.served if serving else figures.call
        if not n:
            values, prefix, n = [typical], [0.0, typical], 1
        # The sample's shape, at the scale of the service's robust figure (which `occupation`
        # uses): the time left does not jump from one figure to the other as the call goes on.
        total = prefix[n]
        scale = factor * (typical * n / total if total > 0 else 1.0)
        first = bisect.bisect_right(values, elapsed, key=lambda v: v * scale)
        count = n - first
        beyond = (total - prefix[first]) * scale - count * elapsed
        left = _residual(total * scale / n, elapsed, count, beyond)
        if count < 3 or not points:
            return left, []
        return left, [m * scale - elapsed for m in _middles(values, first, points)]


def _middles(ascending: Sequence[float], start: int, count: int) -> list[float]:
    """`count` values standing for `ascending[start:]`: each at the middle of an equal share."""
    n = len(ascending) - start
    return [ascending[start + int((i + 0.5) * n / count)] for i in range(count)]


def residual(sample: Sequence[float], elapsed: float) -> float:
    """Expected minutes left of something that has lasted `elapsed` minutes, its total drawn
    from `sample`: the mean of (total - elapsed) over the totals beyond `elapsed`.

    When fewer than three totals of the sample lie beyond `elapsed`, the figure is not trusted:
    it is at least a fifth of the sample's mean (something overdue still takes a moment).
    """
    beyond = [m - elapsed for m in sample if m > elapsed]
    return _residual(sum(sample) / len(sample), elapsed, len(beyond), sum(beyond))


def _residual(mean: float, elapsed: float, count: int, beyond: float) -> float:
    """`residual` from the sample's `mean` and the `count` totals beyond `elapsed`, whose
    (total - elapsed) add up to `beyond`."""
    if count < 3:
        return max(mean - elapsed, 0.2 * mean, beyond / count if count else 0.0)
    return max(beyond / count, 0.0)
