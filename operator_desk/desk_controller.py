"""Joins the desk's model, its window and the server session.

Each press becomes one command with its own idempotency key (the session resends the same key
when no answer came, so a retried click never acts twice); while it runs every action is
disabled. The server's answer (`DeskState`) is the desk's new state; a refusal shows the
problem's `detail` and changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog

from operator_desk.api import OknoExtras
from operator_desk.desk_views import (
    DeskWindow,
    IssueDialog,
    PauseDialog,
    ReturnDialog,
    TransferDialog,
    fill,
)
from operator_desk.state import DeskAction, DeskModel
from qt_common.session import QtSession
from queue_protocol.client import ConnectionState
from queue_protocol.enums import OperatorState
from queue_protocol.errors import ConnectionLost, ProblemError, ProtocolError
from queue_protocol.events import Envelope, EventType
from queue_protocol.messages import Snapshot
from queue_protocol.models import DeskState
from queue_protocol.ratings import DeskToday

__all__ = ["DeskController"]

logger = logging.getLogger("okno.desk")

#: Problem codes after which the session cannot go on: sign in again.
_SESSION_ENDED = {"unauthorized", "token_expired"}
TODAY_REFRESH_SECONDS = 60.0


class DeskController(QObject):
    """The desk at work: `start()` on the running loop, `await close()` at the end.

    `signed_out` fires when the session ended (logout, another login, expiry): the app shows
    the login again.
    """

    signed_out = Signal()

    def __init__(
        self,
        app: QApplication,
        model: DeskModel,
        window: DeskWindow,
        session: QtSession,
        extras: OknoExtras,
        lang: str = "ru",
    ) -> None:
        super().__init__()
        self.app = app
        self.model = model
        self.window = window
        self.session = session
        self.extras = extras
        self.lang = lang
        self.today: DeskToday | None = None
        self.ready = asyncio.Event()  # the first snapshot and the desk's state are shown
        self.tasks: set[asyncio.Task[Any]] = set()
        self.dialog: QDialog | None = None
        self._snapshot_seen = False
        self._desk_seen = False
        self._timer = QTimer(self)
        self._timer.setInterval(5000)  # waits grow by the minute: redraw now and then
        self._timer.timeout.connect(self._on_tick)
        self._ticks = 0
        w = window
        w.action_pressed.connect(self._on_action)
        w.finish_pressed.connect(self._on_finish)
        w.call_ticket_pressed.connect(self._on_call_ticket)
        w.stay_on_top_toggled.connect(self._on_top)
        w.issue_pressed.connect(self._on_issue)
        session.snapshot_received.connect(self._on_snapshot)
        session.event_received.connect(self._on_event)
        session.connection_changed.connect(self._on_connection)
        session.refused.connect(self._on_refused)

    # -- life ----------------------------------------------------------------------------------

    def start(self) -> None:
        self.render()
        self.session.start()
        self._timer.start()
        self.spawn(self.refresh_desk(), "desk-state")
        self.spawn(self.refresh_today(), "desk-today")

    async def close(self) -> None:
        self._timer.stop()
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.wait(self.tasks)
        await self.session.close()
        await self.extras.close()

    def spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("task %s failed", task.get_name(), exc_info=task.exception())

    def render(self) -> None:
        self.window.show_model(self.model, self.today, self.lang)

    def _check_ready(self) -> None:
        if self._snapshot_seen and self._desk_seen:
            self.ready.set()

    async def refresh_desk(self) -> None:
        try:
            state = await self.session.client.desk()
        except ProblemError as exc:
            self._refusal(exc)
            return
        except (ConnectionLost, ProtocolError) as exc:
            logger.info("desk state not fetched: %s", exc)
            return
        self.model.apply_desk(state)
        self._desk_seen = True
        self._check_ready()
        self.render()

    async def refresh_today(self) -> None:
        try:
            self.today = await self.extras.today()
        except (ConnectionLost, ProblemError, ProtocolError) as exc:
            logger.info("today's figures not fetched: %s", exc)
            return
        self.model.my_levels = dict(self.today.services)
        self.render()

    # -- the server ----------------------------------------------------------------------------

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        self.model.apply_snapshot(snapshot.payload)
        self._snapshot_seen = True
        self._check_ready()
        self.render()

    def _on_event(self, event: Envelope) -> None:
        self.model.apply_event(event)
        kind = event.kind
        if kind is EventType.RATING_RECEIVED or (
            kind is EventType.TICKET_FINISHED
            and getattr(event.payload, "operator", None) == self.model.operator
        ):
            self.spawn(self.refresh_today(), "desk-today")
        if kind is EventType.OPERATOR_STATUS and (
            self.model.operator_state is OperatorState.OFFLINE
            and getattr(event.payload, "operator", None) == self.model.operator
        ):
            self.model.error = self.tr("You were signed out of this workplace.")
        self.render()

    def _on_connection(self, state: str) -> None:
        live = state == ConnectionState.LIVE.value
        was = self.model.connected
        self.model.set_connected(live)
        self.window.set_connection(state)
        if live and not was and self.ready.is_set():
            # Back after a break in the connection: the desk's own state may have moved on.
            self.spawn(self.refresh_desk(), "desk-state")
        self.render()

    def _on_refused(self, detail: str) -> None:
        logger.warning("the server ended the desk's session: %s", detail)
        self._end_session(self.tr("Your session has ended. Please sign in again."))

    def _end_session(self, message: str) -> None:
        self.model.sign_out()
        self.model.error = message
        self.render()
        self.signed_out.emit()

    def _refusal(self, exc: ProblemError) -> str:
        if exc.status == 401 or exc.code in _SESSION_ENDED:
            self._end_session(exc.detail or self.tr("Your session has ended."))
        return exc.detail or exc.title or exc.code

    # -- commands ------------------------------------------------------------------------------

    def run(self, action: DeskAction, command: Callable[[str], Awaitable[DeskState]]) -> bool:
        """Send one command for `action` (False when it is not allowed now)."""
        try:
            self.model.begin(action)
        except ValueError:
            return False
        key = str(uuid.uuid4())  # one key per press, kept through the session's retries
        self.render()
        self.spawn(self._run(action, command, key), f"desk-{action.value}")
        return True

    async def _run(
        self, action: DeskAction, command: Callable[[str], Awaitable[DeskState]], key: str
    ) -> None:
        error: str | None = None
        try:
            state = await command(key)
        except ProblemError as exc:
            error = self._refusal(exc)
            logger.info("%s refused: %s %s", action.value, exc.code, exc.detail)
        except ConnectionLost:
            error = self.tr("The server did not answer. Check the connection and try again.")
        except ProtocolError as exc:
            logger.error("%s: answer not understood: %s", action.value, exc)
            error = self.tr("The server's answer was not understood.")
        else:
            self.model.apply_desk(state)
            if action is DeskAction.LOGOUT:
                self.model.finish_command(None)
                self._end_session(self.tr("You signed out."))
                return
        self.model.finish_command(error)
        self.render()

    def _on_action(self, value: str) -> None:
        action = DeskAction(value)
        client = self.session.client
        if action is DeskAction.CALL_NEXT:
            self.run(action, lambda key: client.call_next(idempotency_key=key))
        elif action is DeskAction.RECALL:
            self.run(action, lambda key: client.recall(idempotency_key=key))
        elif action is DeskAction.START:
            self.run(action, lambda key: client.start_service(idempotency_key=key))
        elif action is DeskAction.NO_SHOW:
            self.run(action, lambda key: client.no_show(idempotency_key=key))
        elif action is DeskAction.RESUME:
            self.run(action, lambda key: client.resume(idempotency_key=key))
        elif action is DeskAction.LOGOUT:
            self.run(action, lambda key: client.logout(idempotency_key=key))
        elif action is DeskAction.RETURN:
            self._open(ReturnDialog(self.window), self._on_return)
        elif action is DeskAction.PAUSE:
            self._open(PauseDialog(self.window), self._on_pause)
        elif action is DeskAction.TRANSFER:
            self._open(self._transfer_dialog(), self._on_transfer)

    def _on_finish(self, outcome: str) -> None:
        client = self.session.client
        self.run(DeskAction.FINISH, lambda key: client.finish(outcome, idempotency_key=key))

    def _on_call_ticket(self, ticket: int) -> None:
        client = self.session.client
        self.run(DeskAction.CALL_TICKET, lambda key: client.call(ticket, idempotency_key=key))

    def _open(self, dialog: QDialog, accepted: Callable[[QDialog], None]) -> None:
        """Open a dialog without a nested event loop (the asyncio loop keeps running)."""
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.accepted.connect(lambda: accepted(dialog))
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()

    def _closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _on_return(self, dialog: QDialog) -> None:
        assert isinstance(dialog, ReturnDialog)
        minutes = dialog.minutes.value()
        client = self.session.client
        self.run(
            DeskAction.RETURN,
            lambda key: client.return_to_queue(minutes, idempotency_key=key),
        )

    def _on_pause(self, dialog: QDialog) -> None:
        assert isinstance(dialog, PauseDialog)
        reason = dialog.text()
        client = self.session.client
        if self.run(DeskAction.PAUSE, lambda key: client.pause(reason, idempotency_key=key)):
            self.model.pause_reason = reason or None

    def _transfer_dialog(self) -> TransferDialog:
        m = self.model
        services = [(s, m.service_name(s, self.lang)) for s in m.services]
        operators = [
            (p.operator, p.name)
            for p in m.operators.values()
            if p.operator != m.operator and p.state is not OperatorState.OFFLINE
        ]
        workplaces = [(w, m.workplace_name(w, self.lang)) for w in m.workplaces]
        current = m.current.service if m.current is not None else None
        return TransferDialog(services, operators, workplaces, current, self.window)

    def _on_transfer(self, dialog: QDialog) -> None:
        assert isinstance(dialog, TransferDialog)
        choice = dialog.choice()
        client = self.session.client
        self.run(
            DeskAction.TRANSFER,
            lambda key: client.transfer(
                choice.service,
                choice.operator,
                choice.workplace,
                choice.to_head,
                idempotency_key=key,
            ),
        )

    def _on_issue(self) -> None:
        services = [(s, self.model.service_name(s, self.lang)) for s in self.model.services]
        self._open(IssueDialog(services, self.window), self._on_issue_accepted)

    def _on_issue_accepted(self, dialog: QDialog) -> None:
        assert isinstance(dialog, IssueDialog)
        service = str(dialog.service.currentData())
        priority = dialog.priority.isChecked()
        lang = str(dialog.lang.currentData())
        note = dialog.note.text().strip() or None
        self.spawn(self._issue(service, priority, lang, str(uuid.uuid4()), note), "desk-issue")

    async def _issue(
        self, service: str, priority: bool, lang: str, key: str, note: str | None = None
    ) -> None:
        bar = self.window.statusBar()
        try:
            issued = await self.session.client.issue_ticket(
                service, priority, lang, idempotency_key=key, note=note
            )
        except ValidationError:  # refused before sending: the note is the only free text
            self.model.error = self.tr("The note may not contain control characters such as tabs.")
        except ProblemError as exc:
            self.model.error = self._refusal(exc)
        except (ConnectionLost, ProtocolError):
            self.model.error = self.tr("The server did not answer. Check the connection.")
        else:
            self.model.error = None
            bar.showMessage(
                fill(self.tr("Ticket %1 issued: %2 ahead"), issued.number, issued.ahead), 15000
            )
        self.render()

    def _on_top(self, on: bool) -> None:
        was_visible = self.window.isVisible()
        self.window.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, on)
        if was_visible:
            self.window.show()  # changing a flag hides the window

    def _on_tick(self) -> None:
        self._ticks += 1
        if self._ticks * self._timer.interval() / 1000 >= TODAY_REFRESH_SECONDS:
            self._ticks = 0
            self.spawn(self.refresh_today(), "desk-today")
        self.render()
