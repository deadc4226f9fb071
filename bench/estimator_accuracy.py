"""In-process accuracy harness of the wait estimate (issue 11): a simulated office day on the
domain alone (no server, no database), so that the duration model can be iterated on in seconds.

Each ticket gets three estimates at issue time — the LEARNED model (domain/durations.py), the
first estimator (median of the last 20 service times per service, `FixedDurations`) and the
NAIVE one (people ahead × configured minutes ÷ operators serving the service) — and the wait
that followed (issue → first call) is compared: MAE and p90 of the absolute error, in minutes.
The day follows a `simulator/` scenario (arrivals, mix, log-normal service times, operators with
shifts, breaks and speed, appointments, no-shows, transfers, returns). As on `okno simulate`'s
server, a booked visitor checks in for an appointment ticket with its slot (a walk-in one when
late), and the bookings not checked in yet are the forecast's booked visitors. `okno simulate`
measures the same against the real server; this harness only exists to iterate fast.

    python -m bench.estimator_accuracy simulator/scenarios/employment-centre.yaml --seeds 1 2 3
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import math
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from queue_server.domain.durations import (
    FORECAST_MAX_WAITING,
    ArrivalRecord,
    FixedDurations,
    Forecast,
    LearnedDurations,
    PauseRecord,
    StepRecord,
    expected_minutes,
)
from queue_server.domain.estimate import estimate_all
from queue_server.domain.hours import PlannedBreaks
from queue_server.domain.model import (
    Operator,
    OperatorState,
    ServiceRule,
    Ticket,
    TicketClass,
    TicketStatus,
)
from queue_server.domain.order import next_for

DAY0 = datetime(2026, 3, 2, tzinfo=UTC)
#: How long after the slot a booked visitor may still check in (the office's `late_minutes`):
#: later, a walk-in ticket, as `okno simulate`'s server gives with the default late policy.
LATE_MINUTES = 10


@dataclass
class DayPlan:
    """What the harness needs of a scenario (see `from_scenario`)."""

    start: int
    end: int
    arrivals: list[tuple[int, float]]  # (from minute, walk-ins per hour)
    mix: dict[str, float]
    appointments_per_hour: float
    appointment_mix: dict[str, float]
    appointment_no_show: float
    punctuality: float
    times: dict[str, tuple[float, float]]  # service -> (median, sigma)
    rules: dict[str, ServiceRule]
    operators: list[tuple[str, dict[str, int], tuple[int, int], list[tuple[int, int]], float]]
    transfers: list[tuple[str, str, float]]
    return_probability: float
    return_minutes: float
    walk_in_no_show: float
    no_show_after: float
    walk_minutes: float
    arrival_scale: float = 1.0
    forecast: bool = True
    known_breaks: bool = True  # the office file lists the operators' breaks (as `okno simulate`)
    known_shifts: bool = True  # and their shifts
    # What the learned estimate tells, to measure what else the model could say (not the
    # server's): the median over `median_of` replays with drawn durations, then x `scale`.
    median_of: int = 0
    scale: float = 1.0

    def planned_breaks(self) -> PlannedBreaks:
        """The operators' breaks and shifts as the server knows them from the office file
        (UTC here)."""
        weeks, shifts = {}, {}
        for login, _levels, (start, end), breaks, _speed in self.operators:
            spans = [(_clock(b0), _clock(b1)) for b0, b1 in breaks]
            weeks[login] = {day: list(spans) for day in range(7)}
            shifts[login] = {day: [(_clock(start), _clock(end))] for day in range(7)}
        if not self.known_breaks:
            return PlannedBreaks({}, UTC)
        return PlannedBreaks(weeks, UTC, shifts if self.known_shifts else {})


def _clock(minute: int) -> time:
    return time(minute // 60, minute % 60)


def from_scenario(path: Path) -> DayPlan:
    """A DayPlan from a scenario file of the simulator."""
    from simulator.scenario import load_scenario

    sc = load_scenario(path)
    spec = sc.spec
    rules = {
        s.id: ServiceRule(s.id, s.prefix, s.expected_minutes, s.max_wait_minutes)
        for s in sc.office.services
    }
    times = {sid: (sc.service_time(sid).median, sc.service_time(sid).sigma) for sid in rules}
    return DayPlan(
        start=spec.day.start,
        end=spec.day.end,
        arrivals=spec.arrivals.steps(spec.day),
        mix=dict(spec.arrivals.mix),
        appointments_per_hour=(
            float(spec.appointments.per_hour)
            if not isinstance(spec.appointments.per_hour, dict)
            else statistics.fmean(spec.appointments.per_hour.values())
        ),
        appointment_mix=dict(spec.appointments.services),
        appointment_no_show=spec.appointments.no_show,
        punctuality=spec.appointments.punctuality_minutes,
        times=times,
        rules=rules,
        operators=[
            (p.login, sc.levels(p), sc.shift(p), list(p.breaks), p.speed) for p in spec.operators
        ],
        transfers=[(t.from_service, t.to_service, t.probability) for t in spec.transfers],
        return_probability=spec.returns.probability,
        return_minutes=spec.returns.minutes,
        walk_in_no_show=spec.walk_in_no_show,
        no_show_after=spec.no_show_after_minutes,
        walk_minutes=spec.walk_minutes,
    )


class Drawn:
    """The learned model with each duration drawn instead of expected: a busy desk's time left
    from its `spread`, each call's length from the service's learned sample (scaled to the
    model's figure for that operator and hour). The median of replays with it is the best
    point under absolute error, were the model's distribution right (`--median-of`)."""

    def __init__(self, model: LearnedDurations, rng: random.Random) -> None:
        self.model, self.rng = model, rng
        self.ratios: dict[str, list[float]] = {}

    def forecast(self, now: datetime) -> Forecast:
        return self.model.forecast(now)

    def break_end(self, operator: str, at: datetime) -> datetime | None:
        return self.model.break_end(operator, at)

    def spread(self, op: Operator, now: datetime) -> tuple[float, ...]:
        return ()  # the draws themselves spread the first calls

    def free_at(self, op: Operator, now: datetime) -> datetime | None:
        free_at = self.model.free_at(op, now)
        spread = self.model.spread(op, now) if free_at is not None and free_at > now else ()
        if len(spread) > 1:
            return now + timedelta(minutes=self.rng.choice(spread))
        return free_at

    def occupation(self, service: str, operator: str, at: datetime) -> timedelta:
        expected = self.model.occupation(service, operator, at)
        ratios = self.ratios.get(service)
        if ratios is None:
            sample = self.model.call_sample(service)
            mean = statistics.fmean(sample) if len(sample) >= 5 else 0.0
            ratios = self.ratios[service] = [v / mean for v in sample] if mean > 0 else [1.0]
        return expected * self.rng.choice(ratios)


@dataclass
class Sample:
    at: datetime
    service: str
    learned: int | None
    fixed: int | None
    naive: float | None
    actual: float | None = None


@dataclass
class Day:
    plan: DayPlan
    rng: random.Random
    now: datetime = DAY0
    tickets: dict[int, Ticket] = field(default_factory=dict)
    operators: dict[str, Operator] = field(default_factory=dict)
    speed: dict[str, float] = field(default_factory=dict)
    on_break: dict[str, bool] = field(default_factory=dict)
    break_due: dict[str, bool] = field(default_factory=dict)
    off_shift: dict[str, bool] = field(default_factory=dict)
    steps: list[StepRecord] = field(default_factory=list)
    pauses: list[PauseRecord] = field(default_factory=list)
    arrivals: list[ArrivalRecord] = field(default_factory=list)
    samples: dict[int, Sample] = field(default_factory=dict)
    heap: list[tuple[datetime, int, Callable[[], None]]] = field(default_factory=list)
    seq: itertools.count[int] = field(default_factory=itertools.count)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    breaks: PlannedBreaks = field(default_factory=lambda: PlannedBreaks({}, UTC))
    # The bookings not checked in yet, (service, slot) by slot: the server's forecast expects
    # them (no-shows included: it cannot know).
    booked: list[tuple[str, datetime]] = field(default_factory=list)

    def at(self, minute: float) -> datetime:
        return DAY0 + timedelta(minutes=minute)

    def schedule(self, when: datetime, action: Callable[[], None]) -> None:
        heapq.heappush(self.heap, (when, next(self.seq), action))

    # -- the visitors -----------------------------------------------------------------------

    def check_in(self, service: str, slot: datetime) -> None:
        """A booked visitor arrives: an appointment ticket with its slot (a walk-in one past
        `LATE_MINUTES`), the booking leaving the forecast first, as the server's check-in."""
        self.booked.remove((service, slot))
        if self.now > slot + timedelta(minutes=LATE_MINUTES):
            self.issue(service, TicketClass.WALK_IN)
        else:
            self.issue(service, TicketClass.APPOINTMENT, slot)

    def issue(self, service: str, cls: TicketClass, slot: datetime | None = None) -> None:
        ticket = Ticket(
            id=next(self.ids),
            number=str(len(self.tickets) + 1),
            service=service,
            ticket_class=cls,
            status=TicketStatus.WAITING,
            issued_at=self.now,
            due_at=self.now,
            slot_at=slot,
        )
        self.tickets[ticket.id] = ticket
        self.arrivals.append(ArrivalRecord(service, cls, self.now))
        self.samples[ticket.id] = self.estimate(ticket)
        self.wake()

    def estimate(self, ticket: Ticket) -> Sample:
        waiting = [t for t in self.tickets.values() if t.status is TicketStatus.WAITING]
        ops = list(self.operators.values())
        rules = self.plan.rules
        model = LearnedDurations.learn(self.steps, rules, self.pauses).with_breaks(self.breaks)
        if self.plan.forecast and len(waiting) <= FORECAST_MAX_WAITING:
            model = model.forecasting(self.arrivals, self.booked)
        learned = estimate_all(waiting, ops, rules, model, self.now)
        told = learned[ticket.id].minutes
        if self.plan.median_of and told is not None:
            rng = random.Random(ticket.id)
            told = round(
                statistics.median(
                    estimate_all(waiting, ops, rules, Drawn(model, rng), self.now)[
                        ticket.id
                    ].minutes
                    or 0
                    for _ in range(self.plan.median_of)
                )
            )
        if told is not None and self.plan.scale != 1.0:
            told = round(told * self.plan.scale)
        recent: dict[str, list[float]] = {}
        for s in self.steps:
            if s.started_at is not None and s.outcome in ("resolved", "follow_up"):
                recent.setdefault(s.service, []).append(
                    (s.finished_at - s.started_at).total_seconds() / 60
                )
        expected = {
            sid: expected_minutes(recent.get(sid, []), r.expected_minutes)
            for sid, r in rules.items()
        }
        fixed = estimate_all(waiting, ops, rules, FixedDurations(expected, rules), self.now)
        serving = [
            op for op in ops if ticket.service in op.levels and op.state is OperatorState.AVAILABLE
        ]
        # As `okno simulate` does: the server's `ahead` x the mean service time seen so far.
        done = recent.get(ticket.service, [])
        mean = statistics.fmean(done) if done else rules[ticket.service].expected_minutes
        ahead = learned[ticket.id].ahead
        naive = ahead * mean / len(serving) if serving else None
        return Sample(self.now, ticket.service, told, fixed[ticket.id].minutes, naive)

    # -- the operators ----------------------------------------------------------------------

    def wake(self) -> None:
        for op in self.operators.values():
            if op.state is OperatorState.AVAILABLE and op.current_ticket is None:
                self.call(op)

    def call(self, op: Operator) -> None:
        ticket = next_for(op, self.tickets.values(), self.plan.rules, self.now)
        if ticket is None:
            return
        ticket.status = TicketStatus.CALLED
        ticket.called_at = self.now
        ticket.not_before = None
        op.current_ticket, op.current_service = ticket.id, ticket.service
        op.busy_since, op.current_status = self.now, TicketStatus.CALLED
        sample = self.samples.get(ticket.id)
        if sample is not None and sample.actual is None:
            sample.actual = (self.now - ticket.issued_at).total_seconds() / 60
        plan = self.plan
        called = self.now
        # As `okno simulate` does: the visitor walks up, or is gone (no-show after a wait), or
        # lacks a document (sent back after 2 minutes, once).
        at_desk = plan.walk_minutes
        if self.rng.random() < plan.walk_in_no_show:
            self.schedule(
                self.now + timedelta(minutes=at_desk + plan.no_show_after),
                lambda: self.release(op, ticket, called, None, "no_show"),
            )
            return
        if ticket.not_before is None and self.rng.random() < plan.return_probability:
            self.schedule(
                self.now + timedelta(minutes=at_desk + 2),
                lambda: self.release(op, ticket, called, None, "returned"),
            )
            return
        self.schedule(
            self.now + timedelta(minutes=plan.walk_minutes), lambda: self.start(op, ticket, called)
        )

    def start(self, op: Operator, ticket: Ticket, called: datetime) -> None:
        ticket.status = TicketStatus.SERVING
        op.busy_since, op.current_status = self.now, TicketStatus.SERVING
        median, sigma = self.plan.times[ticket.service]
        minutes = median * math.exp(self.rng.gauss(0, sigma)) / self.speed[op.id]
        started = self.now
        outcome = "resolved"
        for src, dst, p in self.plan.transfers:
            if src == ticket.service and self.rng.random() < p:
                outcome = "transferred:" + dst
        self.schedule(
            self.now + timedelta(minutes=minutes),
            lambda: self.release(op, ticket, called, started, outcome),
        )

    def release(
        self,
        op: Operator,
        ticket: Ticket,
        called: datetime,
        started: datetime | None,
        outcome: str,
    ) -> None:
        kind = outcome.split(":")[0]
        self.steps.append(StepRecord(ticket.service, op.id, called, started, self.now, kind))
        op.current_ticket = op.current_service = op.busy_since = op.current_status = None
        if kind == "transferred":
            ticket.service = outcome.split(":")[1]
            ticket.status = TicketStatus.WAITING
            ticket.due_at = self.now
            ticket.slot_at = None  # a slot counts in the service it was booked for
        elif kind == "returned":
            ticket.status = TicketStatus.WAITING
            ticket.due_at = ticket.not_before = self.now + timedelta(
                minutes=self.plan.return_minutes
            )
            self.schedule(ticket.not_before, self.wake)
        elif kind == "no_show":
            ticket.status = TicketStatus.NO_SHOW
        else:
            ticket.status = TicketStatus.DONE
        if self.break_due.get(op.id):
            self.pause(op)
        elif self.off_shift.get(op.id):
            op.state = OperatorState.OFFLINE
        self.wake()

    def pause(self, op: Operator) -> None:
        self.break_due[op.id] = False
        op.state = OperatorState.PAUSED
        self.pauses.append(PauseRecord(op.id, self.now))

    def break_start(self, op: Operator, end: datetime) -> None:
        if op.state is OperatorState.OFFLINE:
            return
        if op.current_ticket is None:
            self.pause(op)
        else:
            self.break_due[op.id] = True
        self.schedule(end, lambda: self.break_end(op))

    def break_end(self, op: Operator) -> None:
        self.break_due[op.id] = False
        if op.state is OperatorState.PAUSED:
            op.state = OperatorState.AVAILABLE
            last = self.pauses[-1]
            for i in range(len(self.pauses) - 1, -1, -1):
                if self.pauses[i].operator == op.id and self.pauses[i].ended_at is None:
                    last = self.pauses[i]
                    self.pauses[i] = PauseRecord(op.id, last.started_at, self.now)
                    break
            self.wake()

    def shift_start(self, op: Operator) -> None:
        op.state = OperatorState.AVAILABLE
        self.wake()

    def shift_end(self, op: Operator) -> None:
        if op.current_ticket is None:
            op.state = OperatorState.OFFLINE
        else:
            self.off_shift[op.id] = True

    # -- the day ----------------------------------------------------------------------------

    def plan_day(self) -> None:
        plan = self.plan
        self.breaks = plan.planned_breaks()
        for login, levels, (s, e), breaks, speed in plan.operators:
            op = Operator(id=login, workplace=login, levels=levels, state=OperatorState.OFFLINE)
            self.operators[login] = op
            self.speed[login] = speed
            self.schedule(self.at(s), lambda op=op: self.shift_start(op))
            self.schedule(self.at(e), lambda op=op: self.shift_end(op))
            for bs, be in breaks:
                self.schedule(self.at(bs), lambda op=op, be=be: self.break_start(op, self.at(be)))
        steps = [*plan.arrivals, (plan.end, 0.0)]
        services, weights = zip(*plan.mix.items(), strict=True)
        for (m0, rate), (m1, _) in itertools.pairwise(steps):
            rate *= plan.arrival_scale
            t = float(m0)
            while rate > 0:
                t += self.rng.expovariate(rate / 60)
                if t >= m1:
                    break
                service = self.rng.choices(services, weights)[0]
                self.schedule(self.at(t), lambda s=service: self.issue(s, TicketClass.WALK_IN))
        if plan.appointments_per_hour > 0 and plan.appointment_mix:
            a_services, a_weights = zip(*plan.appointment_mix.items(), strict=True)
            every = 60 / plan.appointments_per_hour
            slot = float(plan.start) + every / 2
            while slot < plan.end - 30:
                slot_at = self.at(slot)
                if self.rng.random() >= plan.appointment_no_show:
                    service = self.rng.choices(a_services, a_weights)[0]
                    arrive = slot - 5 + self.rng.gauss(0, plan.punctuality)
                    self.schedule(
                        self.at(max(arrive, plan.start)),
                        lambda s=service, at=slot_at: self.check_in(s, at),
                    )
                else:  # booked all the same (its own draw: the day's others stay as they were)
                    service = random.Random(slot).choices(a_services, a_weights)[0]
                self.booked.append((service, slot_at))
                slot += every

    def run(self) -> list[Sample]:
        self.plan_day()
        while self.heap:
            when, _, action = heapq.heappop(self.heap)
            self.now = when
            action()
        return [s for s in self.samples.values() if s.actual is not None]


def score(samples: list[Sample], attr: str) -> tuple[float, float, int]:
    """(MAE, p90 absolute error, count) of one estimator over the samples it answered."""
    errors = [
        abs(getattr(s, attr) - s.actual)
        for s in samples
        if getattr(s, attr) is not None and s.actual is not None
    ]
    if not errors:
        return (math.nan, math.nan, 0)
    errors.sort()
    p90 = errors[min(len(errors) - 1, math.ceil(0.9 * len(errors)) - 1)]
    return (statistics.fmean(errors), p90, len(errors))


def run(plan: DayPlan, seed: int) -> dict[str, Any]:
    samples = Day(plan, random.Random(seed)).run()
    result: dict[str, Any] = {"seed": seed, "tickets": len(samples)}
    for attr in ("learned", "fixed", "naive"):
        result[attr] = score(samples, attr)
    result["wait_mean"] = statistics.fmean(s.actual for s in samples if s.actual is not None)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--arrival-scale", type=float, default=1.0)
    parser.add_argument("--flat", action="store_true", help="a flat arrival profile instead")
    parser.add_argument(
        "--no-forecast", action="store_true", help="the learned model forecasts no walk-ins"
    )
    parser.add_argument(
        "--no-breaks", action="store_true", help="the server does not know the planned breaks"
    )
    parser.add_argument(
        "--no-shifts", action="store_true", help="the server does not know the operators' shifts"
    )
    parser.add_argument(
        "--median-of",
        type=int,
        default=0,
        metavar="N",
        help="tell the median over N replays with drawn durations (an experiment)",
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="tell the learned estimate times this"
    )
    parser.add_argument("--summary", action="store_true", help="one line: means over the seeds")
    args = parser.parse_args(argv)
    plan = from_scenario(args.scenario)
    plan.arrival_scale = args.arrival_scale
    if args.flat:
        total = sum(r for _, r in plan.arrivals) / len(plan.arrivals)
        plan.arrivals = [(plan.start, total)]
    plan.forecast = not args.no_forecast
    plan.known_breaks = not args.no_breaks
    plan.known_shifts = not args.no_shifts
    plan.median_of, plan.scale = args.median_of, args.scale
    if args.summary:
        results = [run(plan, seed) for seed in args.seeds]
        means = {
            a: tuple(statistics.fmean(r[a][i] for r in results) for i in (0, 1))
            for a in ("learned", "fixed", "naive")
        }
        cells = " | ".join(f"{a} {m:5.2f}/{p:5.2f}" for a, (m, p) in means.items())
        print(f"{cells} | learned/naive {means['learned'][0] / means['naive'][0]:.2f}")
        return
    print(
        f"{'seed':>4} {'n':>4} {'wait':>6} | {'learned MAE/p90':>16} | "
        f"{'fixed MAE/p90':>16} | {'naive MAE/p90':>16} | ratio"
    )
    for seed in args.seeds:
        r = run(plan, seed)
        cells = [f"{r[a][0]:7.2f}/{r[a][1]:7.2f}" for a in ("learned", "fixed", "naive")]
        ratio = r["learned"][0] / r["naive"][0] if r["naive"][0] else math.nan
        print(
            f"{seed:>4} {r['tickets']:>4} {r['wait_mean']:6.1f} | {cells[0]:>16} | "
            f"{cells[1]:>16} | {cells[2]:>16} | {ratio:.2f}"
        )


if __name__ == "__main__":
    main()
