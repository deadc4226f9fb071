"""`queue.changed` coalesced: within the window after an office's last one, commands leave it
owed, and `Summarize` sends one for them all, as the queue stands then."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from queue_server.domain import errors
from queue_server.service import bus
from queue_server.service import commands as c
from queue_server.service.bus import QueueService
from tests.helpers.office import OFFICE, WORKPLACES, Office, make_office

pytestmark = pytest.mark.integration

WINDOW = 10.0


class Monotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def coalescing(tmp_path: Path) -> Iterator[tuple[Office, QueueService, Monotonic]]:
    office = make_office(tmp_path / "okno.db")
    ticks = Monotonic()
    service = QueueService(
        office.engine,
        lambda token: f"http://test/t/{token}",
        office.clock,
        coalesce_seconds=WINDOW,
        monotonic=ticks,
    )
    yield office, service, ticks
    office.engine.dispose()


def summaries(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e["data"] for e in events if e["type"] == "queue.changed"]


def waiting(summary: dict[str, Any]) -> dict[str, int]:
    return {line["service"]: line["waiting"] for line in summary["services"]}


def test_commands_within_the_window_owe_one_summary_sent_by_summarize(
    coalescing: tuple[Office, QueueService, Monotonic],
) -> None:
    """The first issue sends queue.changed; three more within the window send none and leave
    it owed; Summarize sends one that counts all four; past the window a command sends again."""
    _office, service, ticks = coalescing
    first = service.execute(c.IssueTicket(OFFICE, "reg"))
    assert waiting(summaries(first.events)[0])["reg"] == 1
    assert service.owed_summaries() == []
    for kind in ("reg", "vac", "vac"):
        ticks.now += 1
        assert summaries(service.execute(c.IssueTicket(OFFICE, kind)).events) == []
    assert service.owed_summaries() == [OFFICE]
    sent = service.execute(c.Summarize(OFFICE))
    assert waiting(summaries(sent.events)[0]) == {"reg": 2, "vac": 2, "ben": 0}
    assert service.owed_summaries() == []
    ticks.now += WINDOW
    later = service.execute(c.IssueTicket(OFFICE, "ben"))
    assert waiting(summaries(later.events)[0])["ben"] == 1


def test_a_command_failing_after_it_sent_the_owed_summary_owes_it_again(
    coalescing: tuple[Office, QueueService, Monotonic], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queue.changed that earlier commands owed went with a command that then failed (and
    was rolled back): it is owed again. A refusal that took nothing leaves nothing owed."""
    _office, service, ticks = coalescing
    service.execute(c.IssueTicket(OFFICE, "reg"))
    ticks.now += 1
    service.execute(c.IssueTicket(OFFICE, "reg"))  # within the window: owed
    ticks.now += WINDOW

    def refuse(_tx: Any) -> None:
        raise errors.ServiceUnavailable("late", "Отказ", "Refused after the summary")

    monkeypatch.setattr(bus, "turn_near", refuse)
    with pytest.raises(errors.ServiceUnavailable):
        service.execute(c.IssueTicket(OFFICE, "vac"))
    assert service.owed_summaries() == [OFFICE]
    monkeypatch.undo()
    sent = service.execute(c.Summarize(OFFICE))
    assert waiting(summaries(sent.events)[0]) == {"reg": 2, "vac": 0, "ben": 0}
    ticks.now += WINDOW
    with pytest.raises(errors.NotFound):
        service.execute(c.IssueTicket(OFFICE, "nope"))
    assert service.owed_summaries() == []


def test_without_a_window_every_command_sends_its_own(tmp_path: Path) -> None:
    """coalesce_seconds=0 (the default): each command that touched the queue sends one."""
    office = make_office(tmp_path / "okno.db")
    try:
        office.service.execute(c.SignIn(OFFICE, "alice", WORKPLACES["alice"]))
        for _ in range(3):
            assert len(summaries(office.service.execute(c.IssueTicket(OFFICE, "reg")).events)) == 1
        assert office.service.owed_summaries() == []
    finally:
        office.engine.dispose()


def test_commands_that_owe_the_summary_still_keep_the_recorded_replay_current(
    coalescing: tuple[Office, QueueService, Monotonic],
) -> None:
    """Two calls within the window send no queue.changed, yet each is taken out of the office's
    recorded replay as it happens: the next call-next is answered from the record, not by a
    pass over every waiting ticket (what made call-next at 5,000 waiting 20 ms instead of 4)."""
    office, service, ticks = coalescing
    for op in ("alice", "bob", "carol"):
        service.execute(c.SignIn(OFFICE, op, WORKPLACES[op]))
    for k in range(30):
        office.clock.advance(seconds=20)
        service.execute(c.IssueTicket(OFFICE, ("reg", "vac")[k % 2]))
    ticks.now += WINDOW
    service.execute(c.IssueTicket(OFFICE, "reg"))  # sends queue.changed
    for op in ("alice", "bob"):
        ticks.now += 1
        office.clock.advance(seconds=20)
        called = service.execute(c.CallNext(OFFICE, op, WORKPLACES[op]))
        assert summaries(called.events) == []
    cache = service._caches[OFFICE]
    carol = next(op for op in cache.keeper.record.operator_list if op.id == "carol")
    known, _ticket = cache.keeper.next_for(
        carol, len(cache.waiting), {s.id: s.rule for s in cache.services}, office.clock.now
    )
    assert known
    sent = service.execute(c.Summarize(OFFICE))
    assert sum(waiting(summaries(sent.events)[0]).values()) == 29
