"""Fixtures of the server tests: the test office on SQLite and on PostgreSQL, hand-moved clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.helpers.office import Office, make_office, office_engine
from tests.helpers.postgres import fresh_database, require_postgres


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A PostgreSQL database with the test office, copied for each test that needs one."""
    require_postgres()
    with fresh_database() as url:
        office_engine(url).dispose()
        yield str(make_url(url).database)


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def office(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Office]:
    """The test office on each backend: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        office = make_office(tmp_path / "okno.db")
        yield office
        office.engine.dispose()
        return
    template = request.getfixturevalue("pg_template")
    with fresh_database(template) as url:
        office = make_office(url, prepared=True)
        yield office
        office.engine.dispose()
