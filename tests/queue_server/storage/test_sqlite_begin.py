"""SQLite's BEGIN IMMEDIATE, said to the driver itself, behaves as through SQLAlchemy."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from queue_server.storage import tables as t
from queue_server.storage.db import office_transaction, read_transaction
from tests.helpers.office import OFFICE, office_engine

pytestmark = pytest.mark.integration


def test_a_held_write_lock_fails_begin_with_sqlalchemys_error(tmp_path: Path) -> None:
    """While one transaction writes, another's BEGIN IMMEDIATE fails (no busy wait here) as
    SQLAlchemy's OperationalError; a reader still begins; once free, the writer begins."""
    engine = office_engine(tmp_path / "okno.db")
    try:
        with office_transaction(engine, OFFICE), engine.connect() as other:
            driver = other.connection.driver_connection
            assert driver is not None
            driver.execute("PRAGMA busy_timeout=0")
            with pytest.raises(OperationalError, match="locked"):
                other.begin()
            assert not other.in_transaction()
        with read_transaction(engine) as reader:
            assert reader.execute(select(t.offices.c.id)).scalars().all() == [OFFICE]
        with office_transaction(engine, OFFICE) as writer:
            assert writer.in_transaction()
    finally:
        engine.dispose()
