"""The wait estimate of DESIGN.md §4: expected durations and the forward replay, by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from queue_server.domain.estimate import Position, estimate_all, expected_minutes, whole_minutes
from queue_server.domain.model import OperatorState, TicketClass, TicketStatus
from tests.helpers.domain_factories import NOW, make_operator, make_rule, make_ticket, minutes

RULES = {"s1": make_rule("s1", expected_minutes=10), "s2": make_rule("s2", expected_minutes=10)}


def _minutes_of(positions: dict[int, Position]) -> dict[int, int | None]:
    return {ticket_id: p.minutes for ticket_id, p in positions.items()}


def _ahead_of(positions: dict[int, Position]) -> dict[int, int]:
    return {ticket_id: p.ahead for ticket_id, p in positions.items()}


def test_expected_is_median_of_exactly_last_twenty_steps():
    """Only the last 20 steps count: 19 or 21 would give another median."""
    recent = [9.0] * 11 + [1.0] * 10  # last 20: ten 9s, ten 1s; last 19 → 1, last 21 → 9
    assert expected_minutes(recent, configured=30) == 5.0


def test_expected_ignores_older_steps():
    """Many slow steps before the last 20 do not move the figure."""
    recent = [100.0] * 50 + [4.0, 6.0, 5.0] * 6 + [5.0, 5.0]
    assert expected_minutes(recent, configured=30) == 5.0


def test_expected_median_is_robust_to_an_outlier():
    """One very long step does not pull the figure as a mean would."""
    assert expected_minutes([3.0, 4.0, 500.0], configured=30) == 4.0


def test_expected_falls_back_to_configured_without_steps():
    """No finished step yet: the configured duration."""
    assert expected_minutes([], configured=12.5) == 12.5


def test_two_operators_one_service_five_tickets():
    """2 operators, 10-minute service, 5 tickets: minutes 0, 0, 10, 10, 20 and 0..4 ahead."""
    tickets = [make_ticket(i, due_at=NOW - minutes(10 - i)) for i in range(1, 6)]
    operators = [make_operator("op1"), make_operator("op2")]
    positions = estimate_all(tickets, operators, RULES, {}, NOW)
    assert positions == {
        1: Position(ahead=0, minutes=0),
        2: Position(ahead=1, minutes=0),
        3: Position(ahead=2, minutes=10),
        4: Position(ahead=3, minutes=10),
        5: Position(ahead=4, minutes=20),
    }


def test_recent_expected_overrides_configured():
    """A recent figure for the service replaces the configured 10 minutes."""
    tickets = [make_ticket(i, due_at=NOW - minutes(10 - i)) for i in range(1, 4)]
    positions = estimate_all(tickets, [make_operator()], RULES, {"s1": 4.0}, NOW)
    assert _minutes_of(positions) == {1: 0, 2: 4, 3: 8}


def test_serving_operator_frees_at_expected_minus_elapsed():
    """An operator 4 minutes into a 10-minute service frees in 6 minutes."""
    tickets = [make_ticket(i, due_at=NOW - minutes(10 - i)) for i in range(1, 4)]
    busy = make_operator("op1", current_service="s1", busy_since=NOW - minutes(4))
    positions = estimate_all(tickets, [busy], RULES, {}, NOW)
    assert _minutes_of(positions) == {1: 6, 2: 16, 3: 26}


def test_overrunning_operator_frees_now():
    """An operator past the expected duration counts as free now, not in negative time."""
    tickets = [make_ticket(1)]
    busy = make_operator("op1", current_service="s1", busy_since=NOW - minutes(25))
    assert estimate_all(tickets, [busy], RULES, {}, NOW) == {1: Position(ahead=0, minutes=0)}


def test_busy_operator_frees_by_its_current_service_duration():
    """The current ticket's service (s2, 30 min) sets when the desk frees, not the next one's."""
    rules = {**RULES, "s2": make_rule("s2", expected_minutes=30)}
    busy = make_operator("op1", {"s1": 1, "s2": 1}, current_service="s2", busy_since=NOW)
    positions = estimate_all([make_ticket(1)], [busy], rules, {}, NOW)
    assert positions == {1: Position(ahead=0, minutes=30)}


@pytest.mark.parametrize("state", [OperatorState.PAUSED, OperatorState.OFFLINE])
def test_paused_or_offline_operator_does_not_count(state):
    """Only available operators take tickets in the replay."""
    tickets = [make_ticket(i, due_at=NOW - minutes(10 - i)) for i in range(1, 4)]
    operators = [make_operator("op1"), make_operator("op2", state=state)]
    positions = estimate_all(tickets, operators, RULES, {}, NOW)
    assert _minutes_of(positions) == {1: 0, 2: 10, 3: 20}


def test_service_without_active_operator_has_no_estimate():
    """No active operator serves s2: minutes None, ahead counts s2 tickets before it."""
    tickets = [
        make_ticket(1, service="s2", due_at=NOW - minutes(9)),
        make_ticket(2, service="s1", due_at=NOW - minutes(8)),
        make_ticket(3, service="s2", due_at=NOW - minutes(7)),
        make_ticket(4, service="s2", ticket_class=TicketClass.PRIORITY, due_at=NOW - minutes(1)),
        make_ticket(5, service="s1", due_at=NOW - minutes(6)),
    ]
    operators = [make_operator("op1"), make_operator("op2", {"s2": 1}, state=OperatorState.PAUSED)]
    positions = estimate_all(tickets, operators, RULES, {}, NOW)
    assert positions[2] == Position(ahead=0, minutes=0)
    assert positions[5] == Position(ahead=1, minutes=10)
    assert {i: positions[i] for i in (1, 3, 4)} == {
        4: Position(ahead=0, minutes=None),  # priority goes first in s2
        1: Position(ahead=1, minutes=None),
        3: Position(ahead=2, minutes=None),
    }


def test_no_operator_at_all_gives_no_estimates():
    """With nobody at work every ticket has no estimate, counted per service."""
    tickets = [make_ticket(1, service="s1"), make_ticket(2, service="s2"), make_ticket(3)]
    positions = estimate_all(tickets, [], RULES, {}, NOW)
    assert positions == {
        1: Position(ahead=0, minutes=None),
        2: Position(ahead=0, minutes=None),
        3: Position(ahead=1, minutes=None),
    }


def test_returned_ticket_is_taken_no_earlier_than_not_before():
    """A ticket returned for 7 minutes is taken at +7 by an operator otherwise idle."""
    back_at = NOW + minutes(7)
    returned = make_ticket(1, due_at=back_at, not_before=back_at)
    assert estimate_all([returned], [make_operator()], RULES, {}, NOW) == {
        1: Position(ahead=0, minutes=7)
    }


def test_returned_ticket_waits_for_not_before_even_when_others_go_first():
    """A plain ticket goes at 0; the returned one at +10 when the desk frees, after not_before."""
    back_at = NOW + minutes(3)
    returned = make_ticket(1, due_at=back_at, not_before=back_at)
    plain = make_ticket(2, due_at=NOW - minutes(1))
    later = make_ticket(3, due_at=NOW + minutes(5))
    positions = estimate_all([returned, plain, later], [make_operator()], RULES, {}, NOW)
    assert _minutes_of(positions) == {2: 0, 1: 10, 3: 20}
    assert _ahead_of(positions) == {2: 0, 1: 1, 3: 2}


def test_ticket_for_another_operator_waits_for_that_operator():
    """A ticket sent to op2 is taken by op2 when it frees, not by the idle op1."""
    targeted = make_ticket(1, due_at=NOW - minutes(30), target_operator="op2")
    op1 = make_operator("op1")
    op2 = make_operator("op2", current_service="s1", busy_since=NOW - minutes(2))
    positions = estimate_all([targeted], [op1, op2], RULES, {}, NOW)
    assert positions == {1: Position(ahead=0, minutes=8)}


def test_only_waiting_tickets_get_positions():
    """Called or finished tickets get no position and do not count as ahead."""
    tickets = [
        make_ticket(1, status=TicketStatus.CALLED, due_at=NOW - minutes(20)),
        make_ticket(2, status=TicketStatus.DONE, due_at=NOW - minutes(20)),
        make_ticket(3),
    ]
    positions = estimate_all(tickets, [make_operator()], RULES, {}, NOW)
    assert positions == {3: Position(ahead=0, minutes=0)}


def test_minutes_round_up():
    """A desk freeing in 2.5 minutes shows 3, never less than the real wait."""
    busy = make_operator("op1", current_service="s1", busy_since=NOW - minutes(7.5))
    assert estimate_all([make_ticket(1)], [busy], RULES, {}, NOW) == {
        1: Position(ahead=0, minutes=3)
    }


def test_ticket_for_another_workplace_does_not_block_the_line():
    """A ticket sent to a workplace nobody active sits at does not hold up plain tickets."""
    elsewhere = make_ticket(1, due_at=NOW - minutes(30), target_workplace="w9")
    plain = make_ticket(2, due_at=NOW - minutes(1))
    positions = estimate_all([elsewhere, plain], [make_operator("op1")], RULES, {}, NOW)
    assert positions == {
        2: Position(ahead=0, minutes=0),
        1: Position(ahead=0, minutes=None),
    }


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0, 0), (29, 0), (30, 1), (89, 1), (90, 2), (600, 10), (-45, 0)],
)
def test_minutes_are_rounded_to_the_nearest_not_up(seconds: int, expected: int):
    """An expected wait of 1 min 20 s is told as 1 minute (rounding up would tell every visitor
    half a minute too much on average); never below 0."""
    assert whole_minutes(timedelta(seconds=seconds)) == expected
