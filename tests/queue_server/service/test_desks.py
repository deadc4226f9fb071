"""Desk rules found in review: sign-in, sign-out, transfer and direct-call targets, cancel."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from queue_server.domain import errors
from queue_server.service import commands as c
from queue_server.storage import tables as t
from tests.helpers.office import OFFICE, WORKPLACES, Office
from tests.queue_server.service.test_commands import desk, issue, sign_in, state

pytestmark = pytest.mark.integration


def test_sign_in_at_a_workplace_with_a_ticket_in_progress_is_refused(office: Office) -> None:
    """Bob cannot take window 1 while Alice has a called visitor there; nothing changes."""
    sign_in(office, "alice")
    issue(office)
    office.service.execute(c.CallNext(**desk("alice")))
    before = state(office)
    with pytest.raises(errors.TicketInProgress) as raised:
        office.service.execute(c.SignIn(OFFICE, "bob", WORKPLACES["alice"]))
    assert "А001" in raised.value.ru
    assert state(office) == before


def test_sign_in_moves_the_previous_operator_offline_and_says_so(office: Office) -> None:
    """Bob takes the free window 1 from Alice: she goes offline, announced by operator.status."""
    sign_in(office, "alice")
    executed = office.service.execute(c.SignIn(OFFICE, "bob", WORKPLACES["alice"]))
    statuses = [e["data"] for e in executed.events if e["type"] == "operator.status"]
    assert {"operator": "alice", "state": "offline"}.items() <= statuses[0].items()
    with office.engine.connect() as conn:
        rows = dict(conn.execute(select(t.operators.c.id, t.operators.c.workplace)).all())
    assert rows["alice"] is None and rows["bob"] == WORKPLACES["alice"]


def test_sign_out_takes_the_operator_out_of_estimates(office: Office) -> None:
    """Alice alone served reg; once she signs out, a reg ticket gets no estimate."""
    sign_in(office, "alice")
    office.service.execute(c.SignOut(**desk("alice")))
    ticket = issue(office, "reg")
    assert ticket["estimate_minutes"] is None


def test_sign_out_with_a_ticket_in_progress_is_refused(office: Office) -> None:
    """An operator cannot leave with a called visitor at the desk."""
    sign_in(office, "alice")
    issue(office)
    office.service.execute(c.CallNext(**desk("alice")))
    with pytest.raises(errors.TicketInProgress):
        office.service.execute(c.SignOut(**desk("alice")))


def test_transfer_to_an_operator_who_does_not_serve_the_service_is_refused(office: Office) -> None:
    """Alice serves no benefit: a transfer of a ticket to her for benefit is refused, unchanged."""
    sign_in(office, "alice", "bob")
    issue(office, "vac")
    office.service.execute(c.CallNext(**desk("bob")))
    before = state(office)
    with pytest.raises(errors.NotServedHere):
        office.service.execute(c.Transfer(**desk("bob"), service="ben", to_operator="alice"))
    with pytest.raises(errors.NotFound) as unknown:
        office.service.execute(c.Transfer(**desk("bob"), service="ben", to_operator="mallory"))
    assert unknown.value.code == "unknown_operator"
    assert state(office) == before


def test_calling_a_ticket_sent_to_someone_else_is_refused(office: Office) -> None:
    """A ticket transferred to carol cannot be called by number by bob."""
    sign_in(office, "alice", "bob", "carol")
    ticket = issue(office, "reg")
    office.service.execute(c.CallNext(**desk("alice")))
    office.service.execute(c.Transfer(**desk("alice"), service="reg", to_operator="carol"))
    with pytest.raises(errors.NotServedHere) as raised:
        office.service.execute(c.CallTicket(**desk("bob"), ticket=ticket["id"]))
    assert "другому специалисту" in raised.value.ru
    called = office.service.execute(c.CallTicket(**desk("carol"), ticket=ticket["id"])).body
    assert called["ticket"]["id"] == ticket["id"]


def test_cancel_closes_the_step_as_cancelled(office: Office) -> None:
    """A cancelled ticket's step says cancelled, so no-show statistics stay true."""
    ticket = issue(office)
    office.service.execute(c.CancelTicket(OFFICE, ticket["id"]))
    with office.engine.connect() as conn:
        outcomes = list(conn.execute(select(t.steps.c.outcome)).scalars())
    assert outcomes == ["cancelled"]


def test_housekeeping_closes_yesterday(office: Office) -> None:
    """Next morning: yesterday's waiting ticket is cancelled, yesterday's called one is a no-show
    that frees its desk (day.reset), an operator whose session expired is signed out; today's
    ticket and a live operator stay."""
    from datetime import UTC, datetime, timedelta

    from queue_server.storage.db import office_transaction

    sign_in(office, "alice", "bob")
    with office_transaction(office.engine, OFFICE) as conn:
        conn.execute(
            t.sessions.insert().values(
                token_hash="x" * 64,
                operator="bob",
                office=OFFICE,
                workplace=WORKPLACES["bob"],
                expires_at=datetime(2026, 3, 12, tzinfo=UTC),
            )
        )
    called = issue(office, "vac")
    office.service.execute(c.CallNext(**desk("bob")))
    old = issue(office, "reg")
    office.clock.now += timedelta(days=1)
    fresh = issue(office, "vac")
    executed = office.service.execute(c.Housekeep(OFFICE))
    assert executed.body == {
        "closed": [old["number"], called["number"]],
        "signed_out": ["alice"],
    }
    assert "day.reset" in [e["type"] for e in executed.events]
    with office.engine.connect() as conn:
        statuses = dict(conn.execute(select(t.tickets.c.id, t.tickets.c.status)).all())
        operators = {r.id: r for r in conn.execute(select(t.operators))}
    assert statuses == {called["id"]: "no_show", old["id"]: "cancelled", fresh["id"]: "waiting"}
    assert operators["alice"].state == "offline"
    assert operators["bob"].state == "available" and operators["bob"].current_ticket is None
    again = office.service.execute(c.Housekeep(OFFICE))
    assert again.events == [] and again.body == {"closed": [], "signed_out": []}


def test_login_opens_its_session_in_the_sign_in_transaction(office: Office) -> None:
    """The session is written with the sign-in itself, so housekeeping can never see the operator
    signed in without one (and sign them out)."""
    result = office.auth.login("alice", "secret1", WORKPLACES["alice"])
    assert result.executed.events[0]["type"] == "operator.status"
    with office.engine.connect() as conn:
        sessions = list(conn.execute(select(t.sessions.c.operator, t.sessions.c.workplace)))
    assert [tuple(s) for s in sessions] == [("alice", WORKPLACES["alice"])]
    assert office.service.execute(c.Housekeep(OFFICE)).body["signed_out"] == []
