"""Engines, migrations and the per-office serialized transaction.

SQLite runs in WAL mode with synchronous=FULL (a printed ticket is never lost; only a throw-away
database, a simulation's, may say NORMAL) and a busy timeout; the driver's lazy deferred BEGIN is
replaced by `BEGIN IMMEDIATE` (SQLAlchemy's SQLite recipe) so that two commands of one office
never interleave, across threads or processes. PostgreSQL serializes an office's commands with a
row lock on its `offices` row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, create_engine, event, select
from sqlalchemy.engine import make_url

from queue_server.storage import tables
from queue_server.storage.prepared import Prepared

log = logging.getLogger("okno.storage")

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 10_000
READ_ONLY = "okno_read_only"


def sqlite_url(path: Path | str) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{Path(path).resolve()}"


def make_engine(url: str, sqlite_synchronous: str = "full") -> Engine:
    """An engine for `url` set up for Okno (SQLite pragmas and BEGIN IMMEDIATE; psycopg 3).

    `sqlite_synchronous` is SQLite's PRAGMA synchronous: "full" but on a throw-away database
    (ServerSettings.sqlite_synchronous).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            pool_size=8,
            max_overflow=8,
        )
        _setup_sqlite(engine, sqlite_synchronous)
        return engine
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _setup_sqlite(engine: Engine, synchronous: str) -> None:
    if synchronous.lower() not in ("full", "normal"):
        raise ValueError(f"PRAGMA synchronous {synchronous!r}: full or normal")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver: we emit BEGIN IMMEDIATE ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Readers take a deferred BEGIN: a consistent WAL snapshot without the write lock.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        _say(connection, "BEGIN" if read_only else "BEGIN IMMEDIATE")


def _say(connection: Connection, sql: str) -> None:
    """Say `sql` to the driver itself; its error comes out as SQLAlchemy's, as from
    `exec_driver_sql`, which costs several times as much (each command begins a transaction)."""
    driver = connection.connection.driver_connection
    assert driver is not None
    try:
        driver.execute(sql)
    except Exception as exc:
        connection._handle_dbapi_exception(exc, sql, None, None, None)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to the newest migration (the only way tables are created)."""
    from alembic import command

    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # Alembic rebuilds a SQLite table to change a column: with foreign keys enforced,
            # dropping a table that others refer to fails. The pragma works only outside a
            # transaction; the keys are checked before the migration commits.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                config = alembic_config()
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def alembic_config(url: str | None = None) -> Any:
    """Alembic's configuration pointing at the packaged migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


# The row lock every PostgreSQL command of an office takes first.
_LOCK_OFFICE = Prepared(
    select(tables.offices.c.seq)
    .where(tables.offices.c.id == bindparam("office_id"))
    .with_for_update()
)


@contextmanager
def office_transaction(engine: Engine, office: str) -> Iterator[Connection]:
    """One serialized transaction of `office`: commits on success, rolls back on any error."""
    with engine.begin() as connection:
        if engine.dialect.name != "sqlite":
            _LOCK_OFFICE.execute(connection, {"office_id": office})
        yield connection


@contextmanager
def savepoint(connection: Connection) -> Iterator[None]:
    """A savepoint in the connection's transaction: rolled back to when the block raises.

    Said to the driver directly: SQLAlchemy's nested transaction costs several times as much, and
    a batch of commands takes one per command (`QueueService.execute_batch`).
    """
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute("SAVEPOINT okno_command")
    try:
        yield
    except BaseException:
        driver.execute("ROLLBACK TO SAVEPOINT okno_command")
        driver.execute("RELEASE SAVEPOINT okno_command")
        raise
    driver.execute("RELEASE SAVEPOINT okno_command")


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction: one consistent snapshot, no write lock, rolled back at the end."""
    options: dict[str, Any] = {READ_ONLY: True}
    if engine.dialect.name == "postgresql":
        # A snapshot's seq and its data must come from one moment, as in SQLite's WAL reads.
        options["isolation_level"] = "REPEATABLE READ"
    with (
        engine.connect().execution_options(**options) as connection,
        connection.begin() as transaction,
    ):
        yield connection
        transaction.rollback()
