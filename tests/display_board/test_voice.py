"""The board's voice: order through the Announcer, file output, the hall's workplace names."""

from __future__ import annotations

import itertools
import json
import math
import struct
import wave
from concurrent.futures import Future
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from display_board.state import Announcement, BoardConfig
from display_board.voice import (
    MANIFEST,
    FileRecorder,
    ObservedRenderer,
    VoiceDriver,
    announcement_call,
    parse_audio,
)
from hardware.speech import Announcer, FakeClock, FakePlayer, WorkplaceKind, call_phrase
from hardware.speech.chime import write_chime
from hardware.speech.errors import SpeechEngineUnavailable, SpeechError
from hardware.speech.synth import RenderedPhrase
from queue_protocol.models import LocalizedText
from tests.display_board import factories
from tests.display_board.factories import T0
from tests.display_board.test_state import live_board


def tone(path: Path, seconds: float, rate: int = 22050) -> Path:
    samples = [round(8000 * math.sin(i / 8)) for i in range(int(seconds * rate))]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return path


class ToneRenderer:
    """Renders each phrase as a WAV tone whose length grows with the text (about 2 s)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.texts: list[tuple[str, str | None]] = []

    def render(self, text: str, lang: str | None = None) -> Future[RenderedPhrase]:
        self.texts.append((text, lang))
        path = tone(self.directory / f"phrase-{len(self.texts)}.wav", 0.05 * len(text))
        future: Future[RenderedPhrase] = Future()
        future.set_result(RenderedPhrase(text, path, None, False))
        return future


def announcement(name: str, kind: str, workplace: str = "5") -> Announcement:
    return Announcement(
        key=(1, workplace, 1, ""),
        ticket_id=1,
        number="А042",
        workplace=workplace,
        workplace_name=LocalizedText(ru=name, en=""),
        workplace_kind=kind,
        recall=False,
        languages=("ru",),
        queued_at=0.0,
    )


@pytest.mark.parametrize(
    ("name", "kind", "phrase"),
    [
        ("Кабинет 12", "room", "Талон А 42, кабинет 12"),
        ("Окно 3", "window", "Талон А 42, окно 3"),
        ("окно №4", "window", "Талон А 42, окно 4"),
        ("Касса 2", "window", "Талон А 42, Касса 2"),
        ("Регистратура", "room", "Талон А 42, Регистратура"),
    ],
)
def test_phrase_names_the_workplace_as_the_hall_knows_it(name: str, kind: str, phrase: str) -> None:
    """The phrase says the workplace's name ("кабинет 12"), never its id ("5")."""
    call = announcement_call(announcement(name, kind))
    assert call_phrase(call, "ru") == phrase
    assert " 5" not in call_phrase(call, "ru")


def test_workplace_without_a_name_falls_back_to_its_id() -> None:
    """Only a workplace with no name at all is said by its id."""
    call = announcement_call(announcement("", "window", workplace="7"))
    assert (call.workplace, call.kind) == ("7", WorkplaceKind.WINDOW)


@pytest.mark.parametrize("spec", ["", "file:", "file", "speaker", "files:/tmp"])
def test_bad_audio_choice_is_refused(spec: str) -> None:
    """`--audio` other than default or file:DIR is refused with a bilingual message."""
    with pytest.raises(ValueError, match="default or file:DIR"):
        parse_audio(spec)


def test_audio_choices() -> None:
    """`default` and `file:DIR` are read."""
    assert parse_audio("default").kind == "default"
    choice = parse_audio("file:/tmp/x")
    assert choice.kind == "file" and choice.directory == Path("/tmp/x")


def rig(tmp_path: Path, config: BoardConfig | None = None) -> tuple:  # type: ignore[type-arg]
    board, office = live_board(config)
    clock = FakeClock()
    chime = write_chime(tmp_path / "chime.wav")
    renderer = ToneRenderer(tmp_path)
    out = tmp_path / "out"
    recorder = FileRecorder(out, clock, lambda: T0 + timedelta(seconds=clock.now()))
    announcer = Announcer(renderer, recorder, clock, chime=chime, pause=0.6)
    driver = VoiceDriver(board, announcer, recorder)
    return board, office, clock, driver, renderer, out


def test_ten_calls_in_a_second_give_ten_wavs_in_order_without_overlap(tmp_path: Path) -> None:
    """Ten desks call within a second: ten WAV files in call order, play times not overlapping,
    each one chime + the phrase, and the whole takes as long as playing it would."""
    board, office, clock, driver, renderer, out = rig(tmp_path)
    for n in range(6, 11):
        factories.WORKPLACES[str(n)] = (f"Окно {n}", f"Window {n}", "window")
    try:
        for n in range(1, 11):
            board.apply_event(office.call(n, f"А{n:03d}", str(n)))
            driver.pump()
            board.clock.advance(0.1)
        clock.run_until_idle()
    finally:
        for n in range(6, 11):
            del factories.WORKPLACES[str(n)]
    files = sorted(p.name for p in out.glob("*.wav"))
    assert files == [f"{n:04d}-А{n:03d}.wav" for n in range(1, 11)]
    records = [json.loads(line) for line in (out / MANIFEST).read_text().splitlines()]
    assert [r["number"] for r in records] == [f"А{n:03d}" for n in range(1, 11)]
    for before, after in itertools.pairwise(records):
        assert datetime.fromisoformat(after["started"]) >= datetime.fromisoformat(before["ended"])
    texts = [text for text, _ in renderer.texts]
    assert texts[4] == "Талон А 5, кабинет 12" and texts[0] == "Талон А 1, окно 1"
    with wave.open(str(out / files[0]), "rb") as first:
        seconds = first.getnframes() / first.getframerate()
    assert seconds == pytest.approx(0.9 + 0.05 * len(texts[0]), abs=0.01)
    assert [number for number, _, _ in driver.log] == [f"А{n:03d}" for n in range(1, 11)]
    assert clock.now() > 10 * seconds  # real playback timing, on the fake clock


def test_highlight_follows_the_voice(tmp_path: Path) -> None:
    """While the first of two calls is being played, the first row is highlighted."""
    board, office, clock, driver, _, _ = rig(tmp_path, BoardConfig(blink_seconds=0.5))
    board.apply_event(office.call(1, "А001", "1"))
    driver.pump()
    board.apply_event(office.call(2, "А002", "2"))
    driver.pump()
    clock.advance(0.5)
    board.clock.advance(2)
    row = board.highlighted()
    assert row is not None and row.number == "А001"
    clock.run_until_idle()
    assert [a.number for a in board.spoken] == ["А001", "А002"]


def test_english_phrase_follows_for_an_english_ticket(tmp_path: Path) -> None:
    """An English ticket: Russian phrase, then "Ticket A 1, room 12"."""
    board, office, clock, driver, renderer, _ = rig(tmp_path)
    board.apply_event(office.call(1, "А001", "5", lang="en"))
    driver.pump()
    clock.run_until_idle()
    assert renderer.texts == [("Талон А 1, кабинет 12", "ru"), ("Ticket A 1, room 12", "en")]


def test_recorder_numbers_on_from_existing_files(tmp_path: Path) -> None:
    """A restarted board goes on numbering after the files already in the folder."""
    (tmp_path / "0007-А001.wav").write_bytes(b"")
    clock = FakeClock()
    recorder = FileRecorder(tmp_path, clock, lambda: T0)
    recorder.begin("Б002")
    recorder.play(tone(tmp_path / "t.wav", 0.1), lambda: None)
    path = recorder.end()
    assert path is not None and path.name == "0008-Б002.wav"


def test_recorder_joins_sounds_of_another_rate(tmp_path: Path) -> None:
    """A sound of another sample rate is converted, not written at the wrong speed."""
    clock = FakeClock()
    recorder = FileRecorder(tmp_path / "out", clock, lambda: T0)
    recorder.begin("А001")
    recorder.play(tone(tmp_path / "a.wav", 1.0, rate=22050), lambda: None)
    recorder.play(tone(tmp_path / "b.wav", 1.0, rate=44100), lambda: None)
    path = recorder.end()
    assert path is not None
    with wave.open(str(path), "rb") as wav:
        assert wav.getnframes() / wav.getframerate() == pytest.approx(2.0, abs=0.01)


def test_sound_off_driver_never_speaks(tmp_path: Path) -> None:
    """With the sound off the driver has nothing to do; the call is still on screen."""
    board, office, clock, driver, _, out = rig(tmp_path)
    board.set_sound_off("no audio device")
    board.apply_event(office.call(1, "А001", "1"))
    driver.pump()
    clock.run_until_idle()
    assert not list(out.glob("*.wav")) and [r.number for r in board.current] == ["А001"]


def test_engine_failure_is_reported_once(tmp_path: Path) -> None:
    """Phrases that cannot be rendered are reported once (the board marks the voice off)."""

    class Broken:
        def render(self, text: str, lang: str | None = None) -> Future[RenderedPhrase]:
            future: Future[RenderedPhrase] = Future()
            future.set_exception(SpeechEngineUnavailable(detail="no espeak"))
            return future

    reports: list[str] = []
    renderer = ObservedRenderer(Broken(), reports.append)
    renderer.render("a")
    renderer.render("b")
    assert len(reports) == 1


def test_one_failed_phrase_does_not_turn_the_sound_off() -> None:
    """A phrase the engine wrote no audio for is not reported: the next call is tried again."""

    class Flaky:
        def render(self, text: str, lang: str | None = None) -> Future[RenderedPhrase]:
            future: Future[RenderedPhrase] = Future()
            future.set_exception(SpeechError(detail="no audio written"))
            return future

    reports: list[str] = []
    ObservedRenderer(Flaky(), reports.append).render("a")
    assert reports == []


def test_a_burst_plays_on_a_fake_player_without_overlap(tmp_path: Path) -> None:
    """Through the real Announcer and a FakePlayer (which refuses overlaps): in order."""
    board, office = live_board()
    clock = FakeClock()
    player = FakePlayer(clock, lambda _p: 1.0)
    announcer = Announcer(ToneRenderer(tmp_path), player, clock, chime=tmp_path / "c.wav")
    driver = VoiceDriver(board, announcer)
    for n in range(1, 6):
        board.apply_event(office.call(n, f"А{n:03d}", str(n)))
        driver.pump()
    clock.run_until_idle()
    assert [number for number, _, _ in driver.log] == ["А001", "А002", "А003", "А004", "А005"]
    assert len(player.played) == 10
