"""The pyttsx3 synthesizer: real Russian rendering, cache, and clear errors."""

from __future__ import annotations

import threading
import wave
from pathlib import Path
from typing import Any

import pytest

from hardware.config import SpeechSettings
from hardware.speech.errors import SpeechEngineUnavailable, VoiceMissing
from hardware.speech.synth import Synthesizer, wav_duration


@pytest.fixture
def synthesizer(tmp_path: Path) -> Any:
    """A real pyttsx3 synthesizer with its cache in a temporary directory."""
    synth = Synthesizer(SpeechSettings(cache_dir=tmp_path / "cache"))
    yield synth
    synth.close()


def test_russian_phrase_renders_with_the_russian_voice(synthesizer: Synthesizer) -> None:
    """A Russian call renders to a 22 kHz mono WAV of sane length, with eSpeak's ru voice."""
    rendered = synthesizer.render("Талон А 42, окно 3", "ru").result(timeout=30)
    duration = wav_duration(rendered.path)
    with wave.open(str(rendered.path), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels()) == (22050, 1)
    assert rendered.voice is not None and rendered.voice.rsplit("/", 1)[-1] == "ru"
    # measured 2.34 s at 150 wpm; spelling letter by letter (wrong voice) takes 5 s or more
    assert 0.8 < duration < 4.0, duration


def test_second_render_comes_from_the_cache(synthesizer: Synthesizer) -> None:
    """The same text, voice and rate is not rendered twice: the cached file is returned."""
    first = synthesizer.render("Талон Б 7, окно 1", "ru").result(timeout=30)
    second = synthesizer.render("Талон Б 7, окно 1", "ru").result(timeout=30)
    assert second.cached and not first.cached
    assert second.path == first.path


def test_rendering_runs_off_the_calling_thread(tmp_path: Path) -> None:
    """The engine is built and used on the worker thread, never on the caller's."""
    seen: list[str] = []

    class Engine:
        def getProperty(self, name: str) -> Any:
            seen.append(threading.current_thread().name)
            return [type("V", (), {"id": "zle/ru", "name": "Russian", "languages": ["ru"]})()]

        def setProperty(self, name: str, value: object) -> None:
            pass

        def save_to_file(self, text: str, path: str) -> None:
            self.path = path

        def runAndWait(self) -> None:
            with wave.open(self.path, "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(22050)
                out.writeframes(b"\x00\x00" * 2205)

    synth = Synthesizer(SpeechSettings(cache_dir=tmp_path), engine_factory=Engine)
    try:
        synth.render("Талон А 1, окно 1", "ru").result(timeout=10)
    finally:
        synth.close()
    assert seen and all(name == "okno-tts" for name in seen)
    assert threading.current_thread().name not in seen


def test_missing_voice_is_a_clear_error(synthesizer: Synthesizer) -> None:
    """A language eSpeak lacks fails the future with VoiceMissing naming the voice."""
    with pytest.raises(VoiceMissing) as raised:
        synthesizer.render("Hello", "xx").result(timeout=30)
    assert "'xx'" in str(raised.value)
    assert "not installed" in raised.value.message_en


def test_missing_engine_is_a_clear_error(tmp_path: Path) -> None:
    """An engine that cannot start gives SpeechEngineUnavailable for every phrase, no crash."""

    def broken_engine() -> Any:
        raise OSError("libespeak-ng.so.1: cannot open shared object file")

    synth = Synthesizer(SpeechSettings(cache_dir=tmp_path), engine_factory=broken_engine)
    try:
        for text in ("Талон А 1, окно 1", "Талон А 2, окно 1"):
            with pytest.raises(SpeechEngineUnavailable) as raised:
                synth.render(text, "ru").result(timeout=10)
            assert "libespeak-ng1" in str(raised.value)
            assert "libespeak-ng.so.1" in raised.value.detail
    finally:
        synth.close()
