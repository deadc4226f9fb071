"""The barcode-burst detector, with hypothesis-generated timings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.scanner import ScanDetector, Scanned, Typed

CODE = "A042-7F3K9QX"  # 12 characters


def _feed_all(
    detector: ScanDetector, text: str, gaps: list[float], enter_gap: float
) -> list[Scanned | Typed]:
    """Feed `text` with `gaps` between keys, then Enter; collect everything returned."""
    out: list[Scanned | Typed] = []
    now = 100.0
    for index, char in enumerate(text):
        if index:
            now += gaps[index - 1]
        typed = detector.feed(char, now)
        if typed is not None:
            out.append(typed)
    out.append(detector.feed_enter(now + enter_gap))
    return out


@given(st.lists(st.floats(0.0, 80 / 12 / 1000), min_size=12, max_size=12))
def test_twelve_characters_in_80_ms_are_a_scan(gaps: list[float]) -> None:
    """Any 12-character burst within 80 ms ending in Enter is recognised as one scan."""
    assert _feed_all(ScanDetector(), CODE, gaps[:11], gaps[11]) == [Scanned(CODE)]


@given(st.lists(st.floats(0.08, 1.5), min_size=12, max_size=12))
def test_a_person_typing_is_not_a_scan(gaps: list[float]) -> None:
    """The same characters typed 80 ms or more apart come back as typing, in order, with Enter."""
    out = _feed_all(ScanDetector(), CODE, gaps[:11], gaps[11])
    assert not any(isinstance(item, Scanned) for item in out)
    assert "".join(item.text for item in out if isinstance(item, Typed)) == CODE
    assert out[-1] == Typed(CODE[-1], enter=True)


@given(st.text(alphabet="0123456789ABC", min_size=1, max_size=3))
def test_short_bursts_are_typing(text: str) -> None:
    """A fast burst shorter than the minimum length (4) is not a scan."""
    out = _feed_all(ScanDetector(), text, [0.005] * len(text), 0.005)
    assert out == [Typed(text, enter=True)]


def test_scan_after_typing_keeps_the_typed_text() -> None:
    """A person types "12", pauses, then a scan arrives: "1", "2" come back, then the code."""
    detector = ScanDetector()
    assert detector.feed("1", 0.0) is None
    assert detector.feed("2", 0.2) == Typed("1")
    out = [detector.feed(char, 1.0 + i * 0.005) for i, char in enumerate("4607")]
    assert out == [Typed("2"), None, None, None]
    assert detector.feed_enter(1.03) == Scanned("4607")


def test_poll_releases_a_stalled_character() -> None:
    """A single typed character is released by poll() once the gap has passed, not before."""
    detector = ScanDetector(max_gap=0.04)
    detector.feed("Ж", 1.0)
    assert detector.poll(1.02) is None
    assert detector.holding == "Ж"
    assert detector.poll(1.05) == Typed("Ж")
    assert detector.holding == ""


def test_invalid_settings_are_refused() -> None:
    """A non-positive gap or a zero minimum length is a programming error."""
    with pytest.raises(ValueError):
        ScanDetector(max_gap=0)
    with pytest.raises(ValueError):
        ScanDetector(min_length=0)
