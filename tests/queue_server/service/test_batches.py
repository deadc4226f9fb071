"""Group commit: `execute_batch` runs an office's commands in one transaction, a savepoint each,
and answers and writes exactly what running them one by one would."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select

from queue_server.domain import errors
from queue_server.service import commands as c
from queue_server.service import handlers
from queue_server.service.bus import Executed, Idempotency
from queue_server.service.tx import Tx
from queue_server.storage import tables as t
from tests.helpers.office import OFFICE, WORKPLACES, Office, make_office, without_random

pytestmark = pytest.mark.integration


def desk(op: str) -> dict[str, str]:
    return {"office": OFFICE, "operator": op, "workplace": WORKPLACES[op]}


def outcome(result: Executed | BaseException) -> Any:
    if isinstance(result, errors.DomainError):
        return ("refused", result.code)
    if isinstance(result, BaseException):
        return ("failed", type(result).__name__)
    events = [without_random(e) for e in result.events]
    return ("done", without_random(result.body), result.replayed, events)


def written(office: Office) -> Any:
    """What the commands wrote: tickets, steps, operators, counters, the event log."""
    with office.engine.connect() as conn:
        tickets = [
            {k: v for k, v in row._mapping.items() if k != "public_token"}
            for row in conn.execute(select(t.tickets).order_by(t.tickets.c.id))
        ]
        events = [
            (row.seq, row.type, without_random(row.data))
            for row in conn.execute(select(t.events).order_by(t.events.c.seq))
        ]
        rest = tuple(
            tuple(tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key)))
            for table in (t.steps, t.operators, t.counters, t.offices)
        )
    return tickets, events, rest


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "okno.db"
    make_office(path).engine.dispose()
    return path


@pytest.fixture
def twin_offices(template: Path, tmp_path: Path) -> Iterator[Callable[[], tuple[Office, Office]]]:
    """Two copies of the test office, made afresh on each call."""
    made: list[Office] = []
    count = 0

    def make() -> tuple[Office, Office]:
        nonlocal count
        pair = []
        for _ in range(2):
            count += 1
            path = tmp_path / f"okno-{count}.db"
            shutil.copy(template, path)
            pair.append(make_office(path, prepared=True))
        made.extend(pair)
        return pair[0], pair[1]

    yield make
    for office in made:
        office.engine.dispose()


COMMANDS = st.sampled_from(
    [
        c.IssueTicket(OFFICE, "reg"),
        c.IssueTicket(OFFICE, "vac"),
        c.IssueTicket(OFFICE, "ben", priority=True),
        c.IssueTicket(OFFICE, "nope"),  # refused: unknown service
        c.SignIn(OFFICE, "alice", WORKPLACES["alice"]),
        c.SignIn(OFFICE, "bob", WORKPLACES["bob"]),
        c.CallNext(**desk("alice")),
        c.CallNext(**desk("bob")),
        c.StartService(**desk("alice")),
        c.Finish(**desk("alice")),
        c.Finish(**desk("bob")),
        c.NoShow(**desk("bob")),
        c.Pause(**desk("alice")),
        c.Resume(**desk("alice")),
        c.Transfer(OFFICE, "bob", WORKPLACES["bob"], service="ben"),
        c.CancelTicket(OFFICE, 2),
    ]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    commands=st.lists(COMMANDS, min_size=1, max_size=24),
    cuts=st.lists(st.integers(1, 8), min_size=1, max_size=24),
)
def test_a_batch_answers_and_writes_what_one_by_one_would(
    twin_offices: Callable[[], tuple[Office, Office]], commands: list[c.Command], cuts: list[int]
) -> None:
    """Any commands, cut into batches of any size: the same answers, refusals and database."""
    alone, batched = twin_offices()
    expected = []
    for command in commands:
        try:
            expected.append(outcome(alone.service.execute(command)))
        except errors.DomainError as exc:
            expected.append(outcome(exc))
    got: list[Any] = []
    rest, turn = list(commands), 0
    while rest:
        size = cuts[turn % len(cuts)]
        batch, rest, turn = rest[:size], rest[size:], turn + 1
        results = batched.service.execute_batch(OFFICE, [(cmd, None) for cmd in batch])
        got.extend(outcome(r) for r in results)
    assert got == expected
    assert written(batched) == written(alone)


def test_a_refused_command_leaves_no_trace_and_the_rest_commit(office: Office) -> None:
    """An unknown service in the middle of a batch: refused alone, the others are issued."""
    results = office.service.execute_batch(
        OFFICE,
        [
            (c.IssueTicket(OFFICE, "reg"), None),
            (c.IssueTicket(OFFICE, "nope"), None),
            (c.IssueTicket(OFFICE, "reg"), None),
        ],
    )
    first, refused, third = results
    assert isinstance(first, Executed) and isinstance(third, Executed)
    assert isinstance(refused, errors.NotFound) and refused.code == "unknown_service"
    assert [first.body["number"], third.body["number"]] == ["А001", "А002"]
    seqs = [e["seq"] for e in first.events + third.events]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # no hole where the refusal was


def test_a_command_refused_after_it_wrote_is_rolled_back_to_its_savepoint(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A handler that issues a ticket and then refuses: its ticket, number and events are gone,
    and the next command of the batch (and of the next transaction) sees the office without it."""
    issue = handlers.HANDLERS[c.IssueTicket]

    def issue_then_refuse(tx: Tx, command: Any) -> Any:
        answer = issue(tx, command)
        if command.service == "vac":
            raise errors.ServiceUnavailable("late_refusal", "Отказ", "Refused after writing")
        return answer

    monkeypatch.setitem(handlers.HANDLERS, c.IssueTicket, issue_then_refuse)
    results = office.service.execute_batch(
        OFFICE,
        [
            (c.IssueTicket(OFFICE, "reg"), None),
            (c.IssueTicket(OFFICE, "vac"), None),
            (c.IssueTicket(OFFICE, "reg"), None),
        ],
    )
    assert isinstance(results[1], errors.ServiceUnavailable)
    assert [r.body["ahead"] for r in results if isinstance(r, Executed)] == [0, 1]
    monkeypatch.setitem(handlers.HANDLERS, c.IssueTicket, issue)
    after = office.service.execute(c.IssueTicket(OFFICE, "vac")).body
    assert after["number"] == "В001"  # the refused ticket's number was not used
    with office.engine.connect() as conn:
        services = conn.execute(select(t.tickets.c.service).order_by(t.tickets.c.id)).scalars()
        assert list(services) == ["reg", "reg", "vac"]


def test_a_failed_commit_loses_the_whole_batch(office: Office) -> None:
    """The commit fails (the disk): every command of the batch gets the error, nothing is
    written, and the next command answers from the database, not from stale cached state."""
    office.service.execute(c.IssueTicket(OFFICE, "reg"))

    def fail(_conn: Any) -> None:
        raise OSError("disk I/O error")

    event.listen(office.engine, "commit", fail)
    try:
        results = office.service.execute_batch(
            OFFICE, [(c.IssueTicket(OFFICE, "reg"), None), (c.IssueTicket(OFFICE, "vac"), None)]
        )
    finally:
        event.remove(office.engine, "commit", fail)
    assert [type(r) for r in results] == [OSError, OSError]
    after = office.service.execute(c.IssueTicket(OFFICE, "reg")).body
    assert (after["number"], after["ahead"]) == ("А002", 1)


def test_one_key_twice_in_a_batch_is_one_ticket(office: Office) -> None:
    """A kiosk's retry landing in the same batch as its first try gets the same ticket."""
    key = Idempotency.of("kiosk:kiosk-1", "k-1", "/tickets", {"service": "reg"})
    command = c.IssueTicket(OFFICE, "reg")
    first, again = office.service.execute_batch(OFFICE, [(command, key), (command, key)])
    assert isinstance(first, Executed) and isinstance(again, Executed)
    assert (again.replayed, again.body) == (True, first.body)
    with office.engine.connect() as conn:
        assert len(conn.execute(select(t.tickets.c.id)).all()) == 1


def test_a_batch_holds_only_its_own_offices_commands(office: Office) -> None:
    """A command of another office in the batch is a fault of the caller: nothing is run."""
    with pytest.raises(ValueError, match="not a command of office test"):
        office.service.execute_batch(
            OFFICE, [(c.IssueTicket(OFFICE, "reg"), None), (c.IssueTicket("other", "reg"), None)]
        )
    with office.engine.connect() as conn:
        assert conn.execute(select(t.tickets.c.id)).all() == []
