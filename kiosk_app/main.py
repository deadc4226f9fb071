"""The kiosk's composition root: settings → printer → window → office → session → controller."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication

from hardware.printer import TicketPrinter
from kiosk_app.api import KioskApi
from kiosk_app.controller import KioskController
from kiosk_app.settings import KioskSettings
from kiosk_app.state import KioskFlow
from kiosk_app.views import KioskView
from kiosk_app.voice import KioskGuide
from qt_common.app import discover_office, screenshot_when_ready
from qt_common.i18n import Translations
from qt_common.kiosk_window import KioskWindow
from qt_common.session import QtSession, read_saved_seq
from qt_common.theme import make_theme
from queue_protocol.client import ClientSession, backoff_delay
from queue_protocol.errors import ConnectionLost, ProtocolError, SessionRefused

__all__ = ["TRANSLATIONS_DIR", "Kiosk", "build_kiosk", "kiosk_main"]

logger = logging.getLogger("okno.kiosk")

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
PORTRAIT = QSize(1080, 1920)
LANDSCAPE = QSize(1920, 1080)


@dataclass
class Kiosk:
    """The built kiosk (tests and tools drive it through these)."""

    window: KioskWindow
    view: KioskView
    flow: KioskFlow
    translations: Translations
    controller: KioskController | None = None


def window_size(settings: KioskSettings, app: QApplication) -> tuple[QSize, bool]:
    """(size, portrait): fixed sizes for portrait/landscape, else the screen's."""
    if settings.screen_size is not None:
        size = QSize(*settings.screen_size)
    elif settings.orientation == "portrait":
        size = PORTRAIT
    elif settings.orientation == "landscape":
        size = LANDSCAPE
    else:
        screen = app.primaryScreen()
        size = screen.size() if screen is not None else LANDSCAPE
    portrait = settings.orientation == "portrait" or (
        settings.orientation == "auto" and size.height() > size.width()
    )
    return size, portrait


def build_kiosk(app: QApplication, settings: KioskSettings) -> Kiosk:
    """The window and the flow, before any server is known (they show "connecting")."""
    size, portrait = window_size(settings, app)
    kiosk_mode = not settings.windowed and settings.screenshot is None
    window = KioskWindow(kiosk_mode, settings.admin_pin, time.monotonic, size)
    view = KioskView(portrait)
    window.setCentralWidget(view)
    flow = KioskFlow(
        time.monotonic,
        default_lang=settings.lang,
        idle_seconds=settings.idle_seconds,
        ticket_seconds=settings.ticket_seconds,
    )
    flow.large_text = settings.large_text
    flow.high_contrast = settings.high_contrast
    translations = Translations(app, TRANSLATIONS_DIR, "okno_kiosk")
    translations.switch(settings.lang)
    app.setStyleSheet(make_theme(settings.large_text, settings.high_contrast).style_sheet())
    view.show_flow(flow)
    window.watch_corner(app)
    return Kiosk(window, view, flow, translations)


async def find_office(settings: KioskSettings) -> str:
    """The configured office, or the token's office asked from the server (retrying while it
    cannot be reached). Raises SessionRefused / ProtocolError."""
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


def connect_kiosk(
    app: QApplication,
    kiosk: Kiosk,
    settings: KioskSettings,
    office: str,
    printer: TicketPrinter | None,
    client: ClientSession | None = None,
    guide: KioskGuide | None = None,
) -> KioskController:
    """The session, API and controller for `office`; call `controller.start()` next.

    With `settings.speech` (and no `guide` given) the spoken guidance is built on the default
    sound device; without one it is off, said once in the log.
    """
    state_file = settings.state_path()
    if client is None:
        client = ClientSession(
            settings.server, settings.token, office, since=read_saved_seq(state_file, office)
        )
    session = QtSession(client, state_file)
    api = KioskApi(settings.server, settings.token, office)
    if guide is None and settings.speech:
        from kiosk_app.voice import build_guide

        guide = build_guide(lambda notice: kiosk.view.notice_texts(notice)[0])
    controller = KioskController(
        app,
        kiosk.flow,
        kiosk.view,
        session,
        api,
        printer,
        kiosk.translations,
        disable_unserved=settings.disable_unserved,
        office_cache=state_file.with_name(state_file.stem + ".office.json"),
        guide=guide,
    )
    kiosk.controller = controller
    return controller


async def kiosk_main(
    app: QApplication, settings: KioskSettings, printer: TicketPrinter | None
) -> int:
    """Run the kiosk until the administrator unlocks it (or the screenshot is taken)."""
    kiosk = build_kiosk(app, settings)
    done = asyncio.Event()
    kiosk.window.unlocked.connect(done.set)
    app.lastWindowClosed.connect(done.set)
    kiosk.window.show_app()
    try:
        office = await find_office(settings)
    except SessionRefused as exc:
        logger.error("the server refused the kiosk's token: %s", exc)
        kiosk.flow.set_refused()
        kiosk.view.show_flow(kiosk.flow)
        if settings.screenshot is not None:
            await screenshot_when_ready(kiosk.window, settings.screenshot, asyncio.Event(), 0.1)
            return 0
        await done.wait()
        return 3
    except ProtocolError as exc:
        logger.error("the server's answer was not understood: %s", exc)
        return 3
    controller = connect_kiosk(app, kiosk, settings, office, printer)
    controller.start()
    try:
        if settings.screenshot is not None:
            await screenshot_when_ready(
                kiosk.window, settings.screenshot, controller.ready, settings.screenshot_after
            )
            return 0
        await done.wait()
        return 0
    finally:
        await controller.close()
