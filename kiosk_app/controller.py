"""Joins the kiosk's flow, its view, the server session, the printer and the scanner.

Views emit taps; `_on_*` callbacks feed the flow, start the server calls as tasks on the qasync
loop and render the result. The printer runs in a worker thread (it may block for seconds).
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QKeyEvent, QPixmap
from PySide6.QtWidgets import QApplication

from hardware.printer import PrinterError, TicketData, TicketPrinter
from hardware.scanner import ScanDetector, Scanned, Typed
from kiosk_app.api import KioskApi, visitor_detail
from kiosk_app.state import (
    CheckInRequest,
    IssueRequest,
    KioskFlow,
    MenuService,
    Screen,
    build_menu,
    local_time,
)
from kiosk_app.views import KioskView
from kiosk_app.voice import KioskGuide
from qt_common.i18n import Translations
from qt_common.session import QtSession
from qt_common.theme import make_theme
from queue_protocol.client import ConnectionState
from queue_protocol.enums import Lang
from queue_protocol.errors import ConnectionLost, ProblemError, ProtocolError
from queue_protocol.events import Envelope
from queue_protocol.messages import Snapshot
from queue_protocol.models import IssuedTicket, LocalizedText, ServicesResponse
from queue_protocol.payloads import (
    ConfigChanged,
    DayReset,
    OfficeInfo,
    QueueChanged,
    ServiceQueueState,
)

__all__ = ["KioskController"]

logger = logging.getLogger("okno.kiosk")

SERVICES_REFRESH_SECONDS = 60.0  # opening hours change with time, not with events


class KioskController(QObject):
    """The kiosk at work. `start()` on the running loop; `await close()` at the end."""

    def __init__(
        self,
        app: QApplication,
        flow: KioskFlow,
        view: KioskView,
        session: QtSession,
        api: KioskApi,
        printer: TicketPrinter | None,
        translations: Translations,
        *,
        disable_unserved: bool = True,
        office_cache: Path | None = None,
        guide: KioskGuide | None = None,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.app = app
        self.flow = flow
        self.view = view
        self.session = session
        self.api = api
        self.printer = printer
        self.translations = translations
        self.disable_unserved = disable_unserved
        self.guide = guide
        self._wall_clock = wall_clock
        self._monotonic = monotonic
        self.services: ServicesResponse | None = None
        self.office_name = LocalizedText(ru=session.client.office)
        self.office_zone: tzinfo | None = None
        self.office_cache = office_cache
        self._load_office_cache()
        self.unserved: set[str] = set()
        self.exhausted: set[str] = set()
        self.ready = asyncio.Event()  # the menu (or the unavailable screen) is on the screen
        self.tasks: set[asyncio.Task[Any]] = set()
        self._detector = ScanDetector()
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._on_tick)
        self._scan_timer = QTimer(self)
        self._scan_timer.setInterval(50)
        self._scan_timer.timeout.connect(self._on_scan_poll)
        self._last_services_fetch = -SERVICES_REFRESH_SECONDS
        self._connect_view()
        session.snapshot_received.connect(self._on_snapshot)
        session.event_received.connect(self._on_event)
        session.connection_changed.connect(self._on_connection)
        session.refused.connect(self._on_refused)

    def _connect_view(self) -> None:
        v = self.view
        v.category_tapped.connect(self._on_category)
        v.service_tapped.connect(self._on_service)
        v.priority_tapped.connect(self._on_priority)
        v.priority_continue_tapped.connect(self._on_priority_continue)
        v.check_in_tapped.connect(self._on_check_in)
        v.key_pressed.connect(self._on_key)
        v.back_tapped.connect(self._on_back)
        v.home_tapped.connect(self._on_home)
        v.lang_tapped.connect(self._on_lang)
        v.large_text_tapped.connect(self._on_large_text)
        v.contrast_tapped.connect(self._on_contrast)

    # -- life --------------------------------------------------------------------------------------

    def start(self) -> None:
        """Show the first screen and start following the office."""
        self.apply_look()
        self.flow.set_connected(False)
        self.render(by_visitor=False)
        self.session.start()
        self._timer.start()
        self._scan_timer.start()
        self.app.installEventFilter(self)

    async def close(self) -> None:
        self._timer.stop()
        self._scan_timer.stop()
        self.app.removeEventFilter(self)
        for task in list(self.tasks):
            task.cancel()
        try:
            if self.tasks:
                await asyncio.wait(self.tasks)
            await self.session.close()
            await self.api.close()
        finally:
            # Whatever failed above, the app's translator and voice go with it.
            if self.guide is not None:
                self.guide.close()
            self.translations.uninstall()

    def spawn(self, coroutine: Coroutine[Any, Any, object], name: str) -> None:
        """Run a server call in the background; its errors are logged, never lost."""
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("task %s failed", task.get_name(), exc_info=task.exception())

    def render(self, by_visitor: bool = True) -> None:
        """Draw the flow's screen; with spoken guidance on, say what is new on it when the
        visitor's action (not a timer, the connection or a menu update) brought it."""
        self.view.show_flow(self.flow)
        if self.guide is not None:
            self.guide.screen_shown(self.flow, by_visitor)

    def apply_look(self) -> None:
        """Language, text size and colours as the flow wants them now; the server answers
        refusals in the same language (Accept-Language)."""
        self.translations.switch(self.flow.lang)
        self.session.client.lang = Lang.EN if self.flow.lang == "en" else Lang.RU
        theme = make_theme(self.flow.large_text, self.flow.high_contrast)
        self.app.setStyleSheet(theme.style_sheet())

    # -- the office ----------------------------------------------------------------------------

    async def refresh_services(self) -> None:
        """Fetch the menu (start, config.changed, every minute for opening hours)."""
        self._last_services_fetch = self._monotonic()
        try:
            self.services = await self.session.client.services()
        except ConnectionLost as exc:
            logger.info("services not fetched: %s", exc)
            return
        except ProblemError as exc:
            logger.error("the server refused the services list: %s", exc)
            return
        except ProtocolError as exc:
            logger.error("the services list was not understood: %s", exc)
            return
        self.rebuild_menu()

    async def refresh_queue(self) -> None:
        """Who serves what now (after a resume, when no snapshot told us)."""
        try:
            answer = await self.session.client.queue()
        except (ConnectionLost, ProblemError, ProtocolError) as exc:
            logger.info("queue not fetched: %s", exc)
            return
        self.unserved = {s.service for s in answer.services if s.estimate_minutes is None}
        self.rebuild_menu()

    def rebuild_menu(self) -> None:
        if self.services is None:
            return
        now_local = local_time(self._wall_clock(), self.office_zone)
        menu = build_menu(
            self.services,
            self.office_name,
            now_local,
            unserved=self.unserved if self.disable_unserved else (),
            exhausted=self.exhausted,
        )
        self.flow.set_menu(menu)
        if self.flow.screen not in {Screen.ISSUING, Screen.TICKET}:
            self.render(by_visitor=False)
        if self.flow.connected:
            self.ready.set()

    def _load_office_cache(self) -> None:
        """The office's name and zone from the last snapshot of an earlier run: a resumed
        session gets no snapshot, and the kiosk must still greet visitors by the office name."""
        if self.office_cache is None:
            return
        try:
            office = json.loads(self.office_cache.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            logger.warning("ignoring the office cache %s: %s", self.office_cache, exc)
            return
        self._take_office(office)

    def _take_office(self, office: object) -> None:
        """The office's name and zone, from a snapshot or the cache file (raw JSON there)."""
        try:
            info = OfficeInfo.model_validate(office)
        except ValidationError as exc:
            logger.warning("office data not understood: %s", exc.errors(include_url=False))
            return
        self.office_name = info.name
        try:
            self.office_zone = ZoneInfo(info.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            logger.warning("unknown office time zone %r", info.timezone)

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        try:
            data = snapshot.payload
        except ProtocolError as exc:  # the session checks snapshots; this is a second guard
            logger.error("snapshot not understood: %s", exc)
            return
        office = data.office.to_json()
        self._take_office(office)
        if self.office_cache is not None:
            try:
                self.office_cache.parent.mkdir(parents=True, exist_ok=True)
                self.office_cache.write_text(json.dumps(office), encoding="utf-8")
            except OSError as exc:
                logger.warning("cannot write the office cache: %s", exc)
        self._take_queue(data.services)
        self.rebuild_menu()

    def _take_queue(self, services: Sequence[ServiceQueueState]) -> None:
        self.unserved = {s.service for s in services if s.estimate_minutes is None}

    def _on_event(self, event: Envelope) -> None:
        # Typed payloads: what the kiosk does not act on (the `filtered` placeholder of an event
        # out of its scope, a type of a newer server: an UnknownPayload) is ignored.
        payload = event.payload
        if isinstance(payload, QueueChanged):
            before = set(self.unserved)
            self._take_queue(payload.services)
            if before != self.unserved:
                self.rebuild_menu()
        elif isinstance(payload, ConfigChanged):
            self.spawn(self.refresh_services(), "services")
        elif isinstance(payload, DayReset):
            self.exhausted.clear()
            self.spawn(self.refresh_services(), "services")

    def _on_connection(self, state: str) -> None:
        connection = ConnectionState(state)
        self.view.banner.set_state(connection)
        live = connection is ConnectionState.LIVE
        was = self.flow.connected
        self.flow.set_connected(live)
        if live and not was:
            self.spawn(self.refresh_services(), "services")
            self.spawn(self.refresh_queue(), "queue")
            request = self.flow.retry_request()
            if request is not None:
                self.spawn(self.issue(request), "issue-retry")
            checking = self.flow.retry_check_in()
            if checking is not None:
                self.spawn(self.check_in(checking), "check-in-retry")
        if connection in {ConnectionState.RECONNECTING, ConnectionState.REFUSED}:
            self.ready.set()  # the unavailable screen is what there is to see
        self.render(by_visitor=False)

    def _on_refused(self, detail: str) -> None:
        logger.error("device token refused (%s): an administrator must issue a new one", detail)
        self.flow.set_refused()
        self.render(by_visitor=False)
        self.ready.set()

    # -- taps --------------------------------------------------------------------------------------

    def _on_category(self, category: str) -> None:
        self.flow.open_category(category)
        self.render()

    def _on_service(self, service: str) -> None:
        request = self.flow.choose_service(service)
        self.render()
        if request is not None:
            logger.info("ticket asked: %s priority=%s", service, request.priority)
            self.spawn(self.issue(request), "issue")

    def _on_priority(self) -> None:
        self.flow.open_priority()
        self.render()

    def _on_priority_continue(self) -> None:
        self.flow.open_category(None)
        self.render()

    def _on_check_in(self) -> None:
        self.flow.open_check_in()
        self.render()

    def _on_key(self, key: str) -> None:
        code = self.flow.key(key)
        self.render()
        if code is not None:
            self.start_check_in(code)

    def _on_back(self) -> None:
        self.flow.back()
        self.render()

    def _on_home(self) -> None:
        self.flow.touch()
        self.flow.go_home()
        self.render()

    def _on_lang(self) -> None:
        self.flow.set_lang("en" if self.flow.lang == "ru" else "ru")
        self.apply_look()
        self.render()

    def _on_large_text(self) -> None:
        self.flow.toggle_large_text()
        self.apply_look()
        self.render()

    def _on_contrast(self) -> None:
        self.flow.toggle_high_contrast()
        self.apply_look()
        self.render()

    def _on_tick(self) -> None:
        if self.flow.tick():
            self.apply_look()
            self.render(by_visitor=False)
        if self._monotonic() - self._last_services_fetch >= SERVICES_REFRESH_SECONDS:
            self.spawn(self.refresh_services(), "services")

    # -- tickets -----------------------------------------------------------------------------------

    async def issue(self, request: IssueRequest) -> None:
        """Ask the server for the ticket (same key on every retry), then print it."""
        try:
            ticket = await self.session.client.issue_ticket(
                request.service, request.priority, request.lang, idempotency_key=request.key
            )
        except ProblemError as exc:
            logger.info("ticket refused: %s %s", exc.code, exc.detail)
            if exc.code == "daily_limit_reached":
                self.exhausted.add(request.service)
            self.flow.issue_refused(request, exc.code, visitor_detail(exc))
            self.render()
            if exc.code in {"service_closed", "daily_limit_reached", "unknown_service"}:
                await self.refresh_services()
            return
        except ConnectionLost as exc:
            logger.warning("no answer to the ticket request (will retry the same key): %s", exc)
            self.flow.issue_lost(request)
            self.view.banner.set_state(ConnectionState.RECONNECTING)
            self.render()
            return
        except ProtocolError as exc:
            logger.error("the ticket answer was not understood: %s", exc)
            self.flow.issue_not_understood(request, str(exc))
            self.render()
            return
        logger.info("ticket %s issued for %s", ticket.number, request.service)
        self.flow.issued(request, ticket)
        self.view.qr_pixmap = None
        self.render()
        await self.print(ticket, request.lang, request.key)

    def ticket_data(self, ticket: IssuedTicket, visitor_lang: str) -> TicketData:
        """What the paper says, in the visitor's language."""
        lang: Literal["ru", "en"] = "en" if visitor_lang == "en" else "ru"
        service = self.service_of(ticket.service)
        footer = (
            "Thank you! Watch the display board for your call."
            if lang == "en"
            else "Спасибо! Следите за вызовом на табло."
        )
        return TicketData(
            office_name=self.office_name.get(lang),
            service_name=service.name.get(lang) if service else ticket.service,
            number=ticket.number,
            issued_at=local_time(ticket.issued_at, self.office_zone).replace(tzinfo=None),
            ahead=ticket.ahead,
            estimate_minutes=ticket.estimate_minutes,
            documents=[d.get(lang) for d in service.documents] if service else [],
            status_url=ticket.status_url,
            footer=footer,
            lang=lang,
        )

    def service_of(self, service_id: str) -> MenuService | None:
        """A service by id: from the menu, else (a booked service the kiosk does not offer for
        walk-ins) from the office's whole list, so its ticket still names it."""
        menu = self.flow.menu
        if menu is not None and service_id in menu.services:
            return menu.services[service_id]
        for view in self.services.services if self.services is not None else ():
            if view.id == service_id:
                return MenuService(
                    id=view.id,
                    name=view.name,
                    description=view.description,
                    documents=tuple(view.documents),
                    category=view.category,
                    hours=view.hours,
                )
        return None

    async def print(self, ticket: IssuedTicket, lang: str, key: str) -> None:
        """Print in a worker thread; on failure show the ticket with its QR and alert (`key`:
        the request's idempotency key, from which the alert's is made)."""
        data = self.ticket_data(ticket, lang)
        problem: PrinterError | None = None
        if self.printer is None:
            problem = PrinterError("Принтер не настроен.", "No printer is configured.")
        else:
            try:
                await asyncio.to_thread(self.printer.print_ticket, data)
            except PrinterError as exc:
                problem = exc
        if problem is None:
            self.flow.printed(True)
        else:
            logger.error("ticket %s not printed: %s", ticket.number, problem.message_en)
            self.view.qr_pixmap = qr_pixmap(ticket.status_url)
            self.flow.printed(False, problem.message_en)
            if self.printer is not None:
                code = type(problem).__name__
                alert = self.api.alert("printer", code, problem.message_en, f"{key}:alert")
                self.spawn(alert, "alert")
        if self.flow.ticket is not None and self.flow.ticket.ticket.number == ticket.number:
            self.render()

    # -- booking check-in --------------------------------------------------------------------------

    def start_check_in(self, code: str) -> None:
        """Send `code` (typed or scanned) unless a ticket or check-in is under way."""
        request = self.flow.start_check_in(code)
        self.render()
        if request is not None:
            self.spawn(self.check_in(request), "check-in")

    async def check_in(self, request: CheckInRequest) -> None:
        """Ask the server to check the booking in; print its ticket as a walk-in one."""
        try:
            result = await self.api.check_in(request)
        except ConnectionLost as exc:
            logger.warning("no answer to the check-in (will retry the same key): %s", exc)
            self.flow.check_in_lost(request)
            self.view.banner.set_state(ConnectionState.RECONNECTING)
            self.render()
            return
        service = self.service_of(result.ticket.service) if result.ticket is not None else None
        self.flow.checked_in(request, result, self.office_zone, service)
        self.render()
        if result.ticket is not None:
            logger.info("checked in: ticket %s", result.ticket.number)
            self.view.qr_pixmap = None
            await self.print(result.ticket, request.lang, request.key)

    # -- the scanner (a keyboard wedge) ----------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.isAutoRepeat():
            return True
        now = event.timestamp() / 1000.0 if event.timestamp() else self._monotonic()
        text = event.text()
        if event.key() in (0x01000004, 0x01000005):  # Return, Enter
            self._take_scan(self._detector.feed_enter(now))
            return True
        if text and text.isprintable():
            self._take_typed(self._detector.feed(text, now))
            return True
        return False

    def feed_scanner(self, text: str, start: float, gap: float = 0.005) -> None:
        """Feed a burst as the scanner would type it (for tests, the bench and support)."""
        moment = start
        for char in text:
            self._take_typed(self._detector.feed(char, moment))
            moment += gap
        self._take_scan(self._detector.feed_enter(moment))

    def _take_scan(self, result: Scanned | Typed) -> None:
        if isinstance(result, Scanned):
            code = self.flow.scanned(result.code)
            self.render()
            if code is not None:
                self.start_check_in(code)
        else:
            self._take_typed(result)

    def _take_typed(self, typed: Typed | None) -> None:
        # A person typing on a keyboard attached to the kiosk: only the check-in screen takes it.
        if typed is None or self.flow.screen is not Screen.CHECK_IN:
            return
        for char in typed.text:
            self.flow.key(char)
        code = self.flow.key("\n") if typed.enter else None
        self.render()
        if code is not None:
            self.start_check_in(code)

    def _on_scan_poll(self) -> None:
        self._take_typed(self._detector.poll(self._monotonic()))


def qr_pixmap(url: str, size: int = 360) -> QPixmap:
    """The status-page QR as a pixmap for the screen."""
    from hardware.printer.escpos_printer import qr_image

    buffer = io.BytesIO()
    qr_image(url, 10).save(buffer, format="PNG")
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap.scaled(size, size)
