"""Events are appended under the office's lock, also by callers outside the command bus."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select, text

from queue_protocol.events import EventType
from queue_server.domain import errors
from queue_server.service import commands as c
from queue_server.service.admin import add_operator
from queue_server.service.bus import QueueService
from queue_server.storage import tables as t
from queue_server.storage.db import office_transaction, read_transaction
from queue_server.storage.repository import Repository
from tests.helpers.office import OFFICE, WORKPLACES, Office, make_office
from tests.helpers.postgres import fresh_database

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)


@pytest.fixture
def pg_office(pg_template: str) -> Iterator[Office]:
    """The test office on a fresh PostgreSQL database."""
    with fresh_database(pg_template) as url:
        office = make_office(url, prepared=True)
        yield office
        office.engine.dispose()


def event_log(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.events.c.seq, t.events.c.type)
            .where(t.events.c.office == OFFICE)
            .order_by(t.events.c.seq)
        )
        return [(r.seq, r.type) for r in rows]


def office_seq(engine: Engine) -> int:
    with engine.connect() as conn:
        seq: int = conn.execute(
            select(t.offices.c.seq).where(t.offices.c.id == OFFICE)
        ).scalar_one()
        return seq


def in_thread(target: Callable[[], None]) -> tuple[threading.Thread, list[BaseException]]:
    """Start `target` in a thread; what it raises is collected in the returned list."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as exc:  # collected for the test to assert on
            raised.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, raised


def wait_for_a_lock_wait(engine: Engine, deadline_seconds: float = 20) -> None:
    """Return once another session of this database waits for a lock (the racing writer)."""
    deadline = time.monotonic() + deadline_seconds
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            conn.rollback()
            if waiting:
                return
            time.sleep(0.005)
    raise AssertionError("the racing writer never waited for the office's lock")


def append_in_a_plain_transaction(engine: Engine) -> None:
    """A writer outside the command bus that touches nothing else of the office."""
    with engine.begin() as conn:
        Repository(conn).append_events(OFFICE, [(EventType.CONFIG_CHANGED.value, {})], NOW)


def add_an_operator(engine: Engine) -> None:
    """`okno operator add` (its operator row refers to the office's row)."""
    add_operator(engine, OFFICE, "dave", "Давид", "secret4", ["operator"], {})


@pytest.mark.postgres
@pytest.mark.parametrize("writer", [append_in_a_plain_transaction, add_an_operator])
def test_an_append_during_a_desk_command_takes_the_next_seq(
    pg_office: Office, writer: Callable[[Engine], None]
) -> None:
    """A writer in its own transaction while a command of the office holds the office's lock and
    has written its event: the writer waits and gets the following seq, no duplicate key."""
    engine = pg_office.engine
    before = office_seq(engine)
    with office_transaction(engine, OFFICE) as conn:
        Repository(conn).append_events(
            OFFICE, [(EventType.OPERATOR_STATUS.value, {"operator": "alice"})], NOW
        )
        thread, raised = in_thread(lambda: writer(engine))
        wait_for_a_lock_wait(engine)
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert raised == []
    assert event_log(engine)[-2:] == [
        (before + 1, EventType.OPERATOR_STATUS.value),
        (before + 2, EventType.CONFIG_CHANGED.value),
    ]
    assert office_seq(engine) == before + 2


@pytest.mark.postgres
def test_operator_adds_racing_desks_on_two_servers_keep_seqs_consecutive(
    pg_office: Office,
) -> None:
    """Two servers' desks issue, call and finish while operators are added and events appended
    outside the bus: every seq is used once, none is skipped, and nothing fails."""
    engine = pg_office.engine
    servers = [
        pg_office.service,
        QueueService(engine, lambda token: f"http://test/t/{token}", pg_office.clock),
    ]
    for op in ("alice", "bob"):
        servers[0].execute(c.SignIn(OFFICE, op, WORKPLACES[op]))
    stop = threading.Event()

    def desk(server: QueueService, op: str) -> None:
        where = {"office": OFFICE, "operator": op, "workplace": WORKPLACES[op]}
        while not stop.is_set():
            server.execute(c.IssueTicket(OFFICE, "reg"))
            try:
                server.execute(c.CallNext(**where))
            except (errors.QueueEmpty, errors.TicketInProgress):
                continue  # the other desk called it first, or this desk still has one
            server.execute(c.StartService(**where))
            server.execute(c.Finish(**where))

    desks = [
        in_thread(lambda s=s, op=op: desk(s, op))
        for s, op in zip(servers, ("alice", "bob"), strict=True)
    ]

    def admin() -> None:
        for n in range(12):
            add_operator(engine, OFFICE, f"temp{n}", f"Оператор {n}", "secret4", ["operator"], {})
            append_in_a_plain_transaction(engine)

    admin_thread, admin_raised = in_thread(admin)
    admin_thread.join(timeout=120)
    stop.set()
    for thread, _ in desks:
        thread.join(timeout=30)
    assert admin_raised == []
    assert [raised for _, raised in desks] == [[], []]
    log = event_log(engine)
    assert [seq for seq, _ in log] == list(range(1, len(log) + 1))
    assert log[-1][0] == office_seq(engine)
    assert [kind for _, kind in log].count(EventType.CONFIG_CHANGED.value) >= 2 * 12 + 1


def test_a_read_only_transaction_cannot_append_events(office: Office) -> None:
    """Appending in a read transaction (no write lock) is refused, nothing is written."""
    before = event_log(office.engine)
    with read_transaction(office.engine) as conn, pytest.raises(RuntimeError):
        Repository(conn).append_events(OFFICE, [(EventType.CONFIG_CHANGED.value, {})], NOW)
    assert event_log(office.engine) == before
