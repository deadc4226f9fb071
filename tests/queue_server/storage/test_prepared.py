"""Prepared statements write and read what Core's `execute` does, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError, StatementError

from queue_server.storage import tables as t
from queue_server.storage.db import office_transaction
from queue_server.storage.prepared import Prepared
from tests.helpers.office import OFFICE, Office

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 10, 7, 0, 30, 123456, tzinfo=UTC)

_EVENTS = select(t.events.c.seq, t.events.c.type, t.events.c.at, t.events.c.data).where(
    t.events.c.office == bindparam("office"), t.events.c.seq > bindparam("after")
)
_INSERT_EVENT = insert(t.events)
_INSERT_TICKET = insert(t.tickets).returning(t.tickets.c.id)


def _ticket(number: str, token: str) -> dict[str, Any]:
    """A ticket row without `calls` and `lang`, which take their columns' defaults."""
    return {
        "office": OFFICE,
        "number": number,
        "day": "2026-03-10",
        "service": "reg",
        "issued_service": "reg",
        "ticket_class": "walk_in",
        "status": "waiting",
        "issued_at": NOW,
        "due_at": NOW + timedelta(minutes=1),
        "note": None,
        "public_token": token,
    }


def _event(seq: int, data: Any) -> dict[str, Any]:
    return {"office": OFFICE, "seq": seq, "type": "test.event", "at": NOW, "data": data}


def test_rows_written_and_read_match_core(office: Office) -> None:
    """Events (UTC times, JSON, JSON null) and a ticket written both ways read back the same
    both ways, with the same types; a column's default is filled in as Core fills it."""
    after = 10_000
    core_events = [_event(after + 1, {"a": [1, "б"]}), _event(after + 2, None)]
    lean_events = [_event(after + 3, {"a": [1, "б"]}), _event(after + 4, None)]
    with office_transaction(office.engine, OFFICE) as conn:
        conn.execute(_INSERT_EVENT, core_events)
        Prepared(_INSERT_EVENT).execute_many(conn, lean_events)
        core_id = conn.execute(_INSERT_TICKET, _ticket("A001", "core-token")).scalar_one()
        (lean_id,) = Prepared(_INSERT_TICKET).execute(conn, _ticket("A002", "lean-token"))[0]
        core_rows = [tuple(r) for r in conn.execute(_EVENTS, {"office": OFFICE, "after": after})]
        lean_rows = Prepared(_EVENTS).execute(conn, {"office": OFFICE, "after": after})
        tickets = Prepared(
            select(t.tickets.c.calls, t.tickets.c.lang, t.tickets.c.due_at).where(
                t.tickets.c.id >= core_id
            )
        ).execute(conn, {})
    assert lean_rows == core_rows
    assert [(seq, data) for seq, _, _, data in lean_rows] == [
        (after + 1, {"a": [1, "б"]}),
        (after + 2, None),
        (after + 3, {"a": [1, "б"]}),
        (after + 4, None),
    ]
    assert {row[2] for row in lean_rows} == {NOW}
    assert lean_rows[0][2].tzinfo is UTC
    assert tickets == [(0, "ru", NOW + timedelta(minutes=1))] * 2
    assert lean_id == core_id + 1


def test_an_update_returning_and_a_statement_constant(office: Office) -> None:
    """An UPDATE … RETURNING with constants bound in the statement gives Core's answer; the
    set of parameter names chooses the columns it sets."""
    statement = Prepared(
        update(t.operators)
        .where(t.operators.c.id == bindparam("operator_id"), t.operators.c.active.is_(True))
        .values(pause_reason="lunch")
        .returning(t.operators.c.id, t.operators.c.busy_since, t.operators.c.state)
    )
    with office_transaction(office.engine, OFFICE) as conn:
        busy = statement.execute(conn, {"operator_id": "alice", "busy_since": NOW})
        state = statement.execute(conn, {"operator_id": "bob", "state": "paused"})
        nobody = statement.first(conn, {"operator_id": "nobody", "state": "paused"})
        reasons = dict(conn.execute(select(t.operators.c.id, t.operators.c.pause_reason)).all())
    assert busy == [("alice", NOW, "offline")]
    assert state == [("bob", None, "paused")]
    assert nobody is None
    assert reasons["alice"] == reasons["bob"] == "lunch"


def test_a_driver_error_is_sqlalchemys(office: Office) -> None:
    """A duplicate key is SQLAlchemy's IntegrityError, as from `execute`, and rolls back."""
    statement = Prepared(_INSERT_EVENT)
    with pytest.raises(IntegrityError), office_transaction(office.engine, OFFICE) as conn:
        statement.execute(conn, _event(20_001, {}))
        statement.execute(conn, _event(20_001, {}))
    with office.engine.connect() as conn:
        assert conn.execute(select(t.events).where(t.events.c.seq == 20_001)).all() == []
    with pytest.raises(StatementError), office_transaction(office.engine, OFFICE) as conn:
        statement.execute(conn, _event(20_002, {"not JSON": {1, 2}}))


def test_outside_a_transaction_core_runs_it(office: Office) -> None:
    """Without a transaction begun, the statement takes Core's path (which begins one)."""
    statement = Prepared(select(t.offices.c.id, t.offices.c.seq).where(t.offices.c.id == OFFICE))
    with office.engine.connect() as conn:
        rows = statement.execute(conn, {})
        assert conn.in_transaction()
    assert [office for office, _ in rows] == [OFFICE]


def test_what_it_cannot_prepare_is_refused(office: Office) -> None:
    """A parameter the statement needs and the execution lacks, or an IN list (its SQL changes
    with the list), is refused before it runs."""
    statement = Prepared(select(t.offices.c.id).where(t.offices.c.id == bindparam("office_id")))
    with (
        pytest.raises(ValueError, match="office_id"),
        office_transaction(office.engine, OFFICE) as conn,
    ):
        statement.execute(conn, {})
    with (
        pytest.raises(ValueError, match="expanding"),
        office_transaction(office.engine, OFFICE) as conn,
    ):
        Prepared(select(t.offices.c.id).where(t.offices.c.id.in_([OFFICE]))).execute(conn, {})
