"""What the voice says when a ticket is called: "Талон А 42, окно 3" / "Ticket A 42, window 3"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

__all__ = ["Call", "WorkplaceKind", "call_phrase", "spoken_number"]

Lang = Literal["ru", "en"]


class WorkplaceKind(StrEnum):
    """Where the visitor goes."""

    WINDOW = "window"
    ROOM = "room"


@dataclass(frozen=True)
class Call:
    """One announcement: ticket `number` to `workplace` ("3", "12А"); `recall` for a repeat.

    `place` is a workplace name said as it is instead of kind + number ("Регистратура",
    "Касса 2"), for names that are not "окно N" / "кабинет N".
    """

    number: str
    workplace: str
    kind: WorkplaceKind = WorkplaceKind.WINDOW
    recall: bool = False
    place: str | None = None


# Latin prefixes in Russian speech: look-alikes become the Cyrillic letter the office meant
# (a Latin "A" typed for "А"), the others the Cyrillic letter with the same sound.
_LATIN_TO_RU = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "АВСДЕФГНИЖКЛМНОПКРСТУВВХУЗ",
        strict=True,
    )
)
_RU_TO_LATIN = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "Ё": "Yo", "Ж": "Zh", "З": "Z",
    "И": "I", "Й": "Y", "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O", "П": "P", "Р": "R",
    "С": "S", "Т": "T", "У": "U", "Ф": "F", "Х": "Kh", "Ц": "Ts", "Ч": "Ch", "Ш": "Sh",
    "Щ": "Shch", "Ы": "Y", "Э": "E", "Ю": "Yu", "Я": "Ya",
}  # fmt: skip

_NUMBER = re.compile(r"^\s*(?P<prefix>[^\d]*?)[\s\-]*(?P<digits>\d+)(?P<rest>.*)$")

_WORDS: dict[Lang, dict[str, str]] = {
    "ru": {"ticket": "Талон", "window": "окно", "room": "кабинет", "recall": "Повторный вызов."},
    "en": {"ticket": "Ticket", "window": "window", "room": "room", "recall": "Repeated call."},
}


def _letters(prefix: str, lang: Lang) -> list[str]:
    letters = []
    for char in prefix.upper():
        if not char.isalpha():
            continue
        if lang == "ru":
            letters.append(_LATIN_TO_RU.get(char, char))
        else:
            letters.append(_RU_TO_LATIN.get(char, char))
    return letters


def spoken_number(number: str, lang: Lang) -> str:
    """ "А042" -> "А 42": prefix letters one by one, digits as a number without leading zeros."""
    match = _NUMBER.match(number)
    if match is None:  # no digits at all: spell the letters
        return " ".join(_letters(number, lang)) or number
    parts = _letters(match["prefix"], lang)
    parts.append(str(int(match["digits"])))
    rest = match["rest"].strip(" -")
    if rest:
        parts.append(rest)
    return " ".join(parts)


def call_phrase(call: Call, lang: Lang) -> str:
    """The sentence to speak for `call` in `lang`."""
    words = _WORDS[lang]
    place = (
        spoken_number(call.workplace, lang)
        if any(c.isdigit() for c in call.workplace)
        else call.workplace
    )
    where = call.place or f"{words[call.kind.value]} {place}"
    phrase = f"{words['ticket']} {spoken_number(call.number, lang)}, {where}"
    return f"{words['recall']} {phrase}" if call.recall else phrase
