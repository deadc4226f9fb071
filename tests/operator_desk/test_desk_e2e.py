"""The desk and the rating terminal against a real server: shortcuts, dialogs, refusals, offline,
the rating of a finished visit, the floor administrator's view."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from operator_desk.desk_views import IssueDialog, LoginWindow, PauseDialog, TransferDialog
from operator_desk.rating_state import RatingScreen
from operator_desk.state import DeskAction, DeskStatus
from queue_protocol.enums import OperatorState
from queue_protocol.ratings import RatingReason
from tests.helpers.server_process import ServerProcess
from tests.operator_desk.conftest import issue, open_desk, open_terminal, run, shot, until

pytestmark = [pytest.mark.gui, pytest.mark.e2e]

A = DeskAction


async def key(window: Any, name: str, shift: bool = False) -> None:
    """Press a key in `window` as the specialist would (shortcuts need the active window)."""
    window.activateWindow()
    await until(window.isActiveWindow, limit=5, what="the window active")
    modifier = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    QTest.keyClick(window, getattr(Qt.Key, f"Key_{name}"), modifier)


def test_call_start_finish_and_the_visitor_rates_it(
    qapp: Any,
    loop: asyncio.AbstractEventLoop,
    server: ServerProcess,
    tmp_path: Path,
    opened: list[Any],
) -> None:
    """F1 calls, F3 starts, F4 finishes; the terminal of that window shows the faces; a tap on
    face 2 and a reason store the rating for that step, and the desk's figures show it."""

    async def scenario() -> None:
        desk = await open_desk(qapp, server, tmp_path, "alice")
        terminal = await open_terminal(qapp, server, tmp_path)
        opened.extend([desk, terminal])
        model, window = desk.model, desk.window
        assert terminal.flow.screen is RatingScreen.IDLE
        assert terminal.flow.operator_name == "Алиса"
        shot(terminal.window, "rating-idle")
        first = issue(server)
        issue(server, "vac")
        await until(lambda: len(model.waiting) == 2, what="two waiting")
        assert model.enabled() == {A.CALL_NEXT, A.CALL_TICKET, A.PAUSE, A.LOGOUT}

        await key(window, "F1")
        await until(lambda: model.status is DeskStatus.CALLED, what="called")
        assert model.current is not None and model.current.id == first["id"]
        assert window.buttons[A.START].isEnabled() and not window.buttons[A.CALL_NEXT].isEnabled()
        await key(window, "F3")
        await until(lambda: model.status is DeskStatus.SERVING, what="serving")
        assert not window.buttons[A.RECALL].isEnabled() and window.finish_resolved.isEnabled()
        shot(window, "desk-serving")
        await key(window, "F4")
        await until(lambda: model.status is DeskStatus.AVAILABLE, what="finished")
        assert model.last_outcome == "resolved"

        await until(lambda: terminal.flow.screen is RatingScreen.FACES, what="faces")
        assert terminal.flow.request is not None and terminal.flow.request.ticket == first["id"]
        shot(terminal.window, "rating-faces")
        terminal.view.face_buttons[1].click()  # the second face: 2
        assert terminal.flow.screen is RatingScreen.REASONS
        terminal.view.reason_buttons[RatingReason.LONG_WAIT].click()
        shot(terminal.window, "rating-reasons")
        terminal.view.reasons_ok.click()
        assert terminal.flow.screen is RatingScreen.THANKS
        shot(terminal.window, "rating-thanks")
        controller = terminal.controller
        assert controller is not None
        await until(lambda: controller.sent, what="rating stored")
        await until(
            lambda: desk.controller.today is not None and desk.controller.today.ratings == 1,
            what="the desk's figures",
        )
        today = desk.controller.today
        assert today is not None and today.average_rating == 2.0 and today.served == 1
        assert controller.sent[0].reasons == (RatingReason.LONG_WAIT,)

    run(loop, scenario(), 90)


def test_pause_with_a_reason_and_resume_by_shortcut(
    qapp: Any,
    loop: asyncio.AbstractEventLoop,
    server: ServerProcess,
    tmp_path: Path,
    opened: list[Any],
) -> None:
    """F8 opens the break dialog; with a reason the desk is paused (only resume and sign out
    enabled, F1 does nothing); F8 again resumes."""

    async def scenario() -> None:
        desk = await open_desk(qapp, server, tmp_path, "alice")
        opened.append(desk)
        model, window = desk.model, desk.window
        issue(server)
        await key(window, "F8")
        dialog = desk.controller.dialog
        assert isinstance(dialog, PauseDialog)
        dialog.reason.setCurrentText("Обед")
        dialog.accept()
        await until(lambda: model.status is DeskStatus.PAUSED, what="paused")
        await until(lambda: model.pause_reason == "Обед", what="reason")
        assert model.enabled() == {A.RESUME, A.LOGOUT}
        assert window.resume.isVisible() and not window.pause.isVisible()
        shot(window, "desk-paused")
        await key(window, "F1")  # disabled: nothing is sent
        await asyncio.sleep(0.3)
        assert model.current is None and model.busy is None
        await key(window, "F8")
        await until(lambda: model.status is DeskStatus.AVAILABLE, what="resumed")
        assert model.operator_state is OperatorState.AVAILABLE

    run(loop, scenario(), 60)


def test_transfer_dialog_sends_the_visitor_to_another_service(
    qapp: Any,
    loop: asyncio.AbstractEventLoop,
    server: ServerProcess,
    tmp_path: Path,
    opened: list[Any],
) -> None:
    """Transfer… lists the services; choosing vacancies to the head puts the ticket in that
    line (with reg as its earlier step) and frees the desk."""

    async def scenario() -> None:
        desk = await open_desk(qapp, server, tmp_path, "alice")
        opened.append(desk)
        model, window = desk.model, desk.window
        ticket = issue(server)
        await key(window, "F1")
        await until(lambda: model.status is DeskStatus.CALLED, what="called")
        await key(window, "F7")
        dialog = desk.controller.dialog
        assert isinstance(dialog, TransferDialog)
        assert dialog.service.count() == 3
        dialog.service.setCurrentIndex(dialog.service.findData("vac"))
        dialog.to_head.setChecked(True)
        shot(dialog, "desk-transfer")
        dialog.accept()
        await until(lambda: model.status is DeskStatus.AVAILABLE, what="transferred")
        await until(lambda: ticket["id"] in model.waiting, what="waiting again")
        assert model.waiting[ticket["id"]].service == "vac"
        assert model.history[ticket["id"]] == ["reg"]
        assert model.last_outcome == "transferred"

    run(loop, scenario(), 60)


def test_refusals_read_as_sentences_and_change_nothing(
    qapp: Any,
    loop: asyncio.AbstractEventLoop,
    server: ServerProcess,
    tmp_path: Path,
    opened: list[Any],
) -> None:
    """Call next on an empty queue shows "Очередь пуста" and the desk stays available; calling a
    ticket another desk took shows the server's sentence."""

    async def scenario() -> None:
        desk = await open_desk(qapp, server, tmp_path, "alice")
        opened.append(desk)
        model, window = desk.model, desk.window
        await key(window, "F1")
        await until(lambda: model.error is not None, what="the refusal")
        assert model.error == "Очередь пуста"
        assert window.error.isVisible() and window.error.text() == "Очередь пуста"
        assert model.status is DeskStatus.AVAILABLE and A.CALL_NEXT in model.enabled()
        shot(window, "desk-error")
        ticket = issue(server)
        await until(lambda: ticket["id"] in model.waiting, what="waiting")
        # Bob takes it first, from another desk, before alice's list has heard of it.
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            signed = await http.post(
                "/api/v1/auth/login", json={"login": "bob", "password": "secret2", "workplace": "2"}
            )
            token = signed.json()["token"]
            taken = await http.post(
                "/api/v1/desk/call",
                json={"ticket": ticket["id"]},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert taken.status_code == 200
        desk.controller.run(
            A.CALL_TICKET,
            lambda k: desk.controller.session.client.call(ticket["id"], idempotency_key=k),
        )
        await until(lambda: model.busy is None and model.error, what="the second refusal")
        assert model.error is not None and "вызван" in model.error
        assert model.current is None

    run(loop, scenario(), 60)


def test_offline_disables_the_actions_and_the_desk_reconnects(
    qapp: Any,
    loop: asyncio.AbstractEventLoop,
    server: ServerProcess,
    tmp_path: Path,
    opened: list[Any],
) -> None:
    """With the server gone the banner shows and no action is enabled; when the server is back
    the desk reconnects by itself."""

    async def scenario() -> None:
        desk = await open_desk(qapp, server, tmp_path, "alice")
        opened.append(desk)
        model, window = desk.model, desk.window
        server.stop()
        await until(lambda: model.status is DeskStatus.OFFLINE, what="offline")
        assert window.banner.isVisible() and model.enabled() == frozenset()
        assert not any(button.isEnabled() for button in window.buttons.values())
        shot(window, "desk-offline")
        await asyncio.get_running_loop().run_in_executor(None, server.start)
        await until(lambda: model.status is DeskStatus.AVAILABLE, limit=30, what="reconnected")
        assert not window.banner.isVisible() and A.CALL_NEXT in model.enabled()

    run(loop, scenario(), 90)


def test_floor_administrator_sees_the_hall_and_issues_a_ticket(
    qapp: Any,
    loop: asyncio.AbstractEventLoop,
    server: ServerProcess,
    tmp_path: Path,
    opened: list[Any],
) -> None:
    """A supervisor's desk has the hall tab: desks with whom they serve, the waiting visitors;
    "Issue a ticket" puts a priority ticket in the queue."""

    async def scenario() -> None:
        alice = await open_desk(qapp, server, tmp_path, "alice")
        carol = await open_desk(qapp, server, tmp_path, "carol")
        opened.extend([alice, carol])
        assert alice.window.hall is None and carol.window.hall is not None
        issue(server)
        await key(alice.window, "F1")
        await until(lambda: alice.model.status is DeskStatus.CALLED, what="alice called")
        carol.controller._on_issue()
        dialog = carol.controller.dialog
        assert isinstance(dialog, IssueDialog)
        dialog.service.setCurrentIndex(dialog.service.findData("ben"))
        dialog.priority.setChecked(True)
        dialog.accept()
        await until(
            lambda: any(t.service == "ben" for t in carol.model.waiting.values()), what="issued"
        )
        (issued,) = [t for t in carol.model.waiting.values() if t.service == "ben"]
        assert issued.ticket_class == "priority"
        hall = carol.window.hall
        assert hall is not None
        carol.window.tabs.setCurrentIndex(1)
        carol.controller.render()
        rows = {
            hall.desks.item(r, 1).text(): hall.desks.item(r, 2).text()
            for r in range(hall.desks.rowCount())
        }
        assert rows["Алиса"].startswith("А001")
        assert hall.waiting.rowCount() == 1 and hall.waiting.item(0, 0).text().endswith("★")
        shot(carol.window, "desk-hall")

    run(loop, scenario(), 60)


def test_login_window_shows_the_servers_sentence_for_a_wrong_password(
    qapp: Any,
    loop: asyncio.AbstractEventLoop,
    server: ServerProcess,
    tmp_path: Path,
) -> None:
    """A wrong password keeps the login window with "Неверный логин или пароль"; the right one
    signs in and the login (never the password) is remembered."""
    from operator_desk.desk_main import ask_login, setup_app
    from operator_desk.settings import DeskMemory
    from tests.operator_desk.conftest import desk_settings

    settings = desk_settings(server.url, tmp_path)
    setup_app(qapp, settings)
    memory = DeskMemory(tmp_path / "memory.json")

    async def scenario() -> None:
        task = asyncio.ensure_future(ask_login(settings, memory))
        await until(
            lambda: any(
                isinstance(w, LoginWindow) and w.isVisible() for w in qapp.topLevelWidgets()
            ),
            what="login window",
        )
        (window,) = [
            w for w in qapp.topLevelWidgets() if isinstance(w, LoginWindow) and w.isVisible()
        ]
        window.login.setText("alice")
        window.password.setText("wrong")
        window.workplace.setEditText("1")
        window.button.click()
        await until(lambda: window.error.isVisible(), what="the refusal")
        assert window.error.text() == "Неверный логин или пароль"
        shot(window, "desk-login")
        window.password.setText("secret1")
        window.button.click()
        result = await task
        assert result is not None
        client, answer = result
        await client.close()
        assert answer.operator.id == "alice"
        saved = (tmp_path / "memory.json").read_text(encoding="utf-8")
        assert '"alice"' in saved and "secret1" not in saved

    run(loop, scenario(), 60)
