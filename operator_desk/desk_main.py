"""The desk's composition root: settings → sign in (dialog or flags) → window → session.

Signing out (or a session the server ends) brings the login back; closing the window ends the
app. The password is never stored: only the last login and workplace are remembered.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from operator_desk.api import OknoExtras
from operator_desk.desk_controller import DeskController
from operator_desk.desk_views import DeskWindow, LoginWindow, desk_style
from operator_desk.settings import DeskMemory, DeskSettings
from operator_desk.state import DeskModel
from qt_common.app import save_png, screenshot_when_ready
from qt_common.i18n import Translations
from qt_common.session import QtSession, read_saved_seq
from queue_protocol.client import ClientSession
from queue_protocol.errors import ConnectionLost, ProblemError, ProtocolError
from queue_protocol.models import LoginResponse

__all__ = ["TRANSLATIONS_DIR", "Desk", "build_desk", "desk_main", "sign_in"]

logger = logging.getLogger("okno.desk")

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
SIGN_IN_ATTEMPTS = 6  # with --login and --password-stdin, over about half a minute


@dataclass
class Desk:
    """A signed-in desk (tests and tools drive it through these)."""

    window: DeskWindow
    model: DeskModel
    controller: DeskController
    login: LoginResponse


def setup_app(app: QApplication, settings: DeskSettings) -> Translations:
    translations = Translations(app, TRANSLATIONS_DIR, "okno_desk")
    translations.switch(settings.lang)
    return translations


def problem_text(exc: Exception) -> str:
    """A refusal or a failure as one sentence for the person at the desk."""
    if isinstance(exc, ProblemError):
        return exc.detail or exc.title or exc.code
    if isinstance(exc, ConnectionLost):
        return QApplication.translate(
            "desk", "The server cannot be reached. Check the network and try again."
        )
    return QApplication.translate("desk", "The server's answer was not understood.")


async def sign_in(
    settings: DeskSettings, login: str, password: str, workplace: str
) -> tuple[ClientSession, LoginResponse]:
    """Log in; the session is ready for commands and events. Raises ProblemError /
    ConnectionLost / ProtocolError."""
    probe = ClientSession(settings.server, None, "", lang=settings.lang)
    try:
        answer = await probe.login(login, password, workplace)
    finally:
        await probe.close()
    state_file = settings.state_path()
    client = ClientSession(
        settings.server,
        answer.token,
        answer.office,
        since=read_saved_seq(state_file, answer.office),
        lang=settings.lang,
    )
    return client, answer


def build_desk(
    app: QApplication,
    settings: DeskSettings,
    client: ClientSession,
    answer: LoginResponse,
    memory: DeskMemory | None = None,
) -> Desk:
    """The window, model and controller of a signed-in desk; `controller.start()` next."""
    roles = tuple(str(role) for role in answer.operator.roles)
    model = DeskModel(
        answer.operator.id,
        answer.workplace.id,
        roles,
        lambda: datetime.now(UTC),
        operator_name=answer.operator.name,
    )
    model.workplaces[answer.workplace.id] = answer.workplace.name
    window = DeskWindow(model.is_supervisor)
    window.setStyleSheet(desk_style())  # per window: its dialogs inherit it
    if settings.screen_size is not None:
        window.resize(*settings.screen_size)
    if settings.stay_on_top:
        window.on_top.setChecked(True)
        window.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
    session = QtSession(client, settings.state_path())
    extras = OknoExtras(settings.server, answer.token, settings.lang)
    controller = DeskController(app, model, window, session, extras, settings.lang)
    if memory is not None:

        def remember_workplaces() -> None:
            names = {key: name.get(settings.lang) for key, name in model.workplaces.items()}
            if names != memory.workplaces:
                memory.workplaces = names
                memory.save()

        session.snapshot_received.connect(lambda _snapshot: remember_workplaces())
    return Desk(window, model, controller, answer)


async def ask_login(
    settings: DeskSettings, memory: DeskMemory, error: str = ""
) -> tuple[ClientSession, LoginResponse] | None:
    """Show the login window until a login works (None: the window was closed)."""
    workplace = settings.workplace or memory.workplace
    window = LoginWindow(
        settings.login or memory.login, memory.workplaces, workplace, settings.workplace is not None
    )
    window.setStyleSheet(desk_style())
    window.set_error(error)
    result: asyncio.Future[tuple[ClientSession, LoginResponse] | None] = (
        asyncio.get_running_loop().create_future()
    )
    tasks: set[asyncio.Task[None]] = set()

    async def attempt(login: str, password: str, place: str) -> None:
        window.set_busy(True)
        try:
            session_and_answer = await sign_in(settings, login, password, place)
        except (ProblemError, ConnectionLost, ProtocolError) as exc:
            window.set_busy(False)
            window.set_error(problem_text(exc))
            return
        memory.login, memory.workplace = login, place
        memory.save()
        if not result.done():
            result.set_result(session_and_answer)

    def submitted(login: str, password: str, place: str) -> None:
        task = asyncio.get_running_loop().create_task(attempt(login, password, place))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    window.submitted.connect(submitted)

    def closed() -> None:
        if not result.done():
            result.set_result(None)

    window.closed.connect(closed)
    window.show()
    if settings.screenshot is not None:
        await asyncio.sleep(0.2)
        save_png(window, settings.screenshot)
        window.close()
        return None
    try:
        return await result
    finally:
        window.hide()
        window.deleteLater()


async def desk_main(app: QApplication, settings: DeskSettings, password: str | None) -> int:
    """Run the desk until its window is closed (or the screenshot is taken)."""
    setup_app(app, settings)
    app.setQuitOnLastWindowClosed(False)
    memory = DeskMemory(settings.memory_path())
    error = ""
    signed: tuple[ClientSession, LoginResponse] | None = None
    if settings.login and password is not None and settings.workplace:
        for attempt in range(1, SIGN_IN_ATTEMPTS + 1):
            try:
                signed = await sign_in(settings, settings.login, password, settings.workplace)
                break
            except ConnectionLost as exc:
                # Unattended start (a demo, a boot): the server may still be starting.
                error = problem_text(exc)
                logger.warning("server not reachable (attempt %d): %s", attempt, exc)
                await asyncio.sleep(min(2.0 * attempt, 10.0))
            except (ProblemError, ProtocolError) as exc:
                error = problem_text(exc)
                logger.error("sign-in refused: %s", error)
                break
        if signed is None and settings.screenshot is not None:
            return 3
    while True:
        if signed is None:
            signed = await ask_login(settings, memory, error)
            if signed is None:
                return 0
        client, answer = signed
        signed, error = None, ""
        desk = build_desk(app, settings, client, answer, memory)
        ended = asyncio.Event()
        closed = asyncio.Event()
        desk.controller.signed_out.connect(ended.set)
        desk.window.closed.connect(closed.set)
        desk.window.show()
        desk.controller.start()
        try:
            if settings.screenshot is not None:
                await screenshot_when_ready(
                    desk.window,
                    settings.screenshot,
                    desk.controller.ready,
                    settings.screenshot_after,
                )
                return 0
            ending = [
                asyncio.ensure_future(ended.wait()),
                asyncio.ensure_future(closed.wait()),
            ]
            await asyncio.wait(ending, return_when=asyncio.FIRST_COMPLETED)
            for waiter in ending:
                waiter.cancel()
        finally:
            await desk.controller.close()
        if closed.is_set():
            return 0
        error = desk.model.error or ""
        desk.window.hide()
        desk.window.deleteLater()
