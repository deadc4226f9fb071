"""The announcer: queues calls and plays chime + phrase(s) one after another, never overlapping.

Every step runs on the injected clock's thread (`ThreadClock`, `QtClock`, or `FakeClock` in tests)
and waits for the player's `on_finished` before the next sound, so two sounds never overlap and
a call made while another is playing waits its turn instead of being dropped.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hardware.speech.clock import Clock
from hardware.speech.errors import SpeechError
from hardware.speech.phrases import Call, Lang, call_phrase
from hardware.speech.players import Player
from hardware.speech.synth import RenderedPhrase

__all__ = ["Announcer", "PhraseRenderer"]

logger = logging.getLogger("okno.speech")


class PhraseRenderer(Protocol):
    """Renders text to a WAV off the caller's thread (`Synthesizer` or a test fake)."""

    def render(self, text: str, lang: str | None = None) -> Future[RenderedPhrase]:
        """Start rendering; the future holds the WAV or a SpeechError."""
        ...


@dataclass
class _Pending:
    call: Call
    phrases: list[Future[RenderedPhrase]]
    on_finished: Callable[[], None] | None = None


class Announcer:
    """Announce calls in order: chime, then the phrase in each language, then a short pause.

    `announce()` may be called from any thread; rendering starts at once (on the synthesizer's
    thread), so by the time the chime ends the phrase is usually ready.
    """

    def __init__(
        self,
        renderer: PhraseRenderer,
        player: Player,
        clock: Clock,
        *,
        languages: Sequence[Lang] = ("ru",),
        chime: Path | None = None,
        pause: float = 0.6,
    ) -> None:
        self.renderer = renderer
        self.player = player
        self.clock = clock
        self.languages = tuple(languages)
        self.chime = chime
        self.pause = pause
        self._queue: deque[_Pending] = deque()
        self._lock = threading.Lock()
        self._busy = False
        self._finished: Callable[[], None] | None = None

    @property
    def waiting(self) -> int:
        """Calls queued and not yet started."""
        with self._lock:
            return len(self._queue)

    @property
    def busy(self) -> bool:
        """Whether a call is being announced now."""
        with self._lock:
            return self._busy

    def announce(
        self,
        call: Call,
        languages: Sequence[Lang] | None = None,
        on_finished: Callable[[], None] | None = None,
    ) -> None:
        """Queue `call`; it is announced after every call queued before it.

        `languages` overrides the announcer's for this call; `on_finished` runs on the clock's
        thread once the call (and its pause) is over, spoken or not.
        """
        langs = self.languages if languages is None else tuple(languages)
        phrases = [self.renderer.render(call_phrase(call, lang), lang) for lang in langs]
        with self._lock:
            self._queue.append(_Pending(call, phrases, on_finished))
        logger.info("call %s -> %s %s queued", call.number, call.kind.value, call.workplace)
        self.clock.call_later(0, self._next_call)

    # --- steps, all on the clock's thread ------------------------------------------------------

    def _next_call(self) -> None:
        with self._lock:
            if self._busy or not self._queue:
                return
            self._busy = True
            pending = self._queue.popleft()
        sounds: list[Future[RenderedPhrase] | Path] = []
        if self.chime is not None:
            sounds.append(self.chime)
        sounds.extend(pending.phrases)
        self._finished = pending.on_finished
        self._play_sounds(pending.call, deque(sounds))

    def _play_sounds(self, call: Call, sounds: deque[Future[RenderedPhrase] | Path]) -> None:
        if not sounds:
            self.clock.call_later(self.pause, self._call_done)
            return
        sound = sounds.popleft()

        def after_play() -> None:
            self.clock.call_later(0, lambda: self._play_sounds(call, sounds))

        if isinstance(sound, Path):
            self.player.play(sound, after_play)
            return
        if not sound.done():
            # Not rendered yet: come back on the clock's thread when it is, then play it.
            def retry(_: Future[RenderedPhrase]) -> None:
                sounds.appendleft(sound)
                self.clock.call_later(0, lambda: self._play_sounds(call, sounds))

            sound.add_done_callback(retry)
            return
        try:
            rendered = sound.result()
        except SpeechError as error:
            logger.error("call %s not spoken: %s (%s)", call.number, error.message_en, error.detail)
            self._play_sounds(call, sounds)
            return
        except Exception:  # the board goes on showing calls; the next call must still be spoken
            logger.exception("call %s not spoken", call.number)
            self._play_sounds(call, sounds)
            return
        self.player.play(rendered.path, after_play)

    def _call_done(self) -> None:
        finished, self._finished = self._finished, None
        with self._lock:
            self._busy = False
        if finished is not None:
            try:
                finished()
            except Exception:  # the caller's hook must not stop later announcements
                logger.exception("on_finished of an announcement failed")
        self._next_call()
