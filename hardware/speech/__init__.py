"""Voice announcements: phrases, the pyttsx3 synthesizer, the chime, players and the announcer.

The display board builds one announcer and calls `announce` for each call event::

    announcer = make_announcer(settings.speech, clock=QtClock())  # ThreadClock() without Qt
    announcer.announce(Call("А042", "3", WorkplaceKind.WINDOW))

Importing this package starts no engine, no thread and no Qt; everything starts on first use.
"""

from __future__ import annotations

from hardware.config import SpeechSettings
from hardware.speech.announcer import Announcer, PhraseRenderer
from hardware.speech.clock import Clock, ThreadClock
from hardware.speech.errors import (
    AudioUnavailable,
    SpeechEngineUnavailable,
    SpeechError,
    VoiceMissing,
)
from hardware.speech.fake import FakeClock, FakePlayer, PlayedSound
from hardware.speech.phrases import Call, WorkplaceKind, call_phrase, spoken_number
from hardware.speech.players import AplayPlayer, NullPlayer, Player, make_player
from hardware.speech.synth import RenderedPhrase, Synthesizer

__all__ = [
    "Announcer",
    "AplayPlayer",
    "AudioUnavailable",
    "Call",
    "Clock",
    "FakeClock",
    "FakePlayer",
    "NullPlayer",
    "PhraseRenderer",
    "PlayedSound",
    "Player",
    "RenderedPhrase",
    "SpeechEngineUnavailable",
    "SpeechError",
    "SpeechSettings",
    "Synthesizer",
    "ThreadClock",
    "VoiceMissing",
    "WorkplaceKind",
    "call_phrase",
    "make_announcer",
    "make_player",
    "spoken_number",
]


def make_announcer(
    settings: SpeechSettings, clock: Clock | None = None, player: Player | None = None
) -> Announcer:
    """An announcer with the pyttsx3 synthesizer, the chime in the cache and the configured player.

    Pass `QtClock()` (from `hardware.speech.qt`) in a Qt app so that steps and the Qt player run
    on the GUI thread; without it a `ThreadClock` runs them on a thread of their own.
    """
    from hardware.speech.chime import write_chime

    chime = None
    if settings.chime:
        chime = settings.cache_dir / "chime.wav"
        if not chime.exists():
            write_chime(chime)
    return Announcer(
        Synthesizer(settings),
        player or make_player(settings.player),
        clock or ThreadClock(),
        languages=(settings.language,),
        chime=chime,
    )
