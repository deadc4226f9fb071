"""Announcer ordering: chime then phrase, calls one after another, none dropped, no overlap."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import pytest

from hardware.speech.announcer import Announcer
from hardware.speech.errors import VoiceMissing
from hardware.speech.fake import FakeClock, FakePlayer
from hardware.speech.phrases import Call
from hardware.speech.synth import RenderedPhrase

CHIME = Path("chime.wav")


class InstantRenderer:
    """Renders at once to a fake path named after the text; `hold` keeps futures pending."""

    def __init__(self, hold: bool = False) -> None:
        self.hold = hold
        self.pending: list[tuple[str, Future[RenderedPhrase]]] = []

    def render(self, text: str, lang: str | None = None) -> Future[RenderedPhrase]:
        future: Future[RenderedPhrase] = Future()
        if self.hold:
            self.pending.append((text, future))
        else:
            future.set_result(RenderedPhrase(text, Path(f"{text}.wav"), "zle/ru", False))
        return future

    def finish_all(self) -> None:
        for text, future in self.pending:
            future.set_result(RenderedPhrase(text, Path(f"{text}.wav"), "zle/ru", False))


def _durations(path: Path) -> float:
    return 0.9 if path == CHIME else 2.0


def test_ten_calls_play_in_order_without_overlap(fake_clock: FakeClock) -> None:
    """Ten calls queued at once play chime+phrase each, in order, one after another."""
    player = FakePlayer(fake_clock, _durations)
    announcer = Announcer(InstantRenderer(), player, fake_clock, chime=CHIME, pause=0.5)
    for n in range(1, 11):
        announcer.announce(Call(f"А{n:03d}", "3"))
    fake_clock.run_until_idle()

    expected: list[Path] = []
    for n in range(1, 11):
        expected += [CHIME, Path(f"Талон А {n}, окно 3.wav")]
    assert [sound.path for sound in player.played] == expected
    for before, after in zip(player.played, player.played[1:], strict=False):
        assert after.start >= before.end  # never overlapping
    assert not announcer.busy and announcer.waiting == 0
    # 10 x (0.9 + 2.0 + 0.5 pause) seconds of fake time, no real sleeping
    assert fake_clock.now() == pytest.approx(34.0)


def test_call_during_playback_waits_its_turn(fake_clock: FakeClock) -> None:
    """A call made while another is playing starts only after it, with the pause in between."""
    player = FakePlayer(fake_clock, _durations)
    announcer = Announcer(InstantRenderer(), player, fake_clock, chime=CHIME, pause=0.5)
    announcer.announce(Call("А001", "1"))
    fake_clock.advance(1.0)  # the first phrase is now playing
    announcer.announce(Call("А002", "2", recall=True))
    fake_clock.run_until_idle()
    assert [s.path.name for s in player.played] == [
        "chime.wav",
        "Талон А 1, окно 1.wav",
        "chime.wav",
        "Повторный вызов. Талон А 2, окно 2.wav",
    ]
    assert player.played[2].start == player.played[1].end + 0.5


def test_slow_rendering_keeps_the_order(fake_clock: FakeClock) -> None:
    """When the phrase is not rendered by the end of the chime, the announcer waits for it."""
    renderer = InstantRenderer(hold=True)
    player = FakePlayer(fake_clock, _durations)
    announcer = Announcer(renderer, player, fake_clock, chime=CHIME)
    announcer.announce(Call("А001", "1"))
    announcer.announce(Call("А002", "1"))
    fake_clock.advance(5)
    assert [s.path for s in player.played] == [CHIME]  # chime done, phrase still rendering
    renderer.finish_all()
    fake_clock.run_until_idle()
    assert [s.path.name for s in player.played] == [
        "chime.wav",
        "Талон А 1, окно 1.wav",
        "chime.wav",
        "Талон А 2, окно 1.wav",
    ]


def test_failed_phrase_does_not_block_the_queue(fake_clock: FakeClock) -> None:
    """A phrase that cannot be rendered is skipped (chime still plays); the next call is spoken."""

    class FailingFirst(InstantRenderer):
        def render(self, text: str, lang: str | None = None) -> Future[RenderedPhrase]:
            if "А 1," in text:
                future: Future[RenderedPhrase] = Future()
                future.set_exception(VoiceMissing())
                return future
            return super().render(text, lang)

    player = FakePlayer(fake_clock, _durations)
    announcer = Announcer(FailingFirst(), player, fake_clock, chime=CHIME)
    announcer.announce(Call("А001", "1"))
    announcer.announce(Call("А002", "1"))
    fake_clock.run_until_idle()
    assert [s.path.name for s in player.played] == [
        "chime.wav",
        "chime.wav",
        "Талон А 2, окно 1.wav",
    ]


def test_two_languages_without_chime(fake_clock: FakeClock) -> None:
    """With languages ru+en and no chime, each call is spoken in Russian then English."""
    player = FakePlayer(fake_clock, _durations)
    announcer = Announcer(InstantRenderer(), player, fake_clock, languages=("ru", "en"))
    announcer.announce(Call("А042", "3"))
    fake_clock.run_until_idle()
    assert [s.path.name for s in player.played] == [
        "Талон А 42, окно 3.wav",
        "Ticket A 42, window 3.wav",
    ]
