"""The rating terminal: its controller (events and taps → flow → view, verdicts → server) and its
composition root."""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSize, QTimer
from PySide6.QtWidgets import QApplication

from operator_desk.api import OknoExtras
from operator_desk.rating_state import RatingFlow, Submission
from operator_desk.rating_views import RatingView, rating_style
from operator_desk.settings import RatingSettings
from qt_common.app import discover_office, screenshot_when_ready
from qt_common.i18n import Translations
from qt_common.kiosk_window import KioskWindow
from qt_common.session import QtSession
from queue_protocol.client import ClientSession, ConnectionState, backoff_delay
from queue_protocol.enums import Lang
from queue_protocol.errors import ConnectionLost, ProblemError, ProtocolError, SessionRefused
from queue_protocol.events import Envelope
from queue_protocol.messages import Snapshot
from queue_protocol.payloads import OperatorStatus, RatingRequested
from queue_protocol.ratings import RatingReason

__all__ = [
    "TRANSLATIONS_DIR",
    "RatingController",
    "RatingTerminal",
    "build_terminal",
    "rating_main",
]

logger = logging.getLogger("okno.rating")

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
TERMINAL_SIZE = QSize(1280, 800)


class RatingController(QObject):
    """The terminal at work: `start()` on the running loop, `await close()` at the end.

    `sent` holds every verdict the server stored (tests and the log read it).
    """

    def __init__(
        self,
        flow: RatingFlow,
        view: RatingView,
        translations: Translations,
        session: QtSession | None,
        extras: OknoExtras | None,
    ) -> None:
        super().__init__()
        self.flow = flow
        self.view = view
        self.translations = translations
        self.session = session
        self.extras = extras
        self.ready = asyncio.Event()
        self.sent: list[Submission] = []
        self.tasks: set[asyncio.Task[Any]] = set()
        self._timer = QTimer(self)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self._on_tick)
        view.score_tapped.connect(self._on_score)
        view.reason_toggled.connect(self._on_reason)
        view.reasons_done.connect(self._on_reasons_done)
        view.effort_tapped.connect(self._on_effort)
        if session is not None:
            session.snapshot_received.connect(self._on_snapshot)
            session.event_received.connect(self._on_event)
            session.connection_changed.connect(self._on_connection)
            session.refused.connect(self._on_refused)

    def start(self) -> None:
        self.render()
        if self.session is not None:
            self.session.start()
        self._timer.start()

    async def close(self) -> None:
        self._timer.stop()
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.wait(self.tasks)
        if self.session is not None:
            await self.session.close()
        if self.extras is not None:
            await self.extras.close()

    def render(self) -> None:
        lang = self.flow.lang if self.flow.lang in ("ru", "en") else "ru"
        self.translations.switch(lang)
        if self.extras is not None:
            self.extras.lang = lang
        self.view.show_flow(self.flow)

    # -- the server ----------------------------------------------------------------------------

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        data = snapshot.payload
        if len(data.workplaces) == 1:  # a terminal's snapshot holds its own workplace only
            place = data.workplaces[0]
            self.flow.workplace = place.id
            self.flow.workplace_name = {"ru": place.name.ru, "en": place.name.en or place.name.ru}
        here = [o for o in data.operators if o.workplace == self.flow.workplace]
        self.flow.operator = here[0].operator if here else None
        self.flow.operator_name = here[0].name if here else ""
        self.ready.set()
        self.render()

    def _on_event(self, event: Envelope) -> None:
        payload = event.payload
        if isinstance(payload, RatingRequested):
            self._send(self.flow.on_requested(payload))
        elif isinstance(payload, OperatorStatus):
            self.flow.on_operator(payload)
        else:
            return
        self.render()

    def _on_connection(self, state: str) -> None:
        self.flow.set_connected(state == ConnectionState.LIVE.value)
        self.view.banner.set_state(state)

    def _on_refused(self, detail: str) -> None:
        logger.error("the server refused this terminal: %s", detail)
        self.flow.refused = True
        self.view.banner.set_state(ConnectionState.REFUSED)

    # -- taps ----------------------------------------------------------------------------------

    def _on_score(self, score: int) -> None:
        self._send(self.flow.tap_score(score))
        self.render()

    def _on_reason(self, value: str) -> None:
        self.flow.toggle_reason(RatingReason(value))
        self.render()

    def _on_reasons_done(self) -> None:
        self._send(self.flow.reasons_done())
        self.render()

    def _on_effort(self, value: int) -> None:
        self._send(self.flow.tap_effort(value or None))
        self.render()

    def _on_tick(self) -> None:
        before = self.flow.screen
        self._send(self.flow.tick())
        if self.flow.screen is not before:
            self.render()

    def _send(self, submission: Submission | None) -> None:
        if submission is None or self.extras is None:
            return
        task = asyncio.get_running_loop().create_task(
            self._deliver(submission, str(uuid.uuid4())), name="rating-send"
        )
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _deliver(self, submission: Submission, key: str) -> None:
        """Send a verdict; while the server cannot be reached, try again (same key) for a while.

        A refusal (rated already, too late) is logged: the visitor has been thanked either way.
        """
        assert self.extras is not None
        for failures in range(1, 8):
            try:
                stored = await self.extras.rate(submission, key)
            except ConnectionLost as exc:
                delay = backoff_delay(failures, 1.0, 30.0, random.random)
                logger.warning("rating not sent (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                continue
            except ProblemError as exc:
                logger.warning("rating refused: %s %s", exc.code, exc.detail)
                return
            except ProtocolError as exc:
                logger.error("rating answer not understood: %s", exc)
                return
            logger.info("rating stored: step %d, csat %d", stored.step, stored.csat)
            self.sent.append(submission)
            return
        logger.error("rating of ticket %d lost: the server could not be reached", submission.ticket)


@dataclass
class RatingTerminal:
    window: KioskWindow
    view: RatingView
    flow: RatingFlow
    translations: Translations
    controller: RatingController | None = None


def build_terminal(app: QApplication, settings: RatingSettings) -> RatingTerminal:
    size = QSize(*settings.screen_size) if settings.screen_size else TERMINAL_SIZE
    kiosk_mode = not settings.windowed and settings.screenshot is None
    window = KioskWindow(kiosk_mode, settings.admin_pin, time.monotonic, size)
    view = RatingView()
    window.setCentralWidget(view)
    window.setWindowTitle("Okno")
    flow = RatingFlow(
        None,
        time.monotonic,
        default_lang=settings.lang,
        idle_seconds=settings.idle_seconds,
        thanks_seconds=settings.thanks_seconds,
    )
    translations = Translations(app, TRANSLATIONS_DIR, "okno_desk")
    translations.switch(settings.lang)
    window.setStyleSheet(rating_style())
    window.watch_corner(app)
    return RatingTerminal(window, view, flow, translations)


def connect_terminal(
    terminal: RatingTerminal,
    settings: RatingSettings,
    office: str,
    client: ClientSession | None = None,
) -> RatingController:
    if client is None:
        # Always from a snapshot: it names the workplace and who sits there.
        client = ClientSession(settings.server, settings.token, office, lang=settings.lang)
    session = QtSession(client, None)
    extras = OknoExtras(settings.server, settings.token, settings.lang)
    controller = RatingController(
        terminal.flow, terminal.view, terminal.translations, session, extras
    )
    terminal.controller = controller
    return controller


def sample_visit(flow: RatingFlow, show: str, lang: str) -> None:
    """Put the flow on `show` with a made-up visit (screenshots without a server)."""
    flow.workplace = flow.workplace or "1"
    flow.workplace_name = flow.workplace_name or {"ru": "Окно 1", "en": "Window 1"}
    flow.operator_name = flow.operator_name or "Ирина Смирнова"
    if show == "idle":
        return
    request = RatingRequested(
        ticket=1,
        number="А042",
        service="registration",
        workplace=flow.workplace,
        operator="op1",
        lang=Lang(lang),
        effort=show == "effort",
    )
    flow.on_requested(request)
    if show == "reasons":
        flow.tap_score(2)
        flow.toggle_reason(RatingReason.LONG_WAIT)
    elif show == "effort" or show == "thanks":
        flow.tap_score(5)


async def find_office(settings: RatingSettings) -> str:
    if settings.office:
        return settings.office
    failures = 0
    while True:
        try:
            return await discover_office(settings.server, settings.token)
        except ConnectionLost as exc:
            failures += 1
            delay = backoff_delay(failures, 0.5, 15.0, random.random)
            logger.warning("server not reachable (%s); retrying in %.1f s", exc, delay)
            await asyncio.sleep(delay)


async def rating_main(app: QApplication, settings: RatingSettings, show: str | None) -> int:
    """Run the terminal until the administrator unlocks it (or the screenshot is taken)."""
    terminal = build_terminal(app, settings)
    done = asyncio.Event()
    terminal.window.unlocked.connect(done.set)
    app.lastWindowClosed.connect(done.set)
    terminal.window.show_app()
    if show is not None and settings.screenshot is not None:
        sample_visit(terminal.flow, show, settings.lang)
        controller = RatingController(
            terminal.flow, terminal.view, terminal.translations, None, None
        )
        controller.render()
        await screenshot_when_ready(terminal.window, settings.screenshot, asyncio.Event(), 0.3)
        return 0
    try:
        office = await find_office(settings)
    except (SessionRefused, ProtocolError) as exc:
        logger.error("the server refused the terminal's token: %s", exc)
        terminal.view.banner.set_state(ConnectionState.REFUSED)
        if settings.screenshot is not None:
            await screenshot_when_ready(terminal.window, settings.screenshot, asyncio.Event(), 0.1)
            return 3
        await done.wait()
        return 3
    controller = connect_terminal(terminal, settings, office)
    controller.start()
    try:
        if settings.screenshot is not None:
            await screenshot_when_ready(
                terminal.window, settings.screenshot, controller.ready, settings.screenshot_after
            )
            return 0
        await done.wait()
        return 0
    finally:
        await controller.close()
