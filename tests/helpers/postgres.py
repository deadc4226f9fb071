"""Throw-away PostgreSQL databases for the tests marked `postgres` (local server, socket auth)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

ADMIN_URL = os.environ.get(
    "OKNO_TEST_PG_URL", "postgresql+psycopg:///postgres?host=/var/run/postgresql"
)


def _admin():  # type: ignore[no-untyped-def]
    return create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")


def database_url(name: str) -> str:
    return ADMIN_URL.replace("/postgres?", f"/{name}?", 1)


def available() -> bool:
    try:
        engine = _admin()
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def require_postgres() -> None:
    """Skip locally when PostgreSQL is not there; in CI (CI=true) that is a failure."""
    if not available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable; `make test` should have started it")
        pytest.skip("PostgreSQL is not reachable (run deploy/ensure-postgres.sh)")


@contextmanager
def fresh_database(template: str | None = None) -> Iterator[str]:
    """A new empty database (or a copy of `template`); dropped afterwards. Yields its URL."""
    require_postgres()
    name = f"okno_t_{uuid.uuid4().hex[:12]}"
    engine = _admin()
    with engine.connect() as conn:
        suffix = f" TEMPLATE {template}" if template else ""
        conn.execute(text(f"CREATE DATABASE {name}{suffix}"))
    try:
        yield database_url(name)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        engine.dispose()
