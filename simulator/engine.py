"""The discrete-event simulation of an office day, driving the real server through its API.

Events (arrivals, shift starts and ends, breaks, a visitor reaching the desk, a service ending,
a returned visitor coming back) are taken in time order from one heap. Each becomes the HTTP
calls a kiosk or a desk would make at that moment. As fast as possible (`speed=None`) the
simulator moves the server's simulation clock to each event's time before its calls; at
`--speed X` it sleeps so that the day runs X times faster than the wall clock, and the server's
clock runs at the same rate (or is the real clock itself at speed 1 without simulation).

All randomness comes from `random.Random(seed)` streams split by purpose (arrivals, visitors'
choices, service times), so the same seed gives the same visitors whatever the server answers.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from simulator.client import Refused, ServerClient
from simulator.scenario import OperatorPlan, Profile, Scenario

log = logging.getLogger("okno.simulator")

BREAK_REASON = "перерыв (симуляция)"
APPOINTMENT_SLOT_MINUTES = 15
LOOK_EVERY_MINUTES = 2.0


@dataclass
class Episode:
    """One stay in one service's queue: joined, called, started, ended (minutes of the day)."""

    service: str
    enqueued: float
    called: float | None = None
    started: float | None = None
    finished: float | None = None
    operator: str | None = None
    outcome: str | None = None  # resolved, transferred, no_show, returned


@dataclass
class Visitor:
    """A person coming to the office, and what the server told them at the kiosk."""

    index: int
    service: str
    arrive: float
    kind: str = "walk_in"  # or "appointment"
    slot: float | None = None  # an appointment's booked slot (minute of the day)
    code: str | None = None  # its booking code, once booked through the API
    checked_in: bool = False  # its ticket came from a check-in of that booking
    gone_when_called: bool = False
    will_return: bool = False
    ticket: int | None = None
    number: str = ""
    issued: float | None = None
    ahead: int | None = None
    estimate: float | None = None  # the server's estimate_minutes at issue
    naive: float | None = None  # the naive estimator at the same moment
    episodes: list[Episode] = field(default_factory=list)
    returned: bool = False

    @property
    def first_wait(self) -> float | None:
        """Issue → first call, the wait the estimate was about (None: never called)."""
        if not self.episodes or self.episodes[0].called is None or self.issued is None:
            return None
        return self.episodes[0].called - self.issued


@dataclass
class Operator:
    plan: OperatorPlan
    levels: dict[str, int]
    workplace: str
    password: str
    shift: tuple[int, int]
    token: str | None = None
    state: str = "off"  # off, idle, busy, paused
    visitor: Visitor | None = None
    idle_since: float = 0.0
    leave_when_free: bool = False
    break_when_free: float | None = None  # the end of a break due while busy
    served: int = 0
    busy_minutes: float = 0.0
    busy_since: float | None = None
    present_minutes: float = 0.0  # signed in and not on a break
    present_since: float | None = None

    @property
    def login(self) -> str:
        return self.plan.login

    @property
    def serving_now(self) -> bool:
        return self.state in ("idle", "busy")


@dataclass
class DayResult:
    """What happened: the visitors with their episodes, the operators, the queue over time."""

    scenario: Scenario
    seed: int
    origin: datetime  # the absolute time of the day's start
    visitors: list[Visitor]
    operators: list[Operator]
    queue_samples: list[tuple[float, int]]  # (minute of the day, tickets waiting)
    appointments_missed: int
    wall_seconds: float
    requests: int
    unknown_calls: int  # tickets the simulator did not issue (a person's, a leftover)
    # appointments: booked through the API, refused a booking, refused at check-in
    bookings: dict[str, int] = field(default_factory=dict)


def piecewise_poisson(
    rng: random.Random, steps: list[tuple[int, float]], end: int
) -> Iterator[float]:
    """Arrival minutes of a Poisson process whose hourly rate changes at each step's minute."""
    bounds = [*(start for start, _ in steps[1:]), end]
    for (start, rate), stop in zip(steps, bounds, strict=True):
        if rate <= 0:
            continue
        t = float(start)
        while True:
            t += rng.expovariate(rate / 60.0)
            if t >= stop:
                break
            yield t


def naive_estimate(ahead: int, mean_service_minutes: float, serving: int) -> float | None:
    """People ahead × mean service time ÷ operators serving the service (None: nobody serves)."""
    if serving <= 0:
        return None
    return ahead * mean_service_minutes / serving


def _steps(profile: Profile, scenario: Scenario) -> list[tuple[int, float]]:
    return profile.steps(scenario.spec.day)


def slot_minutes(scenario: Scenario, service: str) -> int:
    """The service's booking slot length in the office, else 15 minutes."""
    config = next((s for s in scenario.office.services if s.id == service), None)
    booking = getattr(config, "booking", None)
    return int(booking.slot_minutes) if booking is not None else APPOINTMENT_SLOT_MINUTES


def plan_visitors(scenario: Scenario, seed: int) -> tuple[list[Visitor], int]:
    """The day's visitors (walk-ins and appointments that come) and how many appointments missed."""
    spec = scenario.spec
    arrivals_rng = random.Random(f"{seed}:arrivals")
    choice_rng = random.Random(f"{seed}:choices")
    day = spec.day
    visitors: list[Visitor] = []
    mix = list(spec.arrivals.mix.items())
    for t in piecewise_poisson(arrivals_rng, _steps(spec.arrivals, scenario), day.end):
        service = arrivals_rng.choices([s for s, _ in mix], [w for _, w in mix])[0]
        visitors.append(Visitor(len(visitors), service, t))
    missed = 0
    booked = list(spec.appointments.services.items())
    if booked:
        for t in piecewise_poisson(arrivals_rng, _steps(spec.appointments, scenario), day.end):
            service = arrivals_rng.choices([s for s, _ in booked], [w for _, w in booked])[0]
            length = slot_minutes(scenario, service)
            slot = day.start + math.floor((t - day.start) / length) * length
            if arrivals_rng.random() < spec.appointments.no_show:
                missed += 1
                continue
            come = slot + arrivals_rng.gauss(0.0, spec.appointments.punctuality_minutes)
            come = min(max(come, float(day.start)), day.end - 0.01)
            visitors.append(
                Visitor(len(visitors), service, come, kind="appointment", slot=float(slot))
            )
    visitors.sort(key=lambda v: v.arrive)
    for index, visitor in enumerate(visitors):
        visitor.index = index
        visitor.gone_when_called = choice_rng.random() < spec.walk_in_no_show
        visitor.will_return = choice_rng.random() < spec.returns.probability
    return visitors, missed


class Simulation:
    """One day against one server: `run()` returns the DayResult.

    `speed=None` runs as fast as possible, moving the server's simulation clock event by event;
    `speed=X` runs X times faster than the wall clock. `origin` is the absolute time of the day's
    start (default: the scenario's date, or today, at the day's start in the office's zone).
    `skip` names operators the simulation leaves alone (the demo's person at op1's desk).
    """

    def __init__(
        self,
        scenario: Scenario,
        client: ServerClient,
        passwords: dict[str, str],
        seed: int = 1,
        speed: float | None = None,
        origin: datetime | None = None,
        skip: frozenset[str] = frozenset(),
        progress: Callable[[float], None] | None = None,
        should_stop: Callable[[], bool] = lambda: False,
        sleep: Callable[[float], None] = time.sleep,
        booking_token: str | None = None,
    ) -> None:
        self.scenario = scenario
        self.client = client
        self.seed = seed
        self.speed = speed
        self.spec = scenario.spec
        zone = ZoneInfo(scenario.office.timezone)
        day = self.spec.day_date or datetime.now(zone).date()
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
        self.origin = origin or (midnight + timedelta(minutes=self.spec.day.start)).astimezone(UTC)
        self.progress = progress
        self.should_stop = should_stop
        self.sleep = sleep
        self.service_rng = random.Random(f"{seed}:service-times")
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self.now = float(self.spec.day.start)
        self.waiting: dict[str, int] = {s.id: 0 for s in scenario.office.services}
        self.by_ticket: dict[int, Visitor] = {}
        self.service_done: dict[str, tuple[int, float]] = {}  # count, total minutes
        self.queue_samples: list[tuple[float, int]] = []
        self.unknown_calls = 0
        self.operators: list[Operator] = []
        taken = {p.workplace for p in self.spec.operators if p.workplace}
        free = iter(w.id for w in scenario.office.workplaces if w.id not in taken)
        for plan in self.spec.operators:
            if plan.login in skip:
                continue
            workplace = plan.workplace or next(free)
            password = passwords.get(plan.login) or plan.password or ""
            self.operators.append(
                Operator(plan, scenario.levels(plan), workplace, password, scenario.shift(plan))
            )
        self.transfers = {r.from_service: r for r in self.spec.transfers}
        self.booking_token = booking_token
        self.bookings = {"booked": 0, "refused": 0, "check_in_refused": 0}

    # -- the event loop -----------------------------------------------------------------------

    def at(self, minute: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._heap, (minute, next(self._order), action))

    def absolute(self, minute: float) -> datetime:
        return self.origin + timedelta(minutes=minute - self.spec.day.start)

    def run(self) -> DayResult:
        visitors, missed = plan_visitors(self.scenario, self.seed)
        if self.booking_token is not None and self.speed is None:
            self._book(visitors)
        for visitor in visitors:
            self.at(visitor.arrive, partial(self._arrive, visitor))
        for op in self.operators:
            start, end = op.shift
            self.at(start, partial(self._shift_start, op))
            for b_start, b_end in op.plan.breaks:
                self.at(b_start, partial(self._break_start, op, b_end))
            self.at(end, partial(self._shift_end, op))
        wall_start = time.monotonic()
        requests_before = self.client.requests
        if self.speed is not None:
            if self.client.clock() is not None:
                self.client.set_clock(self.absolute(self.now), self.speed)
            # Others may share the office (a person at a desk, the kiosk): look at the queue now
            # and then, so that no visitor waits unseen by the simulated operators.
            self.at(self.now + LOOK_EVERY_MINUTES, self._look)
        while self._heap and not self.should_stop():
            minute, _, action = heapq.heappop(self._heap)
            self._advance(minute, wall_start)
            action()
            self._sample()
        for op in self.operators:  # a stop in the middle: close the books
            self._account(op)
        self.queue_samples.append((self.now, sum(self.waiting.values())))  # the plot's end
        return DayResult(
            scenario=self.scenario,
            seed=self.seed,
            origin=self.origin,
            visitors=visitors,
            operators=self.operators,
            queue_samples=self.queue_samples,
            appointments_missed=missed,
            wall_seconds=time.monotonic() - wall_start,
            requests=self.client.requests - requests_before,
            unknown_calls=self.unknown_calls,
            bookings=dict(self.bookings),
        )

    def _advance(self, minute: float, wall_start: float) -> None:
        self.now = max(self.now, minute)
        if self.speed is None:
            self.client.at = self.absolute(self.now)
        else:
            due = wall_start + (self.now - self.spec.day.start) * 60.0 / self.speed
            while (delay := due - time.monotonic()) > 0 and not self.should_stop():
                self.sleep(min(delay, 0.5))
        if self.progress is not None:
            self.progress(self.now)

    def _sample(self) -> None:
        total = sum(self.waiting.values())
        if not self.queue_samples or self.queue_samples[-1][1] != total:
            self.queue_samples.append((self.now, total))

    # -- visitors -------------------------------------------------------------------------------

    def _book(self, visitors: list[Visitor]) -> None:
        """The day before, the appointments are booked through the booking API (an outside
        system's token); a full slot moves the visitor to the next one (up to three later), a
        refused booking leaves a walk-in."""
        assert self.booking_token is not None
        self.client.at = self.absolute(self.spec.day.start) - timedelta(days=1)
        for visitor in visitors:
            if visitor.slot is None:
                continue
            length = slot_minutes(self.scenario, visitor.service)
            for attempt in range(4):
                slot = visitor.slot + attempt * length
                if slot >= self.spec.day.end:
                    break
                try:
                    visitor.code = self.client.book(
                        self.booking_token, visitor.service, self.absolute(slot)
                    )
                except Refused as exc:
                    if exc.status >= 500:
                        raise
                    continue
                visitor.arrive = min(visitor.arrive + slot - visitor.slot, self.spec.day.end - 0.01)
                visitor.slot = slot
                break
            self.bookings["booked" if visitor.code else "refused"] += 1

    def _arrive(self, visitor: Visitor) -> None:
        answer = None
        if visitor.code is not None:
            try:
                answer = self.client.check_in(visitor.code)
                visitor.checked_in = True
            except Refused:
                self.bookings["check_in_refused"] += 1  # a walk-in ticket instead
        if answer is None:
            answer = self.client.issue(visitor.service)
        visitor.ticket = int(answer["id"])
        visitor.number = str(answer["number"])
        visitor.issued = self.now
        visitor.ahead = int(answer["ahead"])
        estimate = answer.get("estimate_minutes")
        visitor.estimate = None if estimate is None else float(estimate)
        serving = sum(1 for op in self.operators if op.serving_now and visitor.service in op.levels)
        visitor.naive = naive_estimate(visitor.ahead, self._mean_service(visitor.service), serving)
        visitor.episodes.append(Episode(visitor.service, self.now))
        self.by_ticket[visitor.ticket] = visitor
        self._joined(visitor.service)

    def _mean_service(self, service: str) -> float:
        count, total = self.service_done.get(service, (0, 0.0))
        return total / count if count else self.scenario.expected_minutes(service)

    def _joined(self, service: str) -> None:
        self.waiting[service] = self.waiting.get(service, 0) + 1
        self._call_idle()

    def _call_idle(self) -> None:
        """Idle operators (the longest idle first) call while their services have visitors."""
        for op in sorted(self.operators, key=lambda o: o.idle_since):
            if op.state == "idle":
                self._maybe_call(op)

    # -- operators -------------------------------------------------------------------------------

    def _desk(
        self, op: Operator, action: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        assert op.token is not None
        try:
            return self.client.desk(op.token, action, body)
        except Refused as exc:
            if exc.status != 401:
                raise
            self._login(op)  # the session expired: sign in again and repeat once
            assert op.token is not None
            return self.client.desk(op.token, action, body)

    def _login(self, op: Operator) -> None:
        op.token = self.client.login(op.login, op.password, op.workplace)

    def _shift_start(self, op: Operator) -> None:
        if any(
            o is not op and o.workplace == op.workplace and o.state != "off" for o in self.operators
        ):
            # the previous shift is still with a visitor at this window: take it a minute later
            self.at(self.now + 1.0, partial(self._shift_start, op))
            return
        self._login(op)
        op.state = "idle"
        op.idle_since = self.now
        op.present_since = self.now
        self._maybe_call(op)

    def _shift_end(self, op: Operator) -> None:
        if op.state == "busy":
            op.leave_when_free = True
            return
        self._leave(op)

    def _leave(self, op: Operator) -> None:
        if op.state == "off":
            return
        self._account(op)
        self._desk(op, "logout")
        op.token = None
        op.state = "off"

    def _account(self, op: Operator) -> None:
        if op.present_since is not None:
            op.present_minutes += self.now - op.present_since
            op.present_since = None
        if op.busy_since is not None:
            op.busy_minutes += self.now - op.busy_since
            op.busy_since = None

    def _break_start(self, op: Operator, end: int) -> None:
        if op.state == "busy":
            op.break_when_free = end
        elif op.state == "idle":
            self._pause(op, end)

    def _pause(self, op: Operator, end: float) -> None:
        if end <= self.now:
            return
        self._desk(op, "pause", {"reason": BREAK_REASON})
        self._account(op)
        op.state = "paused"
        self.at(end, lambda: self._resume(op))

    def _resume(self, op: Operator) -> None:
        if op.state != "paused":
            return
        self._desk(op, "resume")
        op.state = "idle"
        op.idle_since = self.now
        op.present_since = self.now
        if op.leave_when_free:
            self._leave(op)
        else:
            self._maybe_call(op)

    def _maybe_call(self, op: Operator) -> None:
        if any(self.waiting.get(s, 0) > 0 for s in op.levels):
            self._call_next(op)

    def _call_next(self, op: Operator) -> None:
        try:
            state = self._desk(op, "call-next")
        except Refused as exc:
            if exc.code != "queue_empty":
                raise
            self._resync()
            return
        ticket = state["ticket"]
        visitor = self.by_ticket.get(int(ticket["id"]))
        service = str(ticket["service"])
        self.waiting[service] = max(0, self.waiting.get(service, 0) - 1)
        if visitor is None:  # a ticket the simulation did not issue: serve it as one of its own
            self.unknown_calls += 1
            visitor = Visitor(-1, service, self.now, kind="unknown", issued=self.now)
            visitor.episodes.append(Episode(service, self.now))
        episode = visitor.episodes[-1]
        if episode.called is None:
            episode.called = self.now
        episode.operator = op.login
        op.state = "busy"
        op.visitor = visitor
        op.busy_since = self.now
        self.at(self.now + self.spec.walk_minutes, lambda: self._at_desk(op, visitor))

    def _look(self) -> None:
        day_over = self.now >= max((op.shift[1] for op in self.operators), default=0)
        if day_over and all(op.state == "off" for op in self.operators):
            return
        self._resync()
        self._call_idle()
        self.at(self.now + LOOK_EVERY_MINUTES, self._look)

    def _resync(self) -> None:
        """The server has nothing for an operator the simulation thought had visitors: recount."""
        lines = self.client.queue()["services"]
        for line in lines:
            if line["service"] in self.waiting:
                self.waiting[line["service"]] = int(line["waiting"])

    def _at_desk(self, op: Operator, visitor: Visitor) -> None:
        episode = visitor.episodes[-1]
        if visitor.gone_when_called:
            self.at(self.now + self.spec.no_show_after_minutes, lambda: self._no_show(op, visitor))
            return
        if visitor.will_return and not visitor.returned:
            # the documents are checked before the service starts: one is missing
            self.at(self.now + 2.0, lambda: self._send_back(op, visitor))
            return
        self._desk(op, "start")
        episode.started = self.now
        draw = self.scenario.service_time(episode.service)
        minutes = draw.median * math.exp(self.service_rng.gauss(0.0, draw.sigma))
        self.at(self.now + minutes / op.plan.speed, lambda: self._finish(op, visitor))

    def _no_show(self, op: Operator, visitor: Visitor) -> None:
        self._desk(op, "no-show")
        episode = visitor.episodes[-1]
        episode.finished = self.now
        episode.outcome = "no_show"
        self._free(op)

    def _send_back(self, op: Operator, visitor: Visitor) -> None:
        """The visitor lacks a document: back to the queue, callable again after N minutes."""
        minutes = round(self.spec.returns.minutes)
        self._desk(op, "return", {"minutes": minutes})
        episode = visitor.episodes[-1]
        episode.finished = self.now
        episode.outcome = "returned"
        visitor.returned = True
        visitor.episodes.append(Episode(episode.service, self.now + minutes))
        # the server's not-before has passed a second later
        self.at(self.now + minutes + 1 / 60, lambda: self._joined(episode.service))
        self._free(op)

    def _finish(self, op: Operator, visitor: Visitor) -> None:
        episode = visitor.episodes[-1]
        rule = self.transfers.get(episode.service)
        assert episode.started is not None
        count, total = self.service_done.get(episode.service, (0, 0.0))
        self.service_done[episode.service] = (count + 1, total + self.now - episode.started)
        if rule is not None and self.service_rng.random() < rule.probability:
            self._desk(op, "transfer", {"service": rule.to_service})
            episode.outcome = "transferred"
            episode.finished = self.now
            visitor.episodes.append(Episode(rule.to_service, self.now))
            op.served += 1
            self._free(op)
            self._joined(rule.to_service)
            return
        self._desk(op, "finish", {"outcome": "resolved"})
        episode.outcome = "resolved"
        episode.finished = self.now
        op.served += 1
        self._free(op)

    def _free(self, op: Operator) -> None:
        if op.busy_since is not None:
            op.busy_minutes += self.now - op.busy_since
            op.busy_since = None
        op.visitor = None
        op.state = "idle"
        op.idle_since = self.now
        if op.leave_when_free:
            self._leave(op)
        elif op.break_when_free is not None:
            end, op.break_when_free = op.break_when_free, None
            self._pause(op, end)
            if op.state == "idle":
                self._maybe_call(op)
        else:
            self._maybe_call(op)
