"""The floor administrator's note for the specialist: typed in the issue dialog, shown with the
current ticket at the desk, kept while events (which never carry it) move the ticket on."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from operator_desk.desk_views import IssueDialog
from operator_desk.state import DeskStatus
from queue_protocol.models import DeskState, TicketView
from tests.helpers.server_process import ServerProcess
from tests.operator_desk.conftest import open_desk, run, shot, until
from tests.operator_desk.test_desk_e2e import key
from tests.operator_desk.test_state import NOW, event, live_model, ticket

NOTE = "Плохо слышит, говорите громче"


def test_the_note_of_a_desk_answer_survives_later_events() -> None:
    """The note comes with the desk's answer; ticket.called/started events (without a note)
    keep it on the current ticket; the next ticket has none."""
    model = live_model()
    called = ticket(
        7, "А007", status="called", operator="alice", workplace="1", called_at=NOW.isoformat()
    )
    model.apply_event(event("ticket.called", called))
    assert model.current is not None and model.current.note is None
    view = TicketView.model_validate({**called, "note": NOTE})
    model.apply_desk(DeskState(operator="alice", workplace="1", state="available", ticket=view))
    assert model.current is not None and model.current.note == NOTE
    model.apply_event(event("ticket.called", called))
    model.apply_event(event("ticket.started", {**called, "status": "serving"}))
    assert model.current is not None and model.current.note == NOTE
    model.apply_event(event("ticket.finished", {**called, "status": "done", "outcome": "resolved"}))
    other = ticket(8, "А008", status="called", operator="alice", workplace="1")
    model.apply_event(event("ticket.called", other))
    assert model.current is not None and model.current.id == 8 and model.current.note is None


@pytest.mark.gui
@pytest.mark.e2e
def test_supervisors_note_is_shown_at_the_desk_that_calls_the_ticket(
    qapp: Any,
    loop: asyncio.AbstractEventLoop,
    server: ServerProcess,
    tmp_path: Path,
    opened: list[Any],
) -> None:
    """Carol types a note in the issue dialog; alice's F1 calls that ticket and her window shows
    the note under the ticket."""

    async def scenario() -> None:
        alice = await open_desk(qapp, server, tmp_path, "alice")
        carol = await open_desk(qapp, server, tmp_path, "carol")
        opened.extend([alice, carol])
        carol.controller._on_issue()
        dialog = carol.controller.dialog
        assert isinstance(dialog, IssueDialog)
        dialog.service.setCurrentIndex(dialog.service.findData("reg"))
        dialog.note.setText(NOTE)
        dialog.accept()
        await until(lambda: len(alice.model.waiting) == 1, what="issued")
        assert carol.model.error is None
        await key(alice.window, "F1")
        await until(lambda: alice.model.status is DeskStatus.CALLED, what="alice called")
        await until(
            lambda: alice.model.current is not None and alice.model.current.note == NOTE,
            what="the note",
        )
        alice.controller.render()
        assert f"Заметка: {NOTE}" in alice.window.ticket_lines.text()
        shot(alice.window, "desk-note")

    run(loop, scenario(), 60)
