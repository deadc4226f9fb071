"""Spoken guidance at the kiosk (`speech: true`, off by default): a short sentence on each main
screen and the ticket number read aloud ("Ваш талон А 42"), in the visitor's language.

- `GuideCues` (no Qt) decides when to speak: when the screen (or its language, ticket, notice)
  changed because of the visitor. An idle reset, the connection coming back or a menu update
  says nothing, so an empty lobby stays quiet.
- `GuideSpeaker` plays one phrase at a time through `hardware.speech` (the Synthesizer renders
  on its one worker thread into cached WAVs; a player plays them). A phrase that comes while
  another plays waits; a newer one replaces it, so the kiosk never talks about a screen the
  visitor has left. It never raises: without a speech engine or voice it logs once and falls
  silent.
- `KioskGuide` words the cues with `tr()` (translated like every kiosk text).

`build_guide` picks the sound device; without one it logs once and returns None (no guidance).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from PySide6.QtCore import QObject

from hardware.speech.announcer import PhraseRenderer
from hardware.speech.clock import Clock
from hardware.speech.errors import SpeechEngineUnavailable, SpeechError, VoiceMissing
from hardware.speech.phrases import spoken_number
from hardware.speech.players import Player
from hardware.speech.synth import RenderedPhrase
from kiosk_app.state import KioskFlow, Notice, Screen

__all__ = ["Cue", "GuideCues", "GuideSpeaker", "KioskGuide", "build_guide", "cue_of"]

logger = logging.getLogger("okno.kiosk")

# screens that have something to say
SPOKEN_SCREENS = frozenset(
    {
        Screen.HOME,
        Screen.CATEGORY,
        Screen.PRIORITY,
        Screen.CHECK_IN,
        Screen.TICKET,
        Screen.NOTICE,
        Screen.OFFICE_CLOSED,
    }
)


class Closable(Protocol):
    def close(self) -> None: ...


@dataclass(frozen=True)
class Cue:
    """What the kiosk would say now; a change of any field is something new to say."""

    screen: Screen
    lang: str
    number: str | None = None  # the ticket on the ticket screen
    not_printed: bool = False  # its printing failed
    notice: Notice | None = None


def cue_of(flow: KioskFlow) -> Cue:
    """The cue of the flow's present screen."""
    if flow.screen is Screen.TICKET and flow.ticket is not None:
        return Cue(
            flow.screen,
            flow.lang,
            number=flow.ticket.ticket.number,
            not_printed=flow.ticket.printed is False,
        )
    if flow.screen is Screen.NOTICE:
        return Cue(flow.screen, flow.lang, notice=flow.notice)
    return Cue(flow.screen, flow.lang)


class GuideCues:
    """Remembers the last cue shown; `next` gives a cue to speak, or None."""

    def __init__(self) -> None:
        self._last: Cue | None = None

    def next(self, flow: KioskFlow, by_visitor: bool) -> Cue | None:
        """The cue to speak after a render: a new one, caused by the visitor, with words."""
        cue = cue_of(flow)
        if cue == self._last:
            return None
        self._last = cue
        if not by_visitor or cue.screen not in SPOKEN_SCREENS:
            return None
        return cue


class GuideSpeaker:
    """Plays phrases one at a time, the newest waiting one next; every step runs on `clock`.

    `say` may be called from any thread. Errors are logged, never raised.
    """

    def __init__(self, renderer: PhraseRenderer, player: Player, clock: Clock) -> None:
        self.renderer = renderer
        self.player = player
        self.clock = clock
        self._lock = threading.Lock()
        self._pending: tuple[str, Future[RenderedPhrase]] | None = None
        self._busy = False
        self.silent = False  # no engine or voice: said once in the log, then nothing is tried

    def say(self, text: str, lang: str) -> None:
        """Queue `text` in `lang` (replacing a phrase still waiting)."""
        if self.silent:
            return
        try:
            future = self.renderer.render(text, lang)
        except Exception:  # a broken renderer must not take the kiosk down
            logger.exception("spoken guidance: cannot render %r", text)
            return
        with self._lock:
            self._pending = (text, future)
        self.clock.call_later(0, self._next)

    def _next(self) -> None:
        with self._lock:
            if self._busy or self._pending is None or self.silent:
                return
            self._busy = True
            text, future = self._pending
            self._pending = None
        if future.done():
            self._play(text, future)
        else:
            future.add_done_callback(
                lambda done: self.clock.call_later(0, lambda: self._play(text, done))
            )

    def _play(self, text: str, future: Future[RenderedPhrase]) -> None:
        try:
            rendered = future.result()
        except (SpeechEngineUnavailable, VoiceMissing) as error:
            self._go_silent(f"{error.message_en} ({error.detail})")
            self._done()
            return
        except SpeechError as error:
            logger.error("spoken guidance: %r not spoken: %s", text, error.message_en)
            self._done()
            return
        except Exception:
            logger.exception("spoken guidance: %r not spoken", text)
            self._done()
            return
        try:
            self.player.play(rendered.path, lambda: self.clock.call_later(0, self._done))
        except Exception:
            logger.exception("spoken guidance: the player failed on %s", rendered.path.name)
            self._done()

    def _go_silent(self, reason: str) -> None:
        with self._lock:
            already, self.silent = self.silent, True
            self._pending = None
        if not already:
            logger.warning("spoken guidance is off: %s", reason)

    def _done(self) -> None:
        with self._lock:
            self._busy = False
        self._next()


class Sayer(Protocol):
    def say(self, text: str, lang: str) -> None: ...


class KioskGuide(QObject):
    """Speaks each new screen's guidance; the texts are `tr()` strings of this class."""

    def __init__(
        self,
        speaker: Sayer,
        notice_title: Callable[[Notice], str],
        closers: tuple[Closable, ...] = (),
    ) -> None:
        super().__init__()
        self.speaker = speaker
        self.notice_title = notice_title
        self.cues = GuideCues()
        self._closers = closers

    def screen_shown(self, flow: KioskFlow, by_visitor: bool) -> None:
        """Call after every render (the translator is already in the flow's language)."""
        cue = self.cues.next(flow, by_visitor)
        if cue is None:
            return
        text = self.phrase(cue)
        if text:
            self.speaker.say(text, cue.lang)

    def phrase(self, cue: Cue) -> str:
        """The sentence for `cue` in the present language."""
        lang: Literal["ru", "en"] = "en" if cue.lang == "en" else "ru"
        if cue.screen is Screen.TICKET and cue.number is not None:
            number = spoken_number(cue.number, lang)
            if cue.not_printed:
                return self.tr(
                    "Your ticket could not be printed. Your number is %1. "
                    "Please tell the administrator."
                ).replace("%1", number)
            return self.tr("Your ticket %1").replace("%1", number)
        if cue.screen is Screen.NOTICE:
            return self.notice_title(cue.notice) if cue.notice is not None else ""
        texts = {
            Screen.HOME: self.tr("Choose what you have come for on the screen."),
            Screen.CATEGORY: self.tr("Choose the service."),
            Screen.PRIORITY: self.tr("Priority visitors. If this is you, tap Continue."),
            Screen.CHECK_IN: self.tr(
                "Type the code from your booking, or hold its QR code to the scanner."
            ),
            Screen.OFFICE_CLOSED: self.tr("The office is closed now."),
        }
        return texts.get(cue.screen, "")

    def close(self) -> None:
        for closer in self._closers:
            try:
                closer.close()
            except Exception:
                logger.exception("closing the guidance's %s failed", type(closer).__name__)


def _default_player() -> Player:
    from hardware.config import PlayerKind
    from hardware.speech import make_player

    return make_player(PlayerKind.AUTO)


def build_guide(
    notice_title: Callable[[Notice], str],
    cache_dir: Path | None = None,
    player_factory: Callable[[], Player] = _default_player,
) -> KioskGuide | None:
    """The guidance on the default sound device (Qt Multimedia, else aplay); None, with one
    log line, when there is no sound device or speech cannot start."""
    try:
        from hardware.config import SpeechSettings
        from hardware.speech import NullPlayer, Synthesizer
        from hardware.speech.qt import QtClock

        player = player_factory()
        if isinstance(player, NullPlayer):
            logger.warning("spoken guidance is off: %s", player.reason)
            return None
        settings = SpeechSettings(language="ru")
        if cache_dir is not None:
            settings = settings.model_copy(update={"cache_dir": cache_dir})
        synthesizer = Synthesizer(settings)
        speaker = GuideSpeaker(synthesizer, player, QtClock())
    except Exception as error:  # guidance is a help, never a reason for the kiosk to stop
        logger.warning("spoken guidance is off: %s: %s", type(error).__name__, error)
        return None
    logger.info("spoken guidance through %s", player.name)
    return KioskGuide(speaker, notice_title, closers=(synthesizer, player))
