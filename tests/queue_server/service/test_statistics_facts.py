"""Facts the statistics will be built on: step outcomes, daily limits, languages, day reset ids."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from queue_server.domain import errors
from queue_server.service import commands as c
from queue_server.storage import tables as t
from tests.helpers.office import OFFICE, Office
from tests.queue_server.service.test_commands import desk, issue, sign_in, state

pytestmark = pytest.mark.integration


def step_outcomes(office: Office) -> list[str | None]:
    with office.engine.connect() as conn:
        return list(conn.execute(select(t.steps.c.outcome).order_by(t.steps.c.id)).scalars())


def test_return_to_queue_closes_the_step_as_returned(office: Office) -> None:
    """A visitor sent back to the queue is no no-show: the step says `returned`, and so the desk."""
    sign_in(office, "alice")
    issue(office)
    office.service.execute(c.CallNext(**desk("alice")))
    answer = office.service.execute(c.ReturnToQueue(**desk("alice"), minutes=5)).body
    assert answer["outcome"] == "returned"
    assert step_outcomes(office) == ["returned", None]


def test_pausing_twice_keeps_the_current_ticket_on_the_desk(office: Office) -> None:
    """A second pause (a double click) answers with the called ticket still at the desk."""
    sign_in(office, "alice")
    ticket = issue(office)
    office.service.execute(c.CallNext(**desk("alice")))
    first = office.service.execute(c.Pause(**desk("alice"), reason="lunch"))
    second = office.service.execute(c.Pause(**desk("alice"), reason="lunch"))
    assert first.body["ticket"]["id"] == ticket["id"]
    assert second.body["state"] == "paused"
    assert second.body["ticket"] is not None and second.body["ticket"]["id"] == ticket["id"]
    assert second.events == []


def set_service(office: Office, service: str, **values: object) -> None:
    """Change a service of the test office before any command ran (nothing is cached yet)."""
    with office.engine.begin() as conn:
        conn.execute(
            update(t.services)
            .where(t.services.c.office == OFFICE, t.services.c.id == service)
            .values(**values)
        )


def test_daily_limit_counts_tickets_by_the_service_they_were_issued_for(office: Office) -> None:
    """A reg ticket transferred to vac does not use one of vac's tickets for the day; a vac
    ticket transferred away still does."""
    set_service(office, "vac", daily_limit=2)
    sign_in(office, "alice", "bob")
    issue(office, "reg")
    office.service.execute(c.CallNext(**desk("alice")))
    office.service.execute(c.Transfer(**desk("alice"), service="vac"))
    vac = issue(office, "vac")
    issue(office, "vac")
    with pytest.raises(errors.ServiceUnavailable) as refused:
        issue(office, "vac")
    assert refused.value.code == "daily_limit_reached"
    # Bob sends a vac visitor to reg: vac's two tickets of the day are still issued.
    office.service.execute(c.CallTicket(**desk("bob"), ticket=vac["id"]))
    office.service.execute(c.Transfer(**desk("bob"), service="reg"))
    with pytest.raises(errors.ServiceUnavailable):
        issue(office, "vac")
    with office.engine.connect() as conn:
        issued = list(
            conn.execute(select(t.tickets.c.issued_service).order_by(t.tickets.c.id)).scalars()
        )
    assert issued == ["reg", "vac", "vac"]


def test_ticket_views_carry_the_language_the_ticket_was_issued_in(office: Office) -> None:
    """An English visitor's ticket says `en` in the queue and at the desk that calls it."""
    sign_in(office, "alice")
    office.service.execute(c.IssueTicket(OFFICE, "reg", lang="en"))
    office.service.execute(c.IssueTicket(OFFICE, "reg", lang="ru"))
    assert [v.lang for v in office.queries.queue(OFFICE).waiting] == ["en", "ru"]
    called = office.service.execute(c.CallNext(**desk("alice"))).body
    assert called["ticket"]["lang"] == "en"
    assert office.queries.desk(OFFICE, "alice").ticket is not None
    assert office.queries.desk(OFFICE, "alice").ticket.lang == "en"  # type: ignore[union-attr]


def test_day_reset_names_the_closed_tickets_by_id(office: Office) -> None:
    """Numbers repeat every day (and after А999): `day.reset` lists the tickets' ids."""
    first, second = issue(office, "reg"), issue(office, "vac")
    office.clock.advance(minutes=24 * 60)
    executed = office.service.execute(c.Housekeep(OFFICE))
    (reset,) = [e for e in executed.events if e["type"] == "day.reset"]
    assert reset["data"] == {"day": "2026-03-11", "closed": [first["id"], second["id"]]}
    assert executed.body["closed"] == [first["number"], second["number"]]


def test_a_kiosk_cannot_issue_a_staff_only_service_but_staff_can(office: Office) -> None:
    """`kiosk: false`: a kiosk is refused (ru/en, code not_on_kiosk, nothing changes); staff
    issue it."""
    set_service(office, "ben", kiosk=False)
    before = state(office)
    with pytest.raises(errors.NotOnKiosk) as refused:
        office.service.execute(c.IssueTicket(OFFICE, "ben", by_kiosk=True))
    assert refused.value.code == "not_on_kiosk" and refused.value.status == 403
    assert "Пособие" in refused.value.ru and "Benefit" in refused.value.en
    assert state(office) == before
    assert office.service.execute(c.IssueTicket(OFFICE, "vac", by_kiosk=True)).body["number"]
    assert office.service.execute(c.IssueTicket(OFFICE, "ben")).body["number"] == "Б001"


def test_service_closed_says_the_opening_hours_in_english_too(office: Office) -> None:
    """Tuesday 10:00 in Moscow, a service open on Saturdays: both languages give the hours."""
    set_service(office, "vac", hours={"sat": "10:00-12:00", "mon-fri": "14:00-18:00"})
    with pytest.raises(errors.ServiceUnavailable) as refused:
        issue(office, "vac")
    assert refused.value.code == "service_closed"
    assert "пн–пт 14:00–18:00; сб 10:00–12:00" in refused.value.ru
    assert "Mon–Fri 14:00–18:00; Sat 10:00–12:00" in refused.value.en
