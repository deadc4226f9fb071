"""The fast replay of estimate_all gives exactly what a naive replay over next_for gives."""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

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
) -> dict[int, Position]:
    """DESIGN.md §4 read literally: the operator free first asks next_for over all that remain."""
    remaining = [t for t in tickets if t.status is TicketStatus.WAITING]
    waiting = list(remaining)
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
    while heap and remaining:
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
        result[ticket.id] = Position(ahead=len(result), minutes=_ceil_minutes(at - now))
        heapq.heappush(heap, (at + _duration(ticket.service, expected, rules), op_id))
    # Nobody takes these: count the same service's tickets before them in the queue list.
    listed = call_order(waiting, rules, now)
    for ticket in remaining:
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
