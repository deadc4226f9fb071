"""Operators' planned breaks from the office file reach the wait estimate of the server."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from queue_server.service import commands as c
from queue_server.service.config import ConfigError, apply_config, parse_config
from queue_server.storage import tables as t
from tests.helpers.office import OFFICE, OFFICE_YAML, WORKPLACES, Office

pytestmark = pytest.mark.integration

ALICE = "services: {reg: 1, vac: 2}}"
# The test clock starts on Tuesday 2026-03-10 at 10:00 Moscow time.
WITH_LUNCH = OFFICE_YAML.replace(ALICE, 'services: {reg: 1, vac: 2}, breaks: "10:20-11:00"}', 1)


def _issue_three(office: Office) -> list[int | None]:
    office.service.execute(c.SignIn(OFFICE, "alice", WORKPLACES["alice"]))
    minutes = []
    for _ in range(3):
        office.clock.advance(seconds=1)
        issued = office.service.execute(c.IssueTicket(OFFICE, "reg"))
        minutes.append(issued.body["estimate_minutes"])
    return minutes


def test_the_estimate_waits_for_the_end_of_an_operators_planned_break(office: Office) -> None:
    """alice alone serves 10-minute visitors from 10:00 and lunches 10:20-11:00: the third
    visitor is told 60 minutes, not 20; the break is stored by days."""
    assert WITH_LUNCH != OFFICE_YAML
    apply_config(office.engine, parse_config(WITH_LUNCH, "office.yaml"))
    assert _issue_three(office) == [0, 10, 60]
    with office.engine.connect() as conn:
        stored = conn.execute(select(t.operators.c.breaks).where(t.operators.c.id == "alice"))
        assert stored.scalar_one() == {"mon-sun": "10:20-11:00"}


def test_without_breaks_in_the_file_nothing_changes(office: Office) -> None:
    assert _issue_three(office) == [0, 10, 20]


def test_unreadable_breaks_in_the_database_are_ignored_with_a_warning(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    """A row edited by hand past the office file's check: the estimate does without its
    breaks (and says so in the log) instead of every command failing."""
    with office.engine.begin() as conn:
        conn.execute(
            t.operators.update().where(t.operators.c.id == "alice").values(breaks={"mon": "1-2"})
        )
    with caplog.at_level("WARNING", logger="okno.storage"):
        assert _issue_three(office) == [0, 10, 20]
    assert "ignoring the unreadable breaks of operator alice" in caplog.text


def test_an_operator_without_breaks_stores_sql_null(office: Office) -> None:
    """No breaks is NULL in the column (not a JSON 'null'), as the migration leaves old rows."""
    with office.engine.connect() as conn:
        stored = conn.execute(
            select(t.operators.c.breaks.is_(None)).where(t.operators.c.id == "bob")
        ).scalar_one()
    assert stored is True


BOB = "services: {vac: 1, reg: 2, ben: 3}}"
# bob (reg at level 2) starts at 10:30: he takes the line's third visitor then.
WITH_BOB_AT_10_30 = OFFICE_YAML.replace(
    BOB, 'services: {vac: 1, reg: 2, ben: 3}, shift: {"mon-fri": "10:30-18:00"}}', 1
)


def test_an_operator_whose_shift_starts_later_is_expected_then(office: Office) -> None:
    """alice alone serves 10-minute visitors from 10:00; bob, not signed in yet, starts at
    10:30 with registration as his second service: the fifth visitor is his at 10:30, not
    alice's at 10:40. The shift is stored by days."""
    assert WITH_BOB_AT_10_30 != OFFICE_YAML
    apply_config(office.engine, parse_config(WITH_BOB_AT_10_30, "office.yaml"))
    office.service.execute(c.SignIn(OFFICE, "alice", WORKPLACES["alice"]))
    told = []
    for _ in range(5):
        office.clock.advance(seconds=1)
        told.append(office.service.execute(c.IssueTicket(OFFICE, "reg")).body["estimate_minutes"])
    assert told == [0, 10, 20, 30, 30]
    with office.engine.connect() as conn:
        stored = conn.execute(select(t.operators.c.shift).where(t.operators.c.id == "bob"))
        assert stored.scalar_one() == {"mon-fri": "10:30-18:00"}


def test_a_shift_in_the_file_is_checked_as_breaks_are() -> None:
    """A shift that ends before it starts is refused with the operator's place in the file."""
    bad = OFFICE_YAML.replace(BOB, 'services: {vac: 1, reg: 2, ben: 3}, shift: "18:00-10:00"}', 1)
    with pytest.raises(ConfigError, match="ends before it starts"):
        parse_config(bad, "office.yaml")
