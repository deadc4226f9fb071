"""The generated chime."""

from __future__ import annotations

import array
import wave
from pathlib import Path

from hardware.speech.chime import write_chime


def test_chime_is_a_short_soft_wav(tmp_path: Path) -> None:
    """The chime is 16-bit mono 22 050 Hz, under a second, starting and ending silently."""
    path = write_chime(tmp_path / "chime.wav")
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 22050)
        frames = wav.readframes(wav.getnframes())
        duration = wav.getnframes() / wav.getframerate()
    samples = array.array("h", frames)
    assert 0.5 < duration < 1.0
    assert max(abs(s) for s in samples) > 10000  # audible
    assert abs(samples[0]) < 100 and abs(samples[-1]) < 100  # faded: no click
