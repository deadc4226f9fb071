"""What a ticket says and how it is laid out in lines of a given paper width.

The ESC/POS renderer and the PNG preview both draw the same `TicketLine` list, so the screen shows
exactly what the paper would.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Literal

__all__ = [
    "CP866_REPLACEMENTS",
    "Align",
    "LineKind",
    "TicketData",
    "TicketLine",
    "layout_ticket",
    "number_scale",
    "to_cp866_text",
    "wrap",
]

Lang = Literal["ru", "en"]


@dataclass(frozen=True)
class TicketData:
    """Everything printed on one ticket; built by the kiosk from the server's answer."""

    office_name: str
    service_name: str
    number: str
    issued_at: datetime
    ahead: int
    estimate_minutes: int | None = None
    documents: list[str] = field(default_factory=list)
    status_url: str | None = None
    footer: str = ""
    lang: Lang = "ru"


class LineKind(Enum):
    """How a line is printed."""

    TITLE = "title"  # bold
    TEXT = "text"
    NUMBER = "number"  # the big ticket number
    QR = "qr"  # `text` is the QR content
    BLANK = "blank"
    RULE = "rule"  # a row of dashes


class Align(Enum):
    """Horizontal alignment of a line."""

    LEFT = "left"
    CENTER = "center"


@dataclass(frozen=True)
class TicketLine:
    """One printed line, already wrapped to the paper's columns (except NUMBER and QR)."""

    kind: LineKind
    text: str = ""
    align: Align = Align.LEFT


# Typographic characters a kiosk text may contain that CP866 lacks; everything else outside CP866
# becomes "?" (a printer would print garbage or switch code tables on it).
CP866_REPLACEMENTS: dict[str, str] = {
    "\u2014": "-",  # em dash
    "\u2013": "-",  # en dash
    "\u2012": "-",
    "\u2212": "-",  # minus sign
    "\u00ab": '"',  # «
    "\u00bb": '"',  # »
    "\u201e": '"',  # „
    "\u201c": '"',  # “
    "\u201d": '"',  # ”
    "\u2018": "'",
    "\u2019": "'",
    "\u2026": "...",
    "\u00a0": " ",  # no-break space
    "\u202f": " ",
    "\u2009": " ",
    "\u00d7": "x",  # ×
    "\u2116": "\u2116",  # № is in CP866 (0xFC): keep it
}


def to_cp866_text(text: str) -> str:
    """`text` with every character printable in CP866 (unknown ones become "?")."""
    out: list[str] = []
    for char in text:
        char = CP866_REPLACEMENTS.get(char, char)
        try:
            char.encode("cp866")
        except UnicodeEncodeError:
            char = "?"
        out.append(char)
    return "".join(out)


def wrap(text: str, columns: int, indent: str = "") -> list[str]:
    """Wrap on word boundaries; a word is split only when it is longer than a whole line."""
    lines = textwrap.wrap(
        text,
        width=columns,
        subsequent_indent=indent,
        break_long_words=True,
        break_on_hyphens=False,
    )
    return lines or [""]


_TEXTS: dict[Lang, dict[str, str]] = {
    "ru": {
        "issued": "Выдан: {at:%d.%m.%Y %H:%M}",
        "ahead": "Перед вами: {n}",
        "estimate": "Ожидание: ~{m} мин",
        "estimate_soon": "Ожидание: меньше минуты",
        "no_estimate": "Ожидание: уточняется",
        "documents": "Возьмите с собой:",
        "qr": "Следите за очередью по QR-коду:",
    },
    "en": {
        "issued": "Issued: {at:%d.%m.%Y %H:%M}",
        "ahead": "People ahead: {n}",
        "estimate": "Estimated wait: ~{m} min",
        "estimate_soon": "Estimated wait: under a minute",
        "no_estimate": "Estimated wait: not known yet",
        "documents": "Please bring:",
        "qr": "Follow the queue with the QR code:",
    },
}


def number_scale(number: str, columns: int) -> int:
    """GS ! multiplier of the big number: the largest that fits, at most 4 (58 mm) or 5 (80 mm)."""
    largest = 4 if columns <= 32 else 5
    return max(1, min(largest, columns // max(1, len(number))))


def layout_ticket(ticket: TicketData, columns: int) -> list[TicketLine]:
    """The ticket as printed lines for paper `columns` characters wide (Font A)."""
    texts = _TEXTS[ticket.lang]
    lines: list[TicketLine] = []

    def centered(kind: LineKind, text: str) -> None:
        lines.extend(TicketLine(kind, part, Align.CENTER) for part in wrap(text, columns))

    def left(text: str, indent: str = "") -> None:
        lines.extend(TicketLine(LineKind.TEXT, part) for part in wrap(text, columns, indent))

    centered(LineKind.TITLE, to_cp866_text(ticket.office_name))
    lines.append(TicketLine(LineKind.RULE, "-" * columns))
    centered(LineKind.TEXT, to_cp866_text(ticket.service_name))
    lines.append(TicketLine(LineKind.BLANK))
    lines.append(TicketLine(LineKind.NUMBER, to_cp866_text(ticket.number), Align.CENTER))
    lines.append(TicketLine(LineKind.BLANK))
    centered(LineKind.TEXT, texts["issued"].format(at=ticket.issued_at))
    lines.append(TicketLine(LineKind.RULE, "-" * columns))
    left(texts["ahead"].format(n=ticket.ahead))
    if ticket.estimate_minutes is None:
        left(texts["no_estimate"])
    elif ticket.estimate_minutes == 0:  # under half a minute: "~0 min" reads as no wait at all
        left(texts["estimate_soon"])
    else:
        left(texts["estimate"].format(m=ticket.estimate_minutes))
    if ticket.documents:
        lines.append(TicketLine(LineKind.BLANK))
        lines.append(TicketLine(LineKind.TITLE, texts["documents"]))
        for document in ticket.documents:
            left("- " + to_cp866_text(document), indent="  ")
    if ticket.status_url:
        lines.append(TicketLine(LineKind.BLANK))
        centered(LineKind.TEXT, texts["qr"])
        lines.append(TicketLine(LineKind.QR, ticket.status_url, Align.CENTER))
    if ticket.footer:
        lines.append(TicketLine(LineKind.RULE, "-" * columns))
        centered(LineKind.TEXT, to_cp866_text(ticket.footer))
    return lines
