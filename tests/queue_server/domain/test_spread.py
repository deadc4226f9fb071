"""The first calls of busy operators (domain/spread.py): the expected first desk to free up."""

from __future__ import annotations

import itertools
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.durations import SPREAD_POINTS, LearnedDurations, StepRecord, residual
from queue_server.domain.estimate import estimate_all, whole_minutes
from queue_server.domain.model import TicketStatus
from queue_server.domain.spread import order_means
from tests.helpers.domain_factories import NOW, make_operator, make_rule, make_ticket, minutes

RULES = {"s1": make_rule("s1", expected_minutes=10), "s2": make_rule("s2", expected_minutes=10)}
# Calls of 2 … 18 minutes, evenly: a wide spread of the time left at a desk.
SPREAD_STEPS = [
    StepRecord("s1", "op9", NOW - minutes(60 + m), NOW - minutes(60 + m), NOW - minutes(60), o)
    for m, o in itertools.product(range(2, 19), ("resolved", "resolved"))
] + [
    StepRecord("s2", "op9", NOW - minutes(60 + m), NOW - minutes(60 + m), NOW - minutes(60), o)
    for m, o in itertools.product(range(2, 19), ("resolved", "resolved"))
]


def _exact_order_means(spreads: list[list[float]], count: int) -> list[float]:
    """Every combination of one value per spread, each equally likely."""
    totals = [0.0] * count
    combos = list(itertools.product(*spreads))
    for combo in combos:
        for rank, value in enumerate(sorted(combo)[:count]):
            totals[rank] += value
    return [total / len(combos) for total in totals]


def _spread(*values: float) -> list[float]:
    """`values` repeated to `SPREAD_POINTS` equally likely values, as the model gives them."""
    assert SPREAD_POINTS % len(values) == 0
    return sorted(list(values) * (SPREAD_POINTS // len(values)))


def test_the_first_of_several_desks_frees_up_sooner_than_any_one_is_expected_to():
    """Three desks each with 1 or 9 minutes left (mean 5): the first frees after 1 minute unless
    all three take 9 (1/8): 2 minutes on average, not 5."""
    spreads = [_spread(1.0, 9.0)] * 3
    means = order_means(spreads, 3)
    assert means == pytest.approx(_exact_order_means(spreads, 3), abs=0.6)
    assert means[0] == pytest.approx(2.0, abs=0.6)


def test_the_order_statistics_add_up_to_the_sum_of_the_means():
    """Whatever the draws, each desk's values are drawn equally often: the ranks' means add up
    exactly to the desks' means (the replay's later steps stay where they were)."""
    spreads = [_spread(1.0, 3.0, 5.0, 20.0), _spread(4.0, 6.0), [7.5]]
    means = order_means(spreads, 3)
    assert sum(means) == pytest.approx(sum(statistics.mean(s) for s in spreads))
    assert means == sorted(means)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(0, 30), min_size=1, max_size=2).map(
            lambda v: _spread(*(float(x) for x in v))
        ),
        min_size=1,
        max_size=4,
    )
)
def test_order_means_are_close_to_the_exact_ones(spreads: list[list[float]]):
    """Against every combination: the fixed draws stay within a couple of minutes on spreads of
    up to 30 minutes."""
    exact = _exact_order_means(spreads, len(spreads))
    assert sum(order_means(spreads, len(spreads))) == pytest.approx(sum(exact))
    for got, want in zip(order_means(spreads, len(spreads)), exact, strict=True):
        assert got == pytest.approx(want, abs=2.5)


def _busy(op_id: str, service: str, since: float, **levels: int):
    op = make_operator(op_id, current_service=service, busy_since=NOW - minutes(since))
    op.levels = levels or {service: 1}
    op.current_status = TicketStatus.SERVING
    return op


def test_nobody_ahead_and_every_desk_busy_waits_for_the_first_to_free_up():
    """One ticket, three busy desks that all serve it: the estimate is the expected least time
    left, below the least of the desks' expected times (what the replay alone gives)."""
    model = LearnedDurations.learn(SPREAD_STEPS, RULES)
    ops = [_busy("op1", "s1", 1.0), _busy("op2", "s1", 2.0), _busy("op3", "s1", 3.0)]
    least = min((model.free_at(op, NOW) - NOW) / minutes(1) for op in ops)  # type: ignore[operator]
    ticket = make_ticket(1, service="s1")
    got = estimate_all([ticket], ops, RULES, model, NOW)[1].minutes
    assert got is not None and got < least - 2
    spreads = [list(model.spread(op, NOW)) for op in ops]
    assert got == whole_minutes(minutes(order_means(spreads, 1)[0]))


def test_a_desk_that_does_not_serve_the_ticket_does_not_hurry_it():
    """Only op1 serves s1: the others freeing up first change nothing for its ticket."""
    model = LearnedDurations.learn(SPREAD_STEPS, RULES)
    ops = [_busy("op1", "s1", 1.0), _busy("op2", "s2", 8.0), _busy("op3", "s2", 9.0)]
    ticket = make_ticket(1, service="s1")
    alone = estimate_all([ticket], ops[:1], RULES, model, NOW)
    assert estimate_all([ticket], ops, RULES, model, NOW) == alone
    expected = (model.free_at(ops[0], NOW) - NOW) / minutes(1)  # type: ignore[operator]
    assert alone[1].minutes == whole_minutes(minutes(expected))


def test_a_desk_busy_with_a_better_claim_does_not_compete():
    """op2 serves s1 only as its second service and takes the s2 ticket first: the s1 ticket
    waits for op1 alone; op2's own ticket, with op3 competing, is hurried."""
    model = LearnedDurations.learn(SPREAD_STEPS, RULES)
    op1 = _busy("op1", "s1", 1.0)
    op2 = _busy("op2", "s2", 6.0, s2=1, s1=2)
    op3 = _busy("op3", "s2", 2.0, s2=1)
    ordinary = make_ticket(1, service="s1", due_at=NOW - minutes(5))
    second = make_ticket(2, service="s2", due_at=NOW - minutes(1))
    with_all = estimate_all([ordinary, second], [op1, op2, op3], RULES, model, NOW)
    op1_alone = estimate_all([ordinary], [op1], RULES, model, NOW)
    assert with_all[1].minutes == op1_alone[1].minutes
    replay_only = min(
        (model.free_at(op, NOW) - NOW) / minutes(1)  # type: ignore[operator]
        for op in (op2, op3)
    )
    assert with_all[2].minutes is not None and with_all[2].minutes < replay_only


def test_the_fixed_model_knows_no_spread():
    """The reference estimator answers as it always has: the least of the desks' figures."""
    ops = [_busy("op1", "s1", 1.0), _busy("op2", "s1", 2.0), _busy("op3", "s1", 3.0)]
    ticket = make_ticket(1, service="s1")
    assert estimate_all([ticket], ops, RULES, {"s1": 10.0}, NOW)[1].minutes == 7


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.5, 60.0), min_size=1, max_size=40),
    st.floats(0.01, 80.0),
    st.booleans(),
)
def test_the_time_left_is_the_residual_of_the_scaled_sample(
    sample: list[float], elapsed: float, serving: bool
):
    """The time left worked out on the sorted sample (O(log n)) is `residual` over the sample at
    the scale of the service's figure, as it was worked out before on the whole sample."""
    steps = [
        StepRecord(
            "s1", "op9", NOW - minutes(99), NOW - minutes(99), NOW - minutes(99 - m), "resolved"
        )
        for m in sample
    ]
    model = LearnedDurations.learn(steps, RULES)
    op = _busy("op1", "s1", elapsed)
    op.current_status = TicketStatus.SERVING if serving else TicketStatus.CALLED
    figures = model._services["s1"]
    raw = figures.served_sample if serving else figures.call_sample
    typical = figures.served if serving else figures.call
    since = NOW - minutes(elapsed)
    scale = typical / statistics.mean(raw) * model.factor("s1", "op1", since.hour)
    taken = (NOW - since) / minutes(1)
    want = residual([m * scale for m in raw], taken)
    assert model.remaining(op, NOW) / minutes(1) == pytest.approx(want, abs=1e-6)  # to the µs
    spread = model.spread(op, NOW)
    assert sum(spread) / len(spread) == pytest.approx(want, rel=1e-9, abs=1e-9)


def test_a_desk_just_called_after_calls_that_took_no_time_has_no_spread():
    """Calls ended at the instant they were made (a button pressed twice) leave the call sample
    all zeros: the desk's time left is its figure alone, not a division by zero."""
    steps = [StepRecord("s1", "op9", NOW, NOW, NOW, "resolved") for _ in range(5)]
    model = LearnedDurations.learn(steps, RULES)
    op = _busy("op1", "s1", 0.0)
    op.current_status = TicketStatus.CALLED
    held = model.occupation("s1", "op1", NOW) / minutes(1)
    assert held > 0
    assert model.spread(op, NOW) == (held,)
