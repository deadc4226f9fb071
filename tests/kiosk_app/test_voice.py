"""Spoken guidance: when the kiosk speaks, what it says in each language, one phrase at a time,
and silence (one log line, no crash) without a sound device or a speech engine."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hardware.speech import FakeClock, FakePlayer, NullPlayer
from hardware.speech.errors import SpeechEngineUnavailable
from hardware.speech.synth import RenderedPhrase
from kiosk_app.controller import KioskController
from kiosk_app.main import build_kiosk, connect_kiosk
from kiosk_app.settings import KioskSettings
from kiosk_app.state import KioskFlow, Screen
from kiosk_app.voice import GuideCues, GuideSpeaker, KioskGuide, build_guide
from queue_protocol.client import ClientSession
from queue_protocol.models import IssuedTicket
from tests.kiosk_app.conftest import run
from tests.kiosk_app.test_controller import MENU

AT = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)


class FakeRenderer:
    """Renders `text` to `<n>.wav` at once, or (held) only when `finish()` is called."""

    def __init__(self, hold: bool = False, error: Exception | None = None) -> None:
        self.hold = hold
        self.error = error
        self.texts: dict[Path, tuple[str, str | None]] = {}
        self.held: list[tuple[Future[RenderedPhrase], RenderedPhrase]] = []

    def render(self, text: str, lang: str | None = None) -> Future[RenderedPhrase]:
        path = Path(f"{len(self.texts)}.wav")
        self.texts[path] = (text, lang)
        future: Future[RenderedPhrase] = Future()
        if self.error is not None:
            future.set_exception(self.error)
            return future
        phrase = RenderedPhrase(text, path, "ru", cached=False)
        if self.hold:
            self.held.append((future, phrase))
        else:
            future.set_result(phrase)
        return future

    def finish(self) -> None:
        for future, phrase in self.held:
            future.set_result(phrase)
        self.held.clear()


class Rig:
    def __init__(self, renderer: FakeRenderer | None = None) -> None:
        self.clock = FakeClock()
        self.player = FakePlayer(self.clock, duration=lambda _path: 2.0)
        self.renderer = renderer or FakeRenderer()
        self.speaker = GuideSpeaker(self.renderer, self.player, self.clock)

    def heard(self) -> list[str]:
        return [self.renderer.texts[p.path][0] for p in self.player.played]


def test_phrases_play_one_at_a_time_and_the_newest_waiting_one_wins() -> None:
    """A phrase asked while another plays waits for it; of several waiting only the newest is
    said (the visitor has left the screens in between); sounds never overlap."""
    rig = Rig()
    rig.speaker.say("one", "ru")
    rig.clock.advance(0.5)
    rig.speaker.say("two", "ru")
    rig.speaker.say("three", "en")
    rig.clock.run_until_idle()
    assert rig.heard() == ["one", "three"]
    first, second = rig.player.played
    assert second.start >= first.end
    assert rig.renderer.texts[second.path] == ("three", "en")


def test_a_phrase_still_rendering_is_played_when_ready() -> None:
    """Rendering happens off the clock's thread; the phrase plays once its WAV exists."""
    rig = Rig(FakeRenderer(hold=True))
    rig.speaker.say("Ваш талон А 42", "ru")
    rig.clock.run_until_idle()
    assert rig.player.played == []
    rig.renderer.finish()
    rig.clock.run_until_idle()
    assert rig.heard() == ["Ваш талон А 42"]


def test_no_speech_engine_logs_once_and_falls_silent(caplog: pytest.LogCaptureFixture) -> None:
    """Without eSpeak the speaker says so once in the log, plays nothing and never raises."""
    rig = Rig(FakeRenderer(error=SpeechEngineUnavailable(detail="libespeak-ng missing")))
    with caplog.at_level(logging.WARNING, logger="okno.kiosk"):
        for _ in range(3):
            rig.speaker.say("Выберите услугу.", "ru")
            rig.clock.run_until_idle()
    assert rig.player.played == [] and rig.speaker.silent
    (line,) = [r.getMessage() for r in caplog.records if "guidance is off" in r.getMessage()]
    assert "libespeak-ng missing" in line
    assert len(rig.renderer.texts) == 1  # nothing is even rendered after that


def test_no_sound_device_means_no_guidance_and_one_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """build_guide with only the null player (no sound card) gives None and says why once;
    a player that cannot even start gives None too, never an exception."""
    with caplog.at_level(logging.WARNING, logger="okno.kiosk"):
        assert (
            build_guide(str, player_factory=lambda: NullPlayer("ALSA lists no sound card")) is None
        )

        def broken() -> NullPlayer:
            raise OSError("no /dev/snd")

        assert build_guide(str, player_factory=broken) is None
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "spoken guidance is off: ALSA lists no sound card",
        "spoken guidance is off: OSError: no /dev/snd",
    ]


def ticket(number: str = "А042") -> IssuedTicket:
    return IssuedTicket(id=1, number=number, service="reg", status="waiting", ahead=0,
                        estimate_minutes=5, status_url="http://x/t/1", issued_at=AT)  # fmt: skip


def test_cues_follow_the_visitor_not_timers() -> None:
    """A screen reached by the visitor is a cue once; re-renders, the idle reset and screens
    without words are not; the ticket screen cues its number, then its printing failure."""
    now = [100.0]
    flow = KioskFlow(lambda: now[0], idle_seconds=60)
    cues = GuideCues()
    assert cues.next(flow, by_visitor=False) is None  # start: HOME, unconnected
    flow.set_connected(True)
    assert cues.next(flow, by_visitor=False) is None
    flow.set_lang("en")
    cue = cues.next(flow, by_visitor=True)
    assert cue is not None and (cue.screen, cue.lang) == (Screen.HOME, "en")
    assert cues.next(flow, by_visitor=True) is None  # the same screen drawn again
    now[0] += 61
    assert flow.tick()  # back to Russian for the next visitor: silently
    assert cues.next(flow, by_visitor=False) is None


class Recorder:
    """Stands in for the speaker: what would be said, and in which language."""

    def __init__(self) -> None:
        self.said: list[tuple[str, str]] = []

    def say(self, text: str, lang: str) -> None:
        self.said.append((text, lang))


@pytest.fixture
def spoken(qapp: Any, loop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[
    tuple[KioskController, Recorder]
]:  # fmt: skip
    """A kiosk (no server) whose guidance goes to a Recorder."""
    settings = KioskSettings(
        server="http://127.0.0.1:9", token="t", office="test", windowed=True,
        orientation="portrait", state_file=tmp_path / "kiosk.json", speech=True,
    )  # fmt: skip
    kiosk = build_kiosk(qapp, settings)
    recorder = Recorder()
    guide = KioskGuide(recorder, lambda notice: kiosk.view.notice_texts(notice)[0])
    client = ClientSession(settings.server, "t", "test")
    controller = connect_kiosk(qapp, kiosk, settings, "test", None, client=client, guide=guide)
    controller.services = MENU
    controller.apply_look()
    controller.flow.set_connected(True)
    controller.rebuild_menu()
    yield controller, recorder
    run(loop, controller.close())
    kiosk.window.close()
    kiosk.window.deleteLater()


def test_the_kiosk_speaks_its_screens_and_the_ticket_in_the_visitors_language(
    spoken: tuple[KioskController, Recorder],
) -> None:
    """Russian: the category screen and "Ваш талон А 42"; English after the switch; the ticket
    that could not be printed is said with "tell the administrator"; a timer says nothing."""
    controller, recorder = spoken
    flow = controller.flow
    assert recorder.said == []  # the menu arriving is not the visitor's doing
    controller._on_priority()
    controller._on_priority_continue()
    request = flow.choose_service("reg")
    assert request is not None
    controller.render()
    flow.issued(request, ticket("А042"))
    controller.render()
    assert recorder.said == [
        ("Льготная категория. Если это о вас, нажмите «Продолжить».", "ru"),
        ("Выберите услугу.", "ru"),
        ("Ваш талон А 42", "ru"),
    ]
    flow.printed(False, "out of paper")
    controller.render()
    assert recorder.said[-1] == (
        "Талон не удалось напечатать. Ваш номер А 42. Сообщите, пожалуйста, администратору.",
        "ru",
    )
    controller._on_home()
    controller._on_lang()
    assert recorder.said[-1] == ("Choose what you have come for on the screen.", "en")
    request = flow.choose_service("vac")
    assert request is not None
    flow.issued(request, ticket("В007"))
    controller.render()
    assert recorder.said[-1] == ("Your ticket V 7", "en")
    before = len(recorder.said)
    controller._on_home()
    flow._last_activity -= 3600  # the visitor left long ago
    controller._last_services_fetch = controller._monotonic()  # no menu refresh (no server)
    controller._on_tick()
    assert flow.lang == "ru" and len(recorder.said) == before + 1  # only the "home" tap spoke


def test_speech_is_off_by_default() -> None:
    """The `speech` setting is off unless asked for."""
    assert KioskSettings(server="http://x", token="t").speech is False
