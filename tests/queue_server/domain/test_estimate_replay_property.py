"""The fast replay of estimate_all gives exactly what a naive replay over next_for gives."""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.durations import Arrival, FixedDurations, Forecast, WalkIns
from queue_server.domain.estimate import Position, estimate_all
from queue_server.domain.model import (
    Operator,
    OperatorState,
    ServiceRule,
    Ticket,
    TicketClass,
    TicketStatus,
)
from queue_server.domain.order import call_order, next_for
from tests.helpers.domain_factories import NOW, make_operator, make_rule, make_ticket, minutes

ONE_MINUTE_US = 60_000_000


def _duration(service: str, expected: Mapping[str, float], rules: Mapping[str, ServiceRule]):
    rule = rules.get(service)
    return timedelta(minutes=expected.get(service, rule.expected_minutes if rule else 15.0))


def _ceil_minutes(delta: timedelta) -> int:
    microseconds = max(0, delta // timedelta(microseconds=1))
    return -(-microseconds // ONE_MINUTE_US)


def reference_estimate(
    tickets: Sequence[Ticket],
    operators: Sequence[Operator],
    rules: Mapping[str, ServiceRule],
    expected: Mapping[str, float],
    now: datetime,
    coming: Sequence[Ticket] = (),
) -> dict[int, Position]:
    """DESIGN.md §4 read literally: the operator free first asks next_for over all that remain.
    `coming` are forecast visitors (negative ids) as tickets held back until they come: they
    take operators' time but get no position, nor count as ahead."""
    waiting = [t for t in tickets if t.status is TicketStatus.WAITING]
    remaining = [*waiting, *coming]
    by_id = {op.id: op for op in operators}
    heap: list[tuple[datetime, str]] = []
    for op in operators:
        if op.state is not OperatorState.AVAILABLE or not op.levels:
            continue
        free_at = now
        if op.current_service is not None and op.busy_since is not None:
            left = _duration(op.current_service, expected, rules) - (now - op.busy_since)
            free_at = now + max(timedelta(0), left)
        heap.append((free_at, op.id))
    heapq.heapify(heap)
    result: dict[int, Position] = {}
    while heap and len(result) < len(waiting):
        at, op_id = heapq.heappop(heap)
        op = by_id[op_id]
        ticket = next_for(op, remaining, rules, at)
        if ticket is None:
            later = [
                t.not_before
                for t in remaining
                if t.service in op.levels and t.not_before is not None and t.not_before > at
            ]
            if later:
                heapq.heappush(heap, (min(later), op_id))
            continue
        remaining.remove(ticket)
        if ticket.id > 0:
            result[ticket.id] = Position(ahead=len(result), minutes=_ceil_minutes(at - now))
        heapq.heappush(heap, (at + _duration(ticket.service, expected, rules), op_id))
    # Nobody takes these: count the same service's tickets before them in the queue list.
    listed = call_order(waiting, rules, now)
    for ticket in (t for t in remaining if t.id > 0):
        before = [t for t in listed[: listed.index(ticket)] if t.service == ticket.service]
        result[ticket.id] = Position(ahead=len(before), minutes=None)
    return result


SERVICE_IDS = ["s1", "s2", "s3", "s4"]
OPERATOR_IDS = ["op1", "op2", "op3", "op4", "op5"]
EXPECTED_CHOICES = [1.0, 2.0, 5.0, 7.5, 10.0, 12.0, 15.0, 20.0, 30.0]


@st.composite
def queue_states(draw):
    """A random office: services, operators (some busy or paused) and waiting tickets."""
    services = SERVICE_IDS[: draw(st.integers(1, 4))]
    rules = {
        s: make_rule(
            s,
            expected_minutes=draw(st.sampled_from(EXPECTED_CHOICES)),
            max_wait_minutes=draw(st.sampled_from([0.0, 5.0, 10.0, 15.0, 30.0, 60.0])),
        )
        for s in services
    }
    expected = {
        s: draw(st.sampled_from(EXPECTED_CHOICES))
        for s in services
        if draw(st.booleans())  # some services have a recent figure, others fall back
    }
    operators = []
    for op_id in OPERATOR_IDS[: draw(st.integers(0, 5))]:
        served = draw(st.lists(st.sampled_from(services), unique=True, max_size=len(services)))
        levels = {s: draw(st.integers(1, 3)) for s in served}
        busy = bool(served) and draw(st.booleans())
        operators.append(
            make_operator(
                op_id,
                levels,
                workplace=draw(st.sampled_from(["w1", "w2", "w3", None])),
                state=draw(
                    st.sampled_from(
                        [OperatorState.AVAILABLE, OperatorState.AVAILABLE, OperatorState.PAUSED]
                    )
                ),
                current_service=draw(st.sampled_from(served)) if busy else None,
                busy_since=NOW - minutes(draw(st.integers(0, 60))) if busy else None,
            )
        )
    seconds = st.sampled_from([0, 0, 0, 30])
    count = draw(st.integers(0, 40))
    ids = draw(st.lists(st.integers(1, 500), unique=True, min_size=count, max_size=count))
    tickets = []
    for ticket_id in ids:
        ticket_class = draw(st.sampled_from(list(TicketClass)))
        # Mostly whole minutes so that equal due times (and the id tie-break) happen often.
        due_at = NOW - minutes(draw(st.integers(0, 120))) + timedelta(seconds=draw(seconds))
        slot_at = None
        if ticket_class is TicketClass.APPOINTMENT:
            slot_at = NOW + minutes(draw(st.integers(-60, 60)))
        not_before = None
        if draw(st.integers(0, 5)) == 0:
            # Mostly in the future (held back), sometimes already passed.
            not_before = (
                NOW + minutes(draw(st.integers(-10, 60))) + timedelta(seconds=draw(seconds))
            )
        target_operator = target_workplace = None
        target = draw(st.integers(0, 9))
        if target == 0:
            target_operator = draw(st.sampled_from([*OPERATOR_IDS, "op9"]))
        elif target == 1:
            target_workplace = draw(st.sampled_from(["w1", "w2", "w9"]))
        tickets.append(
            make_ticket(
                ticket_id,
                service=draw(st.sampled_from(services)),
                ticket_class=ticket_class,
                status=draw(st.sampled_from([TicketStatus.WAITING] * 8 + [TicketStatus.CALLED])),
                due_at=due_at,
                slot_at=slot_at,
                not_before=not_before,
                target_operator=target_operator,
                target_workplace=target_workplace,
            )
        )
    return tickets, operators, rules, expected


@settings(max_examples=300, deadline=None)
@given(queue_states())
def test_estimate_all_matches_naive_replay(state):
    """For random offices, estimate_all equals the literal replay over order.next_for."""
    tickets, operators, rules, expected = state
    assert estimate_all(tickets, operators, rules, expected, NOW) == reference_estimate(
        tickets, operators, rules, expected, NOW
    )


def test_reference_replay_matches_hand_computed_scenario():
    """The reference itself gives the hand-computed 0, 0, 10, 10, 20 of two 10-minute desks."""
    rules = {"s1": make_rule("s1", expected_minutes=10)}
    tickets = [make_ticket(i, due_at=NOW - minutes(10 - i)) for i in range(1, 6)]
    operators = [make_operator("op1"), make_operator("op2")]
    positions = reference_estimate(tickets, operators, rules, {}, NOW)
    assert {i: (p.ahead, p.minutes) for i, p in positions.items()} == {
        1: (0, 0),
        2: (1, 0),
        3: (2, 10),
        4: (3, 10),
        5: (4, 20),
    }


class _ForecastingFixed(FixedDurations):
    """The reference durations that also forecast `coming` visitors."""

    def __init__(self, expected: Mapping[str, float], rules: Mapping[str, ServiceRule],
                 coming: Forecast) -> None:  # fmt: skip
        super().__init__(expected, rules)
        self.coming = coming

    def forecast(self, now: datetime) -> Forecast:
        return self.coming


@st.composite
def forecasts(draw, services: Sequence[str]) -> Forecast:
    """Walk-ins per service (every 30 s to 20 min, up to 12 of them) and a few booked visitors:
    due times on whole minutes often, so that they tie with each other and with the queue."""
    walk_ins = []
    first = 0
    for service in services:
        if draw(st.booleans()):
            every = timedelta(seconds=draw(st.sampled_from([30, 60, 120, 300, 450, 600, 1200])))
            number = draw(st.integers(0, 12))
            walk_ins.append(WalkIns(service, NOW, every, number, first))
            first += number
    booked = []
    for _ in range(draw(st.integers(0, 3))):
        due = NOW + minutes(draw(st.integers(0, 60)))
        slot = due + minutes(5)
        booked.append(
            Arrival(-(first + len(booked) + 1), draw(st.sampled_from(services)), due, slot)
        )
    return Forecast(tuple(walk_ins), tuple(booked))


@settings(max_examples=300, deadline=None)
@given(queue_states(), st.data())
def test_estimate_all_with_a_forecast_matches_naive_replay(state, data):
    """With forecast visitors, estimate_all (whose replay makes each walk-in only when its line
    reaches it) equals the literal replay that has them all as tickets held back until due."""
    tickets, operators, rules, expected = state
    coming = data.draw(forecasts(sorted(rules)))
    durations = _ForecastingFixed(expected, rules, coming)
    arrivals = [arrival.ticket() for arrival in coming.arrivals()]
    assert estimate_all(tickets, operators, rules, durations, NOW) == reference_estimate(
        tickets, operators, rules, expected, NOW, arrivals
    )


def test_a_visitor_here_goes_before_a_forecast_one_with_the_same_slot():
    """An appointment checked in for a slot begun 2 minutes ago, and a booked visitor the
    forecast expects at that slot: the free desk takes the one who is here, at once; the other
    is expected 10 minutes later (a tie in the call order goes to the real ticket)."""
    rules = {"s1": make_rule("s1", expected_minutes=10)}
    op = make_operator("op1", {"s1": 1})
    slot = NOW - minutes(2)
    here = make_ticket(
        7, service="s1", ticket_class=TicketClass.APPOINTMENT, slot_at=slot, due_at=NOW
    )
    behind = make_ticket(8, service="s1", due_at=NOW)
    coming = Forecast(booked=(Arrival(-1, "s1", NOW, slot),))
    durations = _ForecastingFixed({}, rules, coming)
    positions = estimate_all([here, behind], [op], rules, durations, NOW)
    assert positions[here.id] == Position(ahead=0, minutes=0)
    assert positions[behind.id] == Position(ahead=1, minutes=20)


def test_a_returned_visitor_goes_before_a_walk_in_expected_at_the_same_moment():
    """A visitor sent back until +5 and a walk-in the forecast expects at +5: the free desk
    takes the one who is here first (at 5, not after the walk-in's 10 minutes, at 15)."""
    rules = {"s1": make_rule("s1", expected_minutes=10)}
    op = make_operator("op1", {"s1": 1})
    back = NOW + minutes(5)
    returned = make_ticket(3, service="s1", due_at=back, not_before=back, issued_at=NOW)
    coming = Forecast((WalkIns("s1", NOW, minutes(5), 1, 0),))
    durations = _ForecastingFixed({}, rules, coming)
    positions = estimate_all([returned], [op], rules, durations, NOW)
    assert positions[returned.id] == Position(ahead=0, minutes=5)
    assert positions == reference_estimate(
        [returned], [op], rules, {}, NOW, [a.ticket() for a in coming.arrivals()]
    )


def test_a_free_desk_waits_for_the_next_walk_in_of_its_first_service():
    """op1 serves s1 first, s2 second; s1 walk-ins come at +5 and +10 (10 min each), so the s2
    ticket waiting now is taken at once, and the one behind it after both walk-ins: at 30."""
    rules = {"s1": make_rule("s1", expected_minutes=10), "s2": make_rule("s2", expected_minutes=10)}
    op = make_operator("op1", {"s1": 1, "s2": 2})
    coming = Forecast((WalkIns("s1", NOW, minutes(5), 2, 0),))
    tickets = [make_ticket(1, service="s2"), make_ticket(2, service="s2", due_at=NOW + minutes(1))]
    durations = _ForecastingFixed({}, rules, coming)
    positions = estimate_all(tickets, [op], rules, durations, NOW)
    assert {i: p.minutes for i, p in positions.items()} == {1: 0, 2: 30}
