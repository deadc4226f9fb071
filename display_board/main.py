"""The board's composition root: settings → window and state → voice → office → session."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication

from display_board.settings import DisplaySettings
from display_board.state import BoardState, SystemClock
from display_board.view import BoardView
from display_board.voice import FileRecorder, ObservedRenderer, VoiceDriver, parse_audio, utc_now
from qt_common.app import discover_office, screenshot_when_ready
from qt_common.i18n import Translations
from qt_common.kiosk_window import KioskWindow
from qt_common.session import QtSession
from queue_protocol.client import ClientSession, backoff_delay
from queue_protocol.errors import ConnectionLost, ProblemError, ProtocolError, SessionRefused
from queue_protocol.events import Envelope
from queue_protocol.messages import Snapshot

__all__ = ["Board", "BoardController", "build_board", "build_voice", "display_main"]

logger = logging.getLogger("okno.display")

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
DEFAULT_SIZE = QSize(1920, 1080)


@dataclass
class Voice:
    """The announcer's parts, closed when the board quits."""

    driver: VoiceDriver
    closers: list[object] = field(default_factory=list)

    def close(self) -> None:
        for part in self.closers:
            close = getattr(part, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:  # quitting: log, go on closing the rest
                    logger.exception("closing %s failed", type(part).__name__)


@dataclass
class Board:
    """The built board (tests and tools drive it through these)."""

    window: KioskWindow
    view: BoardView
    state: BoardState
    translations: Translations
    voice: Voice | None = None
    controller: BoardController | None = None


def build_board(app: QApplication, settings: DisplaySettings) -> Board:
    """The window, state and view, before any server is known (they show "connecting")."""
    size = QSize(*settings.screen_size) if settings.screen_size else None
    if size is None:
        screen = app.primaryScreen()
        size = screen.size() if screen is not None and not screen.size().isEmpty() else DEFAULT_SIZE
    kiosk_mode = not settings.windowed and settings.screenshot is None
    window = KioskWindow(kiosk_mode, settings.admin_pin, time.monotonic, size)
    state = BoardState(settings.board_config(), SystemClock())
    view = BoardView(state, settings.lang)
    window.setCentralWidget(view)
    window.setWindowTitle("Okno")
    translations = Translations(app, TRANSLATIONS_DIR, "okno_display")
    translations.switch(settings.lang)
    window.watch_corner(app)
    return Board(window, view, state, translations)


def build_voice(board: Board, settings: DisplaySettings) -> Voice | None:
    """The announcer for `--audio`; None (and the sound-off mark) when nothing can play."""
    from hardware.config import PlayerKind, SpeechSettings
    from hardware.speech import Announcer, NullPlayer, Synthesizer, make_player
    from hardware.speech.chime import write_chime
    from hardware.speech.players import Player
    from hardware.speech.qt import QtClock

    state = board.state
    audio = parse_audio(settings.audio)
    clock = QtClock()
    speech = SpeechSettings(language="ru")
    if settings.speech_cache is not None:
        speech = speech.model_copy(update={"cache_dir": settings.speech_cache})
    recorder: FileRecorder | None = None
    player: Player
    if audio.kind == "file":
        assert audio.directory is not None
        try:
            recorder = FileRecorder(audio.directory, clock, utc_now)
        except OSError as error:
            state.set_sound_off(f"cannot write to {audio.directory}: {error}")
            return None
        player = recorder
    else:
        player = make_player(PlayerKind.AUTO)
        if isinstance(player, NullPlayer):
            state.set_sound_off(player.reason)
            return None
    chime: Path | None = speech.cache_dir / "chime.wav"
    try:
        assert chime is not None
        if not chime.exists():
            write_chime(chime)
    except OSError as error:
        logger.error("cannot write the chime to %s: %s", speech.cache_dir, error)
        chime = None
    synthesizer = Synthesizer(speech)

    def voice_failed(reason: str) -> None:
        # from the synthesizer's thread: the state lives on the GUI thread
        clock.call_later(0, lambda: state.set_sound_off(f"speech engine: {reason}"))

    announcer = Announcer(
        ObservedRenderer(synthesizer, voice_failed), player, clock, chime=chime, pause=0.6
    )
    driver = VoiceDriver(state, announcer, recorder, on_change=board.view.refresh)
    logger.info("announcements through %s", player.name)
    return Voice(driver, [synthesizer, player])


class BoardController:
    """Connects the session's signals to the state, the voice and the view."""

    def __init__(self, board: Board, session: QtSession) -> None:
        self.board = board
        self.session = session
        self.ready = asyncio.Event()
        self._names_task: asyncio.Task[None] | None = None
        self.seen_file: Path | None = None
        session.snapshot_received.connect(self._on_snapshot)
        session.event_received.connect(self._on_event)
        session.connection_changed.connect(self._on_connection)
        session.refused.connect(self._on_refused)

    def start(self) -> None:
        self.session.start()

    async def close(self) -> None:
        await self.session.close()
        if self._names_task is not None:
            self._names_task.cancel()
        if self.board.voice is not None:
            self.board.voice.close()

    def _after_change(self) -> None:
        if self.board.voice is not None:
            self.board.voice.driver.pump()
        self.board.view.update()  # repaint now, not at the next tick

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        self.board.state.apply_snapshot(snapshot.payload)
        self.ready.set()
        self._after_change()

    def _on_event(self, event: Envelope) -> None:
        self.board.state.apply_event(event)
        if self.seen_file is not None:
            try:
                write_seen_until(self.seen_file, event.office, event.at)
            except OSError as error:
                logger.warning("cannot save the last event time to %s: %s", self.seen_file, error)
        if self.board.state.needs_service_names and self._names_task is None:
            self._names_task = asyncio.get_running_loop().create_task(self._reload_names())
        self._after_change()

    def _on_connection(self, state: str) -> None:
        self.board.state.set_connection(state)
        self.board.view.update()

    def _on_refused(self, detail: str) -> None:
        self.board.state.set_refused(detail)
        self.board.view.update()

    async def _reload_names(self) -> None:
        """After `config.changed`: re-read the services' names and prefixes over HTTP."""
        try:
            answer = await self.session.client.services()
        except (ConnectionLost, ProblemError) as error:
            logger.warning("cannot re-read the services after a change: %s", error)
        else:
            self.board.state.update_service_names(
                {s.id: (s.name, s.prefix) for s in answer.services}
            )
            self.board.view.update()
        finally:
            self._names_task = None


async def find_office(settings: DisplaySettings) -> str:
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


def seen_file(settings: DisplaySettings) -> Path:
    """Where the board keeps the time of the last event it handled."""
    state_file = settings.state_path()
    return state_file.with_name(state_file.stem + "-seen.json")


def read_seen_until(path: Path, office: str) -> datetime | None:
    """The saved time of the last event handled for `office`; None when absent or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("office") != office:
            return None
        moment = datetime.fromisoformat(data["at"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return moment if moment.tzinfo is not None else None


def write_seen_until(path: Path, office: str, moment: datetime) -> None:
    """Save atomically (a crash leaves the previous file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps({"office": office, "at": moment.isoformat()}), "utf-8")
    os.replace(temporary, path)


def connect_board(
    board: Board, settings: DisplaySettings, office: str, client: ClientSession | None = None
) -> BoardController:
    """The session and controller for `office`; call `controller.start()` next.

    A board (re)starts from a snapshot, not from its saved seq: a replay alone would leave it
    without the office's name, its services and the calls made before the seq. The time of the
    last event the previous run handled is saved instead, so calls it spoke are not spoken
    again, and calls made while it was off are spoken only when fresh.
    """
    seen = seen_file(settings)
    board.state.seen_until = read_seen_until(seen, office)
    if client is None:
        client = ClientSession(settings.server, settings.token, office, since=None)
    controller = BoardController(board, QtSession(client, settings.state_path()))
    controller.seen_file = seen
    board.controller = controller
    return controller


async def display_main(app: QApplication, settings: DisplaySettings) -> int:
    """Run the board until the administrator unlocks it (or the screenshot is taken)."""
    board = build_board(app, settings)
    board.voice = build_voice(board, settings)
    done = asyncio.Event()
    board.window.unlocked.connect(done.set)
    app.lastWindowClosed.connect(done.set)
    board.window.show_app()
    try:
        office = await find_office(settings)
    except SessionRefused as exc:
        logger.error("the server refused the board's token: %s", exc)
        board.state.set_refused(str(exc))
        board.view.update()
        if settings.screenshot is not None:
            await screenshot_when_ready(board.window, settings.screenshot, asyncio.Event(), 0.1)
            return 3
        await done.wait()
        return 3
    except ProtocolError as exc:
        logger.error("the server's answer was not understood: %s", exc)
        return 3
    controller = connect_board(board, settings, office)
    controller.start()
    try:
        if settings.screenshot is not None:
            await screenshot_when_ready(
                board.window, settings.screenshot, controller.ready, settings.screenshot_after
            )
            return 0
        await done.wait()
        return 0
    finally:
        await controller.close()
