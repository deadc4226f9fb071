"""The one call order of DESIGN.md §4: eligibility, level, band, due time and id."""

from __future__ import annotations

from queue_server.domain.model import TicketClass, TicketStatus
from queue_server.domain.order import (
    Band,
    band_and_due,
    call_order,
    is_eligible,
    next_for,
    order_key,
)
from tests.helpers.domain_factories import (
    NOW,
    make_operator,
    make_rule,
    make_ticket,
    minutes,
)

RULES = {
    "s1": make_rule("s1", max_wait_minutes=15),
    "s2": make_rule("s2", prefix="Б", max_wait_minutes=15),
}
APPOINTMENT = TicketClass.APPOINTMENT
PRIORITY = TicketClass.PRIORITY


def test_level_one_beats_older_level_two_ticket():
    """A ticket of the operator's level-1 service goes before an older level-2 one."""
    op = make_operator(levels={"s1": 1, "s2": 2})
    old_level2 = make_ticket(1, service="s2", due_at=NOW - minutes(10))
    new_level1 = make_ticket(2, service="s1", due_at=NOW - minutes(1))
    assert next_for(op, [old_level2, new_level1], RULES, NOW) is new_level1


def test_level_one_beats_urgent_level_two_ticket():
    """Level comes before band: even a priority level-2 ticket waits for a level-1 walk-in."""
    op = make_operator(levels={"s1": 1, "s2": 2})
    priority2 = make_ticket(1, service="s2", ticket_class=PRIORITY, due_at=NOW - minutes(30))
    walk_in1 = make_ticket(2, service="s1", due_at=NOW)
    assert next_for(op, [priority2, walk_in1], RULES, NOW) is walk_in1


def test_appointment_within_five_minutes_of_slot_beats_priority():
    """An appointment 5 min before its slot is in the first band, ahead of a priority visitor."""
    op = make_operator()
    priority = make_ticket(1, ticket_class=PRIORITY, due_at=NOW - minutes(30))
    appointment = make_ticket(
        2, ticket_class=APPOINTMENT, due_at=NOW - minutes(1), slot_at=NOW + minutes(5)
    )
    assert band_and_due(appointment, RULES["s1"], NOW) == (Band.APPOINTMENT_DUE, NOW + minutes(5))
    assert next_for(op, [priority, appointment], RULES, NOW) is appointment


def test_early_appointment_queues_as_walk_in_until_five_minutes_before_slot():
    """An appointment checked in 20 min early is ordered as a walk-in by due_at until slot − 5."""
    op = make_operator()
    checked_in = NOW - minutes(1)
    slot = checked_in + minutes(20)
    appointment = make_ticket(1, ticket_class=APPOINTMENT, due_at=checked_in, slot_at=slot)
    earlier_walk_in = make_ticket(2, due_at=checked_in - minutes(1))
    later_walk_in = make_ticket(3, due_at=checked_in + minutes(1))
    tickets = [appointment, earlier_walk_in, later_walk_in]
    rule = RULES["s1"]

    just_before = slot - minutes(5) - minutes(0.01)
    assert band_and_due(appointment, rule, NOW) == (Band.REGULAR, checked_in)
    assert band_and_due(appointment, rule, just_before) == (Band.REGULAR, checked_in)
    assert next_for(op, tickets, RULES, NOW) is earlier_walk_in
    assert [t.id for t in call_order(tickets, RULES, NOW)] == [2, 1, 3]

    at_window = slot - minutes(5)
    assert band_and_due(appointment, rule, at_window) == (Band.APPOINTMENT_DUE, slot)
    assert next_for(op, tickets, RULES, at_window) is appointment


def test_priority_beats_regular():
    """A priority visitor issued later goes before a regular one not yet past the max wait."""
    op = make_operator()
    regular = make_ticket(1, due_at=NOW - minutes(10))
    priority = make_ticket(2, ticket_class=PRIORITY, due_at=NOW)
    assert next_for(op, [regular, priority], RULES, NOW) is priority


def test_regular_past_max_wait_joins_urgent_band_ordered_by_due():
    """A regular ticket waiting longer than max wait is urgent, ordered with priority by due."""
    op = make_operator()
    priority_new = make_ticket(1, ticket_class=PRIORITY, due_at=NOW - minutes(5))
    overdue = make_ticket(2, due_at=NOW - minutes(16))
    priority_old = make_ticket(3, ticket_class=PRIORITY, due_at=NOW - minutes(20))
    fresh = make_ticket(4, due_at=NOW - minutes(14))
    tickets = [priority_new, overdue, priority_old, fresh]

    assert band_and_due(overdue, RULES["s1"], NOW) == (Band.URGENT, NOW - minutes(16))
    assert band_and_due(fresh, RULES["s1"], NOW) == (Band.REGULAR, NOW - minutes(14))
    assert [t.id for t in call_order(tickets, RULES, NOW)] == [3, 2, 1, 4]
    assert next_for(op, [priority_new, overdue], RULES, NOW) is overdue


def test_max_wait_boundary_is_strictly_longer():
    """Exactly max wait is still regular; a second longer is urgent."""
    rule = RULES["s1"]
    ticket = make_ticket(1, due_at=NOW - minutes(15))
    assert band_and_due(ticket, rule, NOW)[0] is Band.REGULAR
    assert band_and_due(ticket, rule, NOW + minutes(1 / 60))[0] is Band.URGENT


def test_max_wait_is_per_service():
    """The max wait of the ticket's own service decides: 20 min is urgent at 10, not at 30."""
    rules = {"s1": make_rule("s1", max_wait_minutes=10), "s2": make_rule("s2", max_wait_minutes=30)}
    s1 = make_ticket(1, service="s1", due_at=NOW - minutes(20))
    s2 = make_ticket(2, service="s2", due_at=NOW - minutes(20))
    assert band_and_due(s1, rules["s1"], NOW)[0] is Band.URGENT
    assert band_and_due(s2, rules["s2"], NOW)[0] is Band.REGULAR


def test_transfer_to_head_goes_first_among_regulars():
    """A ticket transferred "to the head" keeps its original issue time as due and goes first."""
    op = make_operator()
    waiting = make_ticket(1, due_at=NOW - minutes(8))
    transferred = make_ticket(2, issued_at=NOW - minutes(12), due_at=NOW - minutes(12))
    assert next_for(op, [waiting, transferred], RULES, NOW) is transferred


def test_returned_ticket_not_eligible_before_not_before():
    """A returned ticket with not_before in the future is not offered until then."""
    op = make_operator()
    back_at = NOW + minutes(5)
    returned = make_ticket(1, issued_at=NOW - minutes(30), due_at=back_at, not_before=back_at)
    assert not is_eligible(returned, op, NOW)
    assert next_for(op, [returned], RULES, NOW) is None
    assert next_for(op, [returned], RULES, back_at - minutes(0.01)) is None
    assert is_eligible(returned, op, back_at)
    assert next_for(op, [returned], RULES, back_at) is returned


def test_returned_ticket_is_ordered_by_not_before_once_due():
    """Once due, a returned ticket is ordered by its not-before time among walk-ins."""
    op = make_operator()
    back_at = NOW - minutes(2)
    returned = make_ticket(1, issued_at=NOW - minutes(12), due_at=back_at, not_before=back_at)
    before = make_ticket(2, due_at=NOW - minutes(3))
    after = make_ticket(3, due_at=NOW - minutes(1))
    tickets = [returned, before, after]
    assert [t.id for t in call_order(tickets, RULES, NOW)] == [2, 1, 3]
    assert next_for(op, [returned, after], RULES, NOW) is returned
    assert next_for(op, tickets, RULES, NOW) is before


def test_call_order_lists_not_yet_due_last():
    """In the staff list, a ticket held back by not_before comes after all due ones."""
    held = make_ticket(
        1, ticket_class=PRIORITY, due_at=NOW - minutes(30), not_before=NOW + minutes(1)
    )
    regular = make_ticket(2, due_at=NOW)
    assert [t.id for t in call_order([held, regular], RULES, NOW)] == [2, 1]


def test_ticket_targeted_at_another_operator_is_never_offered():
    """A ticket transferred to a colleague is offered only to that colleague."""
    me, colleague = make_operator("op1"), make_operator("op2")
    ticket = make_ticket(1, ticket_class=PRIORITY, target_operator="op2")
    assert next_for(me, [ticket], RULES, NOW) is None
    assert next_for(colleague, [ticket], RULES, NOW) is ticket


def test_ticket_targeted_at_another_workplace_is_never_offered():
    """A ticket sent to a workplace is offered only to the operator sitting there."""
    here = make_operator("op1", workplace="w1")
    there = make_operator("op2", workplace="w2")
    nowhere = make_operator("op3")
    nowhere.workplace = None
    ticket = make_ticket(1, target_workplace="w2")
    assert next_for(here, [ticket], RULES, NOW) is None
    assert next_for(nowhere, [ticket], RULES, NOW) is None
    assert next_for(there, [ticket], RULES, NOW) is ticket


def test_ties_are_broken_by_id():
    """Same level, band and due time: the lower id goes first, whatever the input order."""
    op = make_operator()
    first, second = make_ticket(7, due_at=NOW), make_ticket(3, due_at=NOW)
    assert next_for(op, [first, second], RULES, NOW) is second
    assert next_for(op, [second, first], RULES, NOW) is second
    assert order_key(second, op, RULES, NOW) == (1, int(Band.REGULAR), NOW, 3)


def test_operator_not_serving_the_service_is_never_offered_it():
    """An operator is never offered a ticket of a service it does not serve, however urgent."""
    op = make_operator(levels={"s1": 1})
    other = make_ticket(1, service="s2", ticket_class=PRIORITY, due_at=NOW - minutes(60))
    assert not is_eligible(other, op, NOW)
    assert next_for(op, [other], RULES, NOW) is None


def test_only_waiting_tickets_are_offered():
    """Called, serving and finished tickets are never offered, even when they would sort first."""
    op = make_operator()
    tickets = [
        make_ticket(i, status=status, due_at=NOW - minutes(60))
        for i, status in enumerate(TicketStatus, start=1)
        if status is not TicketStatus.WAITING
    ]
    waiting = make_ticket(100, due_at=NOW)
    assert next_for(op, tickets, RULES, NOW) is None
    assert next_for(op, [*tickets, waiting], RULES, NOW) is waiting
    assert call_order([*tickets, waiting], RULES, NOW) == [waiting]


def test_service_without_rule_never_turns_urgent():
    """A service without a rule has no max wait: an old walk-in stays regular."""
    ticket = make_ticket(1, service="s9", due_at=NOW - minutes(600))
    assert band_and_due(ticket, None, NOW) == (Band.REGULAR, NOW - minutes(600))
