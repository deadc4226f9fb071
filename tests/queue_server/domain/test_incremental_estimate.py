"""The recorded, extended replay (domain/incremental.py) answers exactly what estimate_all does."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import event, given, settings
from hypothesis import strategies as st

from queue_server.domain.durations import FixedDurations, LearnedDurations, StepRecord
from queue_server.domain.estimate import Position, estimate_all
from queue_server.domain.hours import PlannedBreaks, parse_breaks
from queue_server.domain.incremental import EstimateKeeper, RecordedPositions
from queue_server.domain.model import (
    Operator,
    OperatorState,
    ServiceRule,
    Ticket,
    TicketClass,
    TicketStatus,
)
from queue_server.domain.order import next_for
from tests.helpers.domain_factories import NOW, make_rule, make_ticket, minutes

SERVICES = ("s1", "s2", "s3")
OPERATORS = ("alice", "bob", "carol")


class Office:
    """A small in-memory office driven the way the command handlers drive the real one."""

    def __init__(self, levels: dict[str, dict[str, int]], rules: dict[str, ServiceRule]) -> None:
        self.rules = rules
        self.now = NOW
        self.tickets: list[Ticket] = []
        self.operators = {
            op: Operator(id=op, workplace=f"w-{op}", levels=dict(lv)) for op, lv in levels.items()
        }
        self.keeper = EstimateKeeper()
        self.next_id = 1

    def waiting(self) -> list[Ticket]:
        return [t for t in self.tickets if t.status is TicketStatus.WAITING]

    def operator_list(self) -> list[Operator]:
        # Fresh objects, as every transaction gets from the repository.
        return [
            dataclasses.replace(op, levels=dict(op.levels))
            for op in sorted(self.operators.values(), key=lambda o: o.id)
        ]

    def issue(self, service: str, priority: bool) -> None:
        cls = TicketClass.PRIORITY if priority else TicketClass.WALK_IN
        ticket = make_ticket(self.next_id, service=service, ticket_class=cls, issued_at=self.now)
        self.next_id += 1
        self.tickets.append(ticket)
        self.keeper.issued(ticket)

    def _desk(self, op_id: str) -> tuple[Operator, Ticket] | None:
        op = self.operators[op_id]
        for ticket in self.tickets:
            if ticket.id == op.current_ticket:
                return op, ticket
        return None

    def _clear(self, op: Operator) -> None:
        op.current_ticket = op.current_service = op.busy_since = op.current_status = None

    def call(self, op_id: str, pick: int | None = None) -> None:
        """Call next (`pick` None) or, as the call-ticket command, the `pick`-th waiting ticket
        the operator serves; told to the keeper as the storage layer tells it."""
        op = self.operators[op_id]
        if op.state is not OperatorState.AVAILABLE or op.current_ticket is not None:
            return
        if pick is None:
            ticket = next_for(op, self.tickets, self.rules, self.now)
        else:
            mine = [t for t in self.waiting() if t.service in op.levels]
            ticket = mine[pick % len(mine)] if mine else None
        if ticket is None:
            return
        ticket.status = TicketStatus.CALLED
        ticket.operator = op.id
        ticket.called_at = self.now
        ticket.not_before = ticket.target_operator = ticket.target_workplace = None
        self.keeper.called(ticket)
        op.current_ticket, op.current_service = ticket.id, ticket.service
        op.busy_since, op.current_status = self.now, TicketStatus.CALLED
        self.keeper.operator_set(op.id, {"current_ticket": ticket.id, "busy_since": self.now})

    def start(self, op_id: str) -> None:
        desk = self._desk(op_id)
        if desk is None or desk[1].status is not TicketStatus.CALLED:
            return
        op, ticket = desk
        ticket.status = op.current_status = TicketStatus.SERVING
        self.keeper.changed(ticket=False)  # a ticket at a desk: not in the lines

    def end(self, op_id: str, status: TicketStatus) -> None:
        desk = self._desk(op_id)
        if desk is None:
            return
        op, ticket = desk
        ticket.status = status
        self._clear(op)
        self.keeper.changed(ticket=False)

    def back(
        self,
        op_id: str,
        service: str | None,
        after: int,
        to_head: bool,
        to_operator: str | None,
    ) -> None:
        """Return (service None, after N minutes) or transfer (to the head, to an operator)."""
        desk = self._desk(op_id)
        if desk is None:
            return
        op, ticket = desk
        ticket.status = TicketStatus.WAITING
        ticket.operator = None
        if service is None:
            ticket.not_before = self.now + minutes(after) if after else None
            ticket.due_at = ticket.not_before or self.now
        else:
            ticket.service = service
            ticket.due_at = ticket.issued_at if to_head else self.now
            ticket.target_operator = to_operator
        self._clear(op)
        self.keeper.changed()

    def set_state(self, op_id: str, state: OperatorState) -> None:
        op = self.operators[op_id]
        if op.current_ticket is None:
            op.state = state
            self.keeper.changed(ticket=False)

    def check_next_for(self) -> None:
        """The keeper's call-next answer, when it gives one, is order.next_for's."""
        waiting = self.waiting()
        for op in self.operator_list():
            known, ticket = self.keeper.next_for(op, len(waiting), self.rules, self.now)
            if known:
                assert ticket is next_for(op, waiting, self.rules, self.now)


def _durations(kind: str, rules: dict[str, ServiceRule]) -> FixedDurations | LearnedDurations:
    if kind == "fixed":
        return FixedDurations({"s1": 7.5}, rules)
    steps = [
        StepRecord(
            service=SERVICES[i % 3],
            operator=OPERATORS[i % 3],
            called_at=NOW - minutes(300 - 11 * i),
            started_at=NOW - minutes(299 - 11 * i),
            finished_at=NOW - minutes(300 - 11 * i - 3 - (i * 7) % 13),
            outcome="resolved",
        )
        for i in range(24)
    ]
    return LearnedDurations.learn(steps, rules)


def _summary(tickets: list[Ticket], positions: dict[int, Position]) -> dict[str, tuple[int, int]]:
    """Per service: how many wait and the minutes of the last one (as queue.changed says)."""
    result: dict[str, tuple[int, int]] = {}
    for ticket in tickets:
        count, latest = result.get(ticket.service, (0, -1))
        minutes_ = positions[ticket.id].minutes
        result[ticket.service] = (count + 1, max(latest, -1 if minutes_ is None else minutes_))
    return result


def _check(office: Office, durations: FixedDurations | LearnedDurations) -> bool:
    """Compare the keeper's answers with estimate_all; True when the record answered."""
    waiting = office.waiting()
    operators = office.operator_list()
    expected = estimate_all(waiting, operators, office.rules, durations, office.now)
    record = office.keeper.estimate(waiting, operators, office.rules, durations, office.now)
    if record is None:
        return False
    assert record.positions(office.now) == expected
    lazy = RecordedPositions(record, office.now)
    assert dict(lazy) == expected
    for ticket in waiting:
        assert lazy[ticket.id] == expected[ticket.id]
    for op in operators:
        assert record.next_for(op, office.now) == next_for(op, waiting, office.rules, office.now)
    for service, (count, latest) in _summary(waiting, expected).items():
        assert record.waiting_count(service) == count
        assert record.latest_minutes(service, office.now) == latest
    return True


_issue = st.tuples(
    st.just("issue"), st.sampled_from(SERVICES), st.sampled_from([False] * 5 + [True])
)
_clock = st.tuples(st.just("clock"), st.integers(min_value=0, max_value=20 * 60 * 1000))
_command = st.one_of(
    _issue,
    _issue,
    _issue,
    _clock,
    st.tuples(st.just("call"), st.sampled_from(OPERATORS)),
    st.tuples(st.just("call"), st.sampled_from(OPERATORS)),
    st.tuples(st.just("call_ticket"), st.sampled_from(OPERATORS), st.integers(0, 20)),
    st.tuples(st.just("start"), st.sampled_from(OPERATORS)),
    st.tuples(st.just("finish"), st.sampled_from(OPERATORS)),
    st.tuples(st.just("no_show"), st.sampled_from(OPERATORS)),
    st.tuples(st.just("return"), st.sampled_from(OPERATORS), st.sampled_from([0, 0, 3, 10])),
    st.tuples(
        st.just("transfer"),
        st.sampled_from(OPERATORS),
        st.sampled_from(SERVICES),
        st.booleans(),
        st.sampled_from([None, None, None, "alice", "bob"]),
    ),
    st.tuples(st.just("pause"), st.sampled_from(OPERATORS), st.booleans()),
    st.tuples(st.just("sign"), st.sampled_from(OPERATORS), st.booleans()),
)

_levels = st.fixed_dictionaries(
    {
        op: st.dictionaries(st.sampled_from(SERVICES), st.integers(1, 2), min_size=1)
        for op in OPERATORS
    }
)


def _apply(office: Office, command: tuple) -> None:  # type: ignore[type-arg]
    kind = command[0]
    if kind == "issue":
        office.issue(command[1], command[2])
    elif kind == "call":
        office.call(command[1])
    elif kind == "call_ticket":
        office.call(command[1], command[2])
    elif kind == "start":
        office.start(command[1])
    elif kind == "finish":
        office.end(command[1], TicketStatus.DONE)
    elif kind == "no_show":
        office.end(command[1], TicketStatus.NO_SHOW)
    elif kind == "return":
        office.back(command[1], None, command[2], False, None)
    elif kind == "transfer":
        office.back(command[1], command[2], 0, command[3], command[4])
    elif kind == "pause":
        office.set_state(
            command[1], OperatorState.PAUSED if command[2] else OperatorState.AVAILABLE
        )
    elif kind == "sign":
        office.set_state(
            command[1], OperatorState.OFFLINE if command[2] else OperatorState.AVAILABLE
        )
    else:
        office.now += timedelta(milliseconds=command[1])


@settings(max_examples=300, deadline=None)
@given(
    levels=_levels,
    max_wait=st.sampled_from([1.0, 5.0, 15.0]),
    model=st.sampled_from(["fixed", "learned"]),
    commands=st.lists(_command, min_size=1, max_size=60),
    checks=st.lists(st.booleans(), min_size=60, max_size=60),
)
def test_recorded_replay_equals_full_replay_under_random_commands(
    levels: dict[str, dict[str, int]],
    max_wait: float,
    model: str,
    commands: list[tuple],  # type: ignore[type-arg]
    checks: list[bool],
) -> None:
    """After any sequence of commands and clock moves, every position and per-service figure the
    keeper gives equals estimate_all over the same state at the same time."""
    rules = {
        s: make_rule(s, expected_minutes=4.0 + 3 * i, max_wait_minutes=max_wait)
        for i, s in enumerate(SERVICES)
    }
    office = Office(levels, rules)
    durations = _durations(model, rules)
    fast = calls = 0
    for command, check in zip(commands, checks, strict=False):
        _apply(office, command)
        office.check_next_for()
        if check:
            before = office.keeper.rebuilds
            if _check(office, durations) and office.keeper.rebuilds == before:
                fast += 1
                calls += command[0] == "call"
    _check(office, durations)
    event(f"answered from the record without a replay: {min(fast, 3)}+")
    event(f"calls taken out of the record: {min(calls, 3)}+")


_busy_desk = st.one_of(
    _issue,
    _issue,
    st.tuples(st.just("issue"), st.sampled_from(SERVICES), st.just(True)),
    st.tuples(st.just("clock"), st.integers(min_value=0, max_value=3 * 60 * 1000)),
    st.tuples(st.just("call"), st.sampled_from(OPERATORS)),
    st.tuples(st.just("call"), st.sampled_from(OPERATORS)),
    st.tuples(st.just("call_ticket"), st.sampled_from(OPERATORS), st.integers(0, 20)),
    st.tuples(st.just("start"), st.sampled_from(OPERATORS)),
    st.tuples(st.just("finish"), st.sampled_from(OPERATORS)),
)


@settings(max_examples=200, deadline=None)
@given(
    levels=_levels,
    max_wait=st.sampled_from([5.0, 15.0]),
    commands=st.lists(_busy_desk, min_size=1, max_size=60),
)
def test_every_call_taken_out_of_the_record_equals_the_full_replay(
    levels: dict[str, dict[str, int]],
    max_wait: float,
    commands: list[tuple],  # type: ignore[type-arg]
) -> None:
    """With fixed figures and an estimate after every command (as each transaction makes), calls
    are taken out of the record one after another, mixed with issues and clock moves, and every
    answer still equals estimate_all."""
    rules = {
        s: make_rule(s, expected_minutes=4.25 + 3.1 * i, max_wait_minutes=max_wait)
        for i, s in enumerate(SERVICES)
    }
    office = Office(levels, rules)
    durations = FixedDurations({}, rules)
    calls = 0
    for command in commands:
        _apply(office, command)
        before = office.keeper.rebuilds
        if _check(office, durations) and office.keeper.rebuilds == before:
            calls += command[0] == "call"
    event(f"calls taken out of the record: {min(calls, 3)}+")


def test_walk_ins_at_the_tail_are_added_without_a_new_replay() -> None:
    """Issuing 300 walk-ins of three services over moving time replays the queue once only."""
    rules = {s: make_rule(s, max_wait_minutes=15.0) for s in SERVICES}
    office = Office(
        {"alice": {"s1": 1}, "bob": {"s2": 1, "s1": 2}, "carol": {"s2": 1, "s3": 1}}, rules
    )
    durations = FixedDurations({}, rules)
    for i in range(300):
        office.now += timedelta(milliseconds=5)
        office.issue(SERVICES[i % 3], False)
        assert _check(office, durations)
    assert office.keeper.rebuilds == 1


def test_a_call_next_by_a_free_operator_is_taken_out_without_a_new_replay() -> None:
    """Call-next by free operators, at a quiet moment and with the model's remaining time for
    a just-called ticket equal to a call's occupation, keeps the record: no second replay."""
    # Figures that put no two operators' steps at one time: a tie between a chain that moves
    # with the clock and one that does not would (rightly) end the record at the next command.
    rules = {s: make_rule(s, expected_minutes=7.0 + 4 * i) for i, s in enumerate(SERVICES)}
    office = Office({"alice": {"s1": 1}, "bob": {"s1": 1, "s2": 2}, "carol": {"s2": 1}}, rules)
    durations = FixedDurations({}, rules)
    for _ in range(5):
        office.issue("s1", False)
    office.issue("s2", False)
    assert _check(office, durations)
    office.call("alice")
    assert _check(office, durations)
    office.now += timedelta(seconds=10)
    office.call("carol")
    assert _check(office, durations)
    office.now += timedelta(seconds=10)
    office.issue("s1", False)
    assert _check(office, durations)
    office.now += timedelta(seconds=10)
    office.call("bob")
    assert _check(office, durations)
    assert office.keeper.rebuilds == 1


def test_tickets_issued_after_a_call_taken_out_join_the_record() -> None:
    """After a call taken out of the record, a walk-in and a priority ticket (which replays the
    record from its first step) are added without a new replay and equal the full replay."""
    rules = {s: make_rule(s, expected_minutes=7.0 + 4 * i) for i, s in enumerate(SERVICES)}
    office = Office({"alice": {"s1": 1}, "bob": {"s1": 1, "s2": 2}, "carol": {"s2": 1}}, rules)
    durations = FixedDurations({}, rules)
    for _ in range(5):
        office.issue("s1", False)
    assert _check(office, durations)
    office.call("alice")
    assert _check(office, durations)
    for priority in (False, True):
        office.now += timedelta(seconds=5)
        office.issue("s1", priority)
        assert _check(office, durations)
    assert office.keeper.rebuilds == 1


def test_a_call_with_learned_call_times_is_taken_out_too() -> None:
    """With learned call times, a just-called ticket's expected remaining time is the call's
    occupation (the same shrunk, winsorized figure), so the record is kept."""
    rules = {s: make_rule(s) for s in SERVICES}
    office = Office({"alice": {"s1": 1}, "bob": {"s1": 1}}, rules)
    durations = _durations("learned", rules)
    for _ in range(5):
        office.issue("s1", False)
    assert _check(office, durations)
    office.call("alice")
    assert _check(office, durations)
    assert office.keeper.rebuilds == 1


def test_calling_another_ticket_than_the_next_replays_again() -> None:
    """A call of a ticket the record's step did not take (the call-ticket command) is not
    patched: the record is replayed again, and still equals the full replay."""
    rules = {s: make_rule(s) for s in SERVICES}
    office = Office({"alice": {"s1": 1}, "bob": {"s1": 1}}, rules)
    durations = FixedDurations({}, rules)
    for _ in range(5):
        office.issue("s1", False)
    assert _check(office, durations)
    office.call("alice", 3)
    assert _check(office, durations)
    assert office.keeper.rebuilds == 2


def test_a_returned_ticket_sends_the_office_to_the_full_replay() -> None:
    """A ticket with a not-before time is not followed by the record: estimate_all answers."""
    rules = {s: make_rule(s) for s in SERVICES}
    office = Office({"alice": {"s1": 1}, "bob": {"s1": 1}, "carol": {"s2": 1}}, rules)
    durations = FixedDurations({}, rules)
    office.issue("s1", False)
    office.call("alice")
    office.back("alice", None, 5, False, None)
    assert not _check(office, durations)


def test_recorded_positions_refuse_an_unknown_ticket() -> None:
    """Asking the lazy positions for a ticket that is not waiting raises KeyError, like a dict."""
    rules = {"s1": make_rule("s1")}
    office = Office({"alice": {"s1": 1}}, rules)
    office.issue("s1", False)
    record = office.keeper.estimate(
        office.waiting(), office.operator_list(), rules, FixedDurations({}, rules), office.now
    )
    assert record is not None
    lazy = RecordedPositions(record, office.now)
    assert lazy.get(99) is None
    assert datetime is not None  # keeps the import honest for type checkers


def test_while_a_planned_break_is_ahead_the_queue_is_replayed_in_full() -> None:
    """The record does not follow planned breaks: while one still ends later today nothing is
    recorded (the full replay answers, with the break), and once the last has ended the record
    is built and answers again, equal to the full replay."""
    rules = {s: make_rule(s) for s in SERVICES}
    office = Office({"alice": {"s1": 1}, "bob": {"s1": 1, "s2": 1}}, rules)
    lunch = PlannedBreaks({"alice": parse_breaks("09:30-10:00")}, UTC)
    durations = LearnedDurations.learn([], rules).with_breaks(lunch)
    for i in range(40):
        office.now += timedelta(seconds=20)
        office.issue(SERVICES[i % 2], False)
        assert not _check(office, durations)  # before 09:30 + the break: no record
    office.now = NOW + timedelta(hours=1)  # 10:00, the break is over
    office.issue("s1", False)
    assert _check(office, durations)


def test_a_ticket_busy_desks_compete_for_is_hurried_in_the_record_too() -> None:
    """Every desk busy, one new ticket: the record gives it the expected first desk to free up
    (domain/spread.py), as estimate_all does, not the least of the desks' expected times."""
    rules = {s: make_rule(s, expected_minutes=4.0 + 3 * i) for i, s in enumerate(SERVICES)}
    durations = _durations("learned", rules)
    office = Office({op: {"s1": 1} for op in OPERATORS}, rules)
    for _ in range(3):
        office.issue("s1", False)
    for op in OPERATORS:
        office.call(op)
    office.now += minutes(1)
    office.issue("s1", False)
    assert _check(office, durations)
    record = office.keeper.record
    assert record is not None
    least = min(
        durations.free_at(op, office.now) - office.now  # type: ignore[operator]
        for op in office.operator_list()
    )
    got = record.position(4, office.now)
    assert got is not None and got.minutes is not None
    assert got.minutes < least / minutes(1) - 1
