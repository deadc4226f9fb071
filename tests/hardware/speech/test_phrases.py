"""Call phrases in Russian and English."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.speech.phrases import Call, WorkplaceKind, call_phrase, spoken_number


@pytest.mark.parametrize(
    ("number", "ru", "en"),
    [
        ("А042", "А 42", "A 42"),
        ("A042", "А 42", "A 42"),  # Latin look-alike typed for the Cyrillic letter
        ("B7", "В 7", "B 7"),
        ("ПК-012", "П К 12", "P K 12"),
        ("Ж100", "Ж 100", "Zh 100"),
        ("007", "7", "7"),
    ],
)
def test_spoken_number(number: str, ru: str, en: str) -> None:
    """Prefix letters are spoken one by one, digits as a number without leading zeros."""
    assert spoken_number(number, "ru") == ru
    assert spoken_number(number, "en") == en


def test_russian_window_call() -> None:
    """A window call in Russian reads "Талон А 42, окно 3", never "ноль сорок два"."""
    phrase = call_phrase(Call("А042", "3"), "ru")
    assert phrase == "Талон А 42, окно 3"
    assert "0" not in phrase


def test_english_room_call() -> None:
    """A room call in English reads "Ticket A 42, room 12"."""
    assert call_phrase(Call("А042", "12", WorkplaceKind.ROOM), "en") == "Ticket A 42, room 12"


def test_recall_phrasing() -> None:
    """A repeated call starts with the recall words in both languages."""
    call = Call("А042", "3", recall=True)
    assert call_phrase(call, "ru") == "Повторный вызов. Талон А 42, окно 3"
    assert call_phrase(call, "en") == "Repeated call. Ticket A 42, window 3"


def test_room_in_russian() -> None:
    """A room is "кабинет" in Russian."""
    assert call_phrase(Call("Б5", "214", WorkplaceKind.ROOM), "ru") == "Талон Б 5, кабинет 214"


@given(st.integers(1, 999), st.sampled_from(["А", "Б", "В", "П", "Т"]))
def test_spoken_number_never_has_a_leading_zero(counter: int, prefix: str) -> None:
    """Every ticket number (А001 … А999) is said as its letter and its value: "А 42", never
    "А ноль сорок два"."""
    spoken = spoken_number(f"{prefix}{counter:03d}", "ru")
    assert spoken == f"{prefix} {counter}"
