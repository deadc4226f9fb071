"""The Alembic migrations: they build exactly the tables of `tables.py` and keep old data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.exc import IntegrityError

from queue_server.storage import tables as t
from queue_server.storage.db import make_engine, migrate, sqlite_url
from tests.helpers.postgres import fresh_database

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database on each backend."""
    if request.param == "sqlite":
        engine = make_engine(sqlite_url(tmp_path / "empty.db"))
        yield engine
        engine.dispose()
        return
    with fresh_database() as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def test_migrations_build_the_tables_of_tables_py(empty_engine: Engine) -> None:
    """After every migration, the schema differs in nothing from the SQLAlchemy tables."""
    migrate(empty_engine)
    with empty_engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), t.metadata) == []


def test_issued_service_is_backfilled_from_the_first_step(empty_engine: Engine) -> None:
    """Tickets of a 0001 database get the service of their first step (transferred since) or,
    without steps, their service; the column is then required."""
    migrate(empty_engine, "0001")
    ticket = {
        "office": "o",
        "day": "2026-03-10",
        "ticket_class": "walk_in",
        "status": "waiting",
        "issued_at": NOW,
        "due_at": NOW,
        "calls": 0,
        "lang": "ru",
    }
    with empty_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO offices (id, name, timezone, address, settings, seq, created_at)"
                " VALUES ('o', '{}', 'UTC', '', '{}', 0, :now)"
            ),
            {"now": NOW},
        )
        for id_, service, token in ((1, "reg", "t1"), (2, "ben", "t2")):
            conn.execute(
                text(
                    "INSERT INTO tickets (id, office, number, day, service, ticket_class, status,"
                    " issued_at, due_at, calls, lang, public_token) VALUES (:id, :office, :number,"
                    " :day, :service, :ticket_class, :status, :issued_at, :due_at, :calls, :lang,"
                    " :token)"
                ),
                {**ticket, "id": id_, "number": f"А00{id_}", "service": service, "token": token},
            )
        # Ticket 1 was issued for vac and transferred to reg.
        for step_id, service in ((1, "vac"), (2, "reg")):
            conn.execute(
                text(
                    "INSERT INTO steps (id, ticket, office, service, enqueued_at, calls)"
                    " VALUES (:id, 1, 'o', :service, :now, 0)"
                ),
                {"id": step_id, "service": service, "now": NOW},
            )
    migrate(empty_engine)
    with empty_engine.connect() as conn:
        issued = dict(conn.execute(select(t.tickets.c.id, t.tickets.c.issued_service)).all())
        steps = conn.execute(select(t.steps.c.id)).scalars().all()
    assert issued == {1: "vac", 2: "ben"}
    assert steps == [1, 2]
    if empty_engine.dialect.name == "sqlite":
        with empty_engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    with pytest.raises(IntegrityError), empty_engine.begin() as conn:
        conn.execute(
            insert(t.tickets).values(
                {**ticket, "number": "А003", "service": "reg", "public_token": "t3"}
            )
        )
