"""Command handlers on a real SQLite file: lifecycle, numbering, order, events, idempotency."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from queue_server.domain import errors
from queue_server.service import commands as c
from queue_server.service.bus import Idempotency, IdempotencyConflict
from queue_server.storage import tables as t
from tests.helpers.office import OFFICE, WORKPLACES, Office

pytestmark = pytest.mark.integration


def sign_in(office: Office, *operators: str) -> None:
    for op in operators:
        office.service.execute(c.SignIn(OFFICE, op, WORKPLACES[op]))


def issue(office: Office, service: str = "reg", priority: bool = False) -> dict[str, Any]:
    return office.service.execute(c.IssueTicket(OFFICE, service, priority)).body


def desk(op: str) -> dict[str, str]:
    return {"office": OFFICE, "operator": op, "workplace": WORKPLACES[op]}


def state(office: Office) -> tuple[Any, ...]:
    """Everything a command may change: tickets, steps, operators, the event log."""
    with office.engine.connect() as conn:
        return tuple(
            tuple(tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key)))
            for table in (t.tickets, t.steps, t.operators, t.events, t.counters, t.offices)
        )


def test_numbers_follow_prefix_and_restart_each_service_day(office: Office) -> None:
    """Numbers count per prefix (А001, А002, В001) and restart at midnight in the office zone."""
    assert [issue(office, "reg")["number"], issue(office, "reg")["number"]] == ["А001", "А002"]
    assert issue(office, "vac")["number"] == "В001"
    # 20:59 UTC is 23:59 in Moscow: still the same day; 21:00 UTC is the next day there.
    office.clock.now = datetime(2026, 3, 10, 20, 59, tzinfo=UTC)
    assert issue(office, "reg")["number"] == "А003"
    office.clock.now = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)
    assert issue(office, "reg")["number"] == "А001"


def test_call_next_takes_the_operators_primary_service_first(office: Office) -> None:
    """Alice serves reg at level 1 and vac at level 2: an older vac ticket waits behind reg."""
    sign_in(office, "alice")
    vac = issue(office, "vac")
    office.clock.advance(minutes=1)
    reg = issue(office, "reg")
    first = office.service.execute(c.CallNext(**desk("alice"))).body
    assert first["ticket"]["id"] == reg["id"]
    office.service.execute(c.StartService(**desk("alice")))
    office.service.execute(c.Finish(**desk("alice")))
    second = office.service.execute(c.CallNext(**desk("alice"))).body
    assert second["ticket"]["id"] == vac["id"]


def test_priority_visitor_is_called_before_earlier_walk_ins(office: Office) -> None:
    """A priority visitor goes ahead of walk-ins of the same service and level."""
    sign_in(office, "alice")
    issue(office, "reg")
    office.clock.advance(minutes=2)
    priority = issue(office, "reg", priority=True)
    called = office.service.execute(c.CallNext(**desk("alice"))).body
    assert called["ticket"]["id"] == priority["id"]


def test_full_visit_writes_events_with_consecutive_seqs(office: Office) -> None:
    """Issue → call → recall → start → finish: each event once, seqs without a gap."""
    sign_in(office, "alice")
    issue(office)
    executed = [
        office.service.execute(cmd)
        for cmd in (
            c.CallNext(**desk("alice")),
            c.Recall(**desk("alice")),
            c.StartService(**desk("alice")),
            c.Finish(**desk("alice"), outcome="follow_up"),
        )
    ]
    types = [e["type"] for x in executed for e in x.events]
    assert types == [
        "ticket.called",
        "queue.changed",
        "ticket.recalled",
        "ticket.started",
        "ticket.finished",
        "rating.requested",
        "queue.changed",
    ]
    with office.engine.connect() as conn:
        seqs = list(conn.execute(select(t.events.c.seq).order_by(t.events.c.seq)).scalars())
    assert seqs == list(range(1, len(seqs) + 1))
    assert executed[-1].body["outcome"] == "follow_up" and executed[-1].body["ticket"] is None


@pytest.mark.parametrize(
    ("setup", "command", "error"),
    [
        ("none", c.Finish, errors.NoCurrentTicket),
        ("called", c.Finish, errors.InvalidTransition),
        ("serving", c.NoShow, errors.InvalidTransition),
        ("serving", c.ReturnToQueue, errors.InvalidTransition),
        ("serving", c.Recall, errors.InvalidTransition),
        ("called", c.CallNext, errors.TicketInProgress),
        ("empty", c.CallNext, errors.QueueEmpty),
    ],
)
def test_refused_command_changes_nothing(
    office: Office, setup: str, command: type, error: type[errors.DomainError]
) -> None:
    """A command the state does not allow raises its domain error and leaves every table alone."""
    sign_in(office, "alice")
    if setup != "empty":
        issue(office)
    if setup in ("called", "serving"):
        office.service.execute(c.CallNext(**desk("alice")))
    if setup == "serving":
        office.service.execute(c.StartService(**desk("alice")))
    before = state(office)
    with pytest.raises(error) as raised:
        office.service.execute(command(**desk("alice")))
    assert raised.value.ru and raised.value.en
    assert state(office) == before


def test_unknown_service_and_office_are_refused(office: Office) -> None:
    """Unknown service and unknown office give NotFound with their codes; nothing is written."""
    before = state(office)
    with pytest.raises(errors.NotFound) as service_error:
        office.service.execute(c.IssueTicket(OFFICE, "nope"))
    with pytest.raises(errors.NotFound) as office_error:
        office.service.execute(c.IssueTicket("elsewhere", "reg"))
    assert (service_error.value.code, office_error.value.code) == (
        "unknown_service",
        "unknown_office",
    )
    assert state(office) == before


def test_idempotency_key_gives_the_same_ticket_once(office: Office) -> None:
    """The same key and body answer with the first ticket; another body with that key is refused."""
    key = Idempotency.of("kiosk:kiosk-1", "k-1", "/tickets", {"service": "reg"})
    first = office.service.execute(c.IssueTicket(OFFICE, "reg"), key)
    again = office.service.execute(c.IssueTicket(OFFICE, "reg"), key)
    assert again.body == first.body and again.replayed and not again.events
    other = Idempotency.of("kiosk:kiosk-1", "k-1", "/tickets", {"service": "vac"})
    with pytest.raises(IdempotencyConflict):
        office.service.execute(c.IssueTicket(OFFICE, "vac"), other)
    with office.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.tickets)).scalar_one() == 1


def test_returned_ticket_waits_until_its_minutes_pass(office: Office) -> None:
    """Return with 5 minutes: not callable before, callable after, and keeps its number."""
    sign_in(office, "alice")
    ticket = issue(office)
    office.service.execute(c.CallNext(**desk("alice")))
    office.service.execute(c.ReturnToQueue(**desk("alice"), minutes=5))
    office.clock.advance(minutes=4)
    with pytest.raises(errors.QueueEmpty):
        office.service.execute(c.CallNext(**desk("alice")))
    office.clock.advance(minutes=1)
    again = office.service.execute(c.CallNext(**desk("alice"))).body["ticket"]
    assert (again["id"], again["number"]) == (ticket["id"], ticket["number"])


def test_transfer_to_a_named_operator_is_offered_to_them_only(office: Office) -> None:
    """A ticket transferred to carol is never called by bob, though bob serves the service."""
    sign_in(office, "alice", "bob", "carol")
    ticket = issue(office, "reg")
    office.service.execute(c.CallNext(**desk("alice")))
    office.service.execute(c.Transfer(**desk("alice"), service="ben", to_operator="carol"))
    with pytest.raises(errors.QueueEmpty):
        office.service.execute(c.CallNext(**desk("bob")))
    called = office.service.execute(c.CallNext(**desk("carol"))).body["ticket"]
    assert (called["id"], called["number"], called["service"]) == (ticket["id"], "А001", "ben")


def test_transfer_to_head_goes_before_tickets_issued_later(office: Office) -> None:
    """A ticket sent "to the head" of another service keeps its original issue time as due."""
    sign_in(office, "alice", "carol")
    first = issue(office, "reg")
    office.clock.advance(minutes=1)
    issue(office, "ben")
    office.service.execute(c.CallNext(**desk("alice")))
    office.clock.advance(minutes=1)
    office.service.execute(c.Transfer(**desk("alice"), service="ben", to_head=True))
    assert office.service.execute(c.CallNext(**desk("carol"))).body["ticket"]["id"] == first["id"]


def test_paused_operator_cannot_call(office: Office) -> None:
    """Pause refuses call-next with operator_paused; resume allows it again."""
    sign_in(office, "alice")
    issue(office)
    office.service.execute(c.Pause(**desk("alice"), reason="обед"))
    with pytest.raises(errors.OperatorPaused):
        office.service.execute(c.CallNext(**desk("alice")))
    office.service.execute(c.Resume(**desk("alice")))
    assert office.service.execute(c.CallNext(**desk("alice"))).body["ticket"]["number"] == "А001"


def test_estimate_counts_people_ahead_with_active_operators(office: Office) -> None:
    """With alice on reg (10 min), the third reg ticket has 2 ahead and waits about 20 minutes."""
    sign_in(office, "alice")
    issue(office)
    issue(office)
    third = issue(office)
    assert (third["ahead"], third["estimate_minutes"]) == (2, 20)


def test_no_estimate_when_nobody_serves_the_service(office: Office) -> None:
    """No operator signed in: the ticket gets no estimate, and `ahead` counts its service only."""
    issue(office, "vac")
    issue(office, "reg")
    ticket = issue(office, "reg")
    assert (ticket["ahead"], ticket["estimate_minutes"]) == (1, None)


def test_daily_limit_refuses_more_tickets(office: Office) -> None:
    """Past the service's daily limit the kiosk is told so, in Russian and English."""
    with office.engine.begin() as conn:
        conn.execute(t.services.update().where(t.services.c.id == "ben").values(daily_limit=1))
    issue(office, "ben")
    with pytest.raises(errors.ServiceUnavailable) as raised:
        issue(office, "ben")
    assert raised.value.code == "daily_limit_reached" and "закончились" in raised.value.ru


def test_idempotent_answers_older_than_a_day_are_forgotten(office: Office) -> None:
    """Stored answers are pruned after a day (checked every FORGET_EVERY stores); recent stay."""
    from queue_server.service.bus import FORGET_EVERY

    old = Idempotency.of("kiosk:kiosk-1", "old", "/tickets", {"service": "reg"})
    office.service.execute(c.IssueTicket(OFFICE, "reg"), old)
    office.clock.advance(minutes=25 * 60)
    for n in range(FORGET_EVERY - 1):
        key = Idempotency.of("kiosk:kiosk-1", f"k{n}", "/tickets", {"service": "vac"})
        office.service.execute(c.IssueTicket(OFFICE, "vac"), key)
    with office.engine.connect() as conn:
        keys = set(conn.execute(select(t.idempotency.c.key)).scalars())
    assert "old" not in keys and "k0" in keys and len(keys) == FORGET_EVERY - 1


def test_closed_service_refuses_tickets_and_says_when_it_opens(office: Office) -> None:
    """Outside its hours (office time) a service gives service_closed with its hours; inside, a
    ticket."""
    with office.engine.begin() as conn:
        conn.execute(
            t.services.update()
            .where(t.services.c.id == "vac")
            .values(hours={"mon-fri": "09:00-18:00"})
        )
    office.clock.now = datetime(2026, 3, 10, 5, 30, tzinfo=UTC)  # Tuesday 08:30 in Moscow
    before = state(office)
    with pytest.raises(errors.ServiceUnavailable) as raised:
        issue(office, "vac")
    assert raised.value.code == "service_closed" and "пн–пт 09:00–18:00" in raised.value.ru
    assert state(office) == before
    office.clock.now = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)  # 09:00 in Moscow
    assert issue(office, "vac")["number"] == "В001"


def test_a_refusal_keeps_the_office_memory(office: Office) -> None:
    """Call-next on an empty queue is refused without dropping what the server keeps in memory of
    the office; a later issue and call still agree with the database."""
    sign_in(office, "alice")
    with pytest.raises(errors.QueueEmpty):
        office.service.execute(c.CallNext(**desk("alice")))
    kept = office.service._caches[OFFICE]
    with pytest.raises(errors.QueueEmpty):
        office.service.execute(c.CallNext(**desk("alice")))
    assert office.service._caches[OFFICE] is kept
    ticket = issue(office)
    assert office.service.execute(c.CallNext(**desk("alice"))).body["ticket"]["id"] == ticket["id"]


def test_snapshot_shows_calls_as_the_called_event_does(office: Office) -> None:
    """The snapshot's active tickets carry exactly the payload of ticket.called (one shape)."""
    sign_in(office, "alice")
    issue(office)
    executed = office.service.execute(c.CallNext(**desk("alice")))
    called = next(e["data"] for e in executed.events if e["type"] == "ticket.called")
    seq, data = office.queries.snapshot(OFFICE)
    assert seq == executed.events[-1]["seq"]
    (active,) = data["active"]
    assert active == called
    assert active["workplace_name"]["ru"] == "Окно 1"
    assert active["called_at"].endswith(".000Z") and active["issued_at"].endswith("Z")
