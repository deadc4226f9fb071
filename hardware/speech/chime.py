"""The attention chime before each call: two soft sine tones, generated, written with `wave`."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

__all__ = ["CHIME_TONES", "write_chime"]

#: (frequency Hz, seconds) of the "ding-dong": E5 then C5, a major third down
CHIME_TONES: tuple[tuple[float, float], ...] = ((659.25, 0.35), (523.25, 0.55))


def _tone(frequency: float, seconds: float, rate: int, volume: float) -> list[int]:
    count = int(seconds * rate)
    attack = int(0.01 * rate)  # 10 ms fade-in avoids a click
    release = int(0.05 * rate)  # and a 50 ms fade-out at the end
    samples = []
    for i in range(count):
        envelope = math.exp(-3.0 * i / count)  # bell-like decay
        if i < attack:
            envelope *= i / attack
        if i > count - release:
            envelope *= (count - i) / release
        value = math.sin(2 * math.pi * frequency * i / rate) * envelope * volume
        samples.append(round(value * 32767))
    return samples


def write_chime(path: Path, rate: int = 22050, volume: float = 0.6) -> Path:
    """Write the chime as 16-bit mono WAV at `rate` Hz (the rate eSpeak uses) and return `path`."""
    samples: list[int] = []
    for frequency, seconds in CHIME_TONES:
        samples.extend(_tone(frequency, seconds, rate, volume))
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return path
