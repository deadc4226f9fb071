"""Announcer additions for the display board: languages per call, on_finished, a spoken place."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

from hardware.speech.announcer import Announcer
from hardware.speech.fake import FakeClock, FakePlayer
from hardware.speech.phrases import Call, WorkplaceKind, call_phrase
from hardware.speech.synth import RenderedPhrase


class NamedRenderer:
    """Renders at once to a path named after the text and its language."""

    def render(self, text: str, lang: str | None = None) -> Future[RenderedPhrase]:
        future: Future[RenderedPhrase] = Future()
        future.set_result(RenderedPhrase(text, Path(f"{lang}:{text}.wav"), None, False))
        return future


def test_languages_per_call_and_on_finished_after_the_pause() -> None:
    """A call may name its languages; on_finished runs once, after its sounds and the pause."""
    clock = FakeClock()
    player = FakePlayer(clock, lambda _path: 1.0)
    announcer = Announcer(NamedRenderer(), player, clock, chime=Path("chime.wav"), pause=0.5)
    finished: list[float] = []
    announcer.announce(
        Call("А001", "3"), languages=("ru", "en"), on_finished=lambda: finished.append(clock.now())
    )
    announcer.announce(Call("А002", "4"))
    clock.run_until_idle()
    names = [sound.path.name for sound in player.played]
    assert names == [
        "chime.wav",
        "ru:Талон А 1, окно 3.wav",
        "en:Ticket A 1, window 3.wav",
        "chime.wav",
        "ru:Талон А 2, окно 4.wav",
    ]
    assert finished == [3.5]  # three one-second sounds and the pause, before the next call


def test_a_failing_hook_does_not_stop_the_next_call() -> None:
    """An exception in on_finished is logged; the next call is still announced."""
    clock = FakeClock()
    player = FakePlayer(clock)
    announcer = Announcer(NamedRenderer(), player, clock)

    def broken() -> None:
        raise RuntimeError("bug in the board")

    announcer.announce(Call("А001", "1"), on_finished=broken)
    announcer.announce(Call("А002", "2"))
    clock.run_until_idle()
    assert len(player.played) == 2


def test_place_is_said_as_named() -> None:
    """A workplace not named "окно N" is said by its name, not spelled letter by letter."""
    call = Call("А042", "Касса 2", WorkplaceKind.WINDOW, place="касса 2")
    assert call_phrase(call, "ru") == "Талон А 42, касса 2"
    assert call_phrase(Call("А042", "12", WorkplaceKind.ROOM), "ru") == "Талон А 42, кабинет 12"
