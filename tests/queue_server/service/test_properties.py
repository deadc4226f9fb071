"""Property tests over random command sequences on a real SQLite file.

Invariants after every step: no ticket is at two desks; numbers are unique within a service day;
every call-next takes the ticket the order function names; every ticket is in exactly one state
consistent with the desks; a refused command changes nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select

from queue_server.domain import errors
from queue_server.domain.order import next_for
from queue_server.service import commands as c
from queue_server.service.bus import QueueService
from queue_server.service.tx import Tx
from queue_server.storage import tables as t
from queue_server.storage.db import make_engine, read_transaction, sqlite_url
from queue_server.storage.repository import Repository
from tests.helpers.office import OFFICE, WORKPLACES, FakeClock, office_engine

pytestmark = pytest.mark.integration

OPERATORS = sorted(WORKPLACES)
SERVICES = ["reg", "vac", "ben"]

_template: Path | None = None


def template_db() -> Path:
    """A migrated database with the test office, made once and copied for each example."""
    global _template
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="okno-props-"))
        engine = office_engine(folder / "template.db")
        engine.dispose()
        _template = folder / "template.db"
    return _template


class QueueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="okno-run-"))
        db = self.folder / "okno.db"
        shutil.copy(template_db(), db)
        self.engine = make_engine(sqlite_url(db))
        self.clock = FakeClock()
        self.service = QueueService(self.engine, lambda token: token, self.clock)
        for op in OPERATORS:
            self.service.execute(c.SignIn(OFFICE, op, WORKPLACES[op]))
        self.issued = 0

    def teardown(self) -> None:
        self.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- helpers ------------------------------------------------------------------------------

    def snapshot(self) -> tuple[Any, ...]:
        with self.engine.connect() as conn:
            return tuple(
                tuple(tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key)))
                for table in (t.tickets, t.steps, t.operators, t.events, t.counters)
            )

    def run(self, command: c.Command) -> dict[str, Any] | None:
        before = self.snapshot()
        try:
            return self.service.execute(command).body
        except errors.DomainError:
            assert self.snapshot() == before, f"{command} was refused but changed the database"
            return None

    @staticmethod
    def desk(op: str) -> dict[str, str]:
        return {"office": OFFICE, "operator": op, "workplace": WORKPLACES[op]}

    # -- rules --------------------------------------------------------------------------------

    @rule(service=st.sampled_from(SERVICES), priority=st.booleans())
    def issue(self, service: str, priority: bool) -> None:
        body = self.run(c.IssueTicket(OFFICE, service, priority))
        assert body is not None and body["status"] == "waiting"
        self.issued += 1

    @rule(op=st.sampled_from(OPERATORS))
    def call_next(self, op: str) -> None:
        with read_transaction(self.engine) as conn:
            repo = Repository(conn)
            office = repo.office(OFFICE)
            assert office is not None
            tx = Tx(repo=repo, office=office, now=self.clock(), status_url=str)
            operator = next(o for o in repo.operators(OFFICE) if o.id == op)
            expected = next_for(operator, repo.waiting(OFFICE), tx.rules, self.clock())
            busy = operator.current_ticket is not None or operator.state.value == "paused"
        body = self.run(c.CallNext(**self.desk(op)))
        if busy or expected is None:
            assert body is None, "call-next succeeded for a busy desk or an empty queue"
        else:
            assert body is not None and body["ticket"]["id"] == expected.id

    @rule(
        op=st.sampled_from(OPERATORS),
        action=st.sampled_from(["recall", "start", "finish", "no_show", "return", "return5"]),
    )
    def desk_action(self, op: str, action: str) -> None:
        desk = self.desk(op)
        command: c.Command = {
            "recall": lambda: c.Recall(**desk),
            "start": lambda: c.StartService(**desk),
            "finish": lambda: c.Finish(**desk),
            "no_show": lambda: c.NoShow(**desk),
            "return": lambda: c.ReturnToQueue(**desk),
            "return5": lambda: c.ReturnToQueue(**desk, minutes=5),
        }[action]()
        self.run(command)

    @rule(
        op=st.sampled_from(OPERATORS),
        service=st.sampled_from(SERVICES),
        to_head=st.booleans(),
        to=st.sampled_from([None, *OPERATORS]),
    )
    def transfer(self, op: str, service: str, to_head: bool, to: str | None) -> None:
        self.run(c.Transfer(**self.desk(op), service=service, to_head=to_head, to_operator=to))

    @rule(op=st.sampled_from(OPERATORS), paused=st.booleans())
    def pause_or_resume(self, op: str, paused: bool) -> None:
        self.run(c.Pause(**self.desk(op)) if paused else c.Resume(**self.desk(op)))

    @precondition(lambda self: self.issued > 0)
    @rule(ticket=st.integers(min_value=1, max_value=40))
    def cancel(self, ticket: int) -> None:
        self.run(c.CancelTicket(OFFICE, ticket))

    @rule(minutes=st.sampled_from([1, 3, 7, 20]))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def desks_and_tickets_agree(self) -> None:
        with self.engine.connect() as conn:
            tickets = list(conn.execute(select(t.tickets)))
            operators = list(conn.execute(select(t.operators)))
        current = [o.current_ticket for o in operators if o.current_ticket is not None]
        assert len(current) == len(set(current)), "a ticket is at two desks"
        at_desk = {tk.id for tk in tickets if tk.status in ("called", "serving")}
        assert at_desk == set(current), "called/serving tickets differ from the desks' tickets"
        by_operator = {o.id: o for o in operators}
        for tk in tickets:
            assert tk.status in {"waiting", "called", "serving", "done", "no_show", "cancelled"}
            if tk.status in ("called", "serving"):
                owner = by_operator[tk.operator]
                assert owner.current_ticket == tk.id and owner.workplace == tk.workplace
            if tk.status == "waiting":
                assert tk.operator is None and tk.workplace is None

    @invariant()
    def numbers_unique_per_day(self) -> None:
        with self.engine.connect() as conn:
            pairs = list(conn.execute(select(t.tickets.c.day, t.tickets.c.number)))
        duplicates = [p for p, n in Counter(map(tuple, pairs)).items() if n > 1]
        assert not duplicates, f"numbers issued twice on one day: {duplicates}"

    @invariant()
    def events_have_no_gap(self) -> None:
        with self.engine.connect() as conn:
            seqs = list(conn.execute(select(t.events.c.seq).order_by(t.events.c.seq)).scalars())
            office_seq = conn.execute(select(t.offices.c.seq)).scalar_one()
        assert seqs == list(range(1, office_seq + 1))


QueueMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestQueueProperties = QueueMachine.TestCase
