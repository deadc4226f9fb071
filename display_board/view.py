"""The board painted for a 16:9 TV, laid out from font metrics (no fixed pixel positions).

`BoardLayout.compute(width, height, ...)` picks the fonts and rectangles from the screen height
and the texts to show (call numbers at least a tenth of the screen high); `BoardView` paints the
`BoardState` with it and repaints on a timer for the clock and the blinking.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QPoint, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from display_board.state import BoardState, CallRow, HistoryRow, ServiceLine
from queue_protocol.models import LocalizedText

__all__ = ["COLOURS", "BoardLayout", "BoardView", "format_date"]

FONT_FAMILY = "DejaVu Sans"

#: the board's colours (dark, for a TV across a hall); pairs are checked for contrast in tests
COLOURS = {
    "window": "#0b1622",
    "panel": "#13263a",
    "text": "#ffffff",
    "muted": "#b4c6d8",
    "number": "#ffd54f",
    "highlight": "#ffc107",
    "highlight_text": "#000000",
    "ticker": "#1d3b5c",
    "warning": "#b00020",
    "warning_text": "#ffffff",
    "rule": "#2e4a66",
}

_MONTHS_RU = tuple(
    [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ]
)
_DAYS_RU = tuple(
    ["понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"]
)
_MONTHS_EN = tuple(
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
)
_DAYS_EN = tuple(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def format_date(moment: datetime, lang: str) -> str:
    """ "вторник, 10 марта 2026" / "Tuesday, 10 March 2026" (no locale needed)."""
    if lang == "en":
        day, month = _DAYS_EN[moment.weekday()], _MONTHS_EN[moment.month - 1]
    else:
        day, month = _DAYS_RU[moment.weekday()], _MONTHS_RU[moment.month - 1]
    return f"{day}, {moment.day} {month} {moment.year}"


def _font(pixels: int, bold: bool = False) -> QFont:
    font = QFont(FONT_FAMILY)
    font.setPixelSize(max(6, pixels))
    font.setBold(bold)
    return font


def number_font(height: int) -> QFont:
    """The call numbers' font: the smallest whose capital letters are ≥ 1/10 of `height`."""
    target = math.ceil(height / 10)
    pixels = math.ceil(target / 0.75)
    font = _font(pixels, bold=True)
    while QFontMetrics(font).capHeight() < target:
        pixels += 1
        font = _font(pixels, bold=True)
    return font


@dataclass
class BoardLayout:
    """Fonts and rectangles of one board size; `rows` current calls fit the left panel."""

    width: int
    height: int
    margin: int
    number: QFont
    place: QFont
    arrow: QFont
    header: QFont
    clock: QFont
    label: QFont
    side_number: QFont
    side_text: QFont
    ticker: QFont
    mark: QFont
    header_rect: QRect
    left: QRect
    right: QRect
    ticker_rect: QRect
    number_width: int
    arrow_width: int
    row_height: int
    label_height: int
    rows: int

    @property
    def place_x(self) -> int:
        """Where the workplace column starts."""
        return self.left.left() + self.margin + self.number_width + self.arrow_width

    @property
    def place_width(self) -> int:
        return self.left.right() - self.margin - self.place_x

    @classmethod
    def compute(cls, width: int, height: int, numbers: list[str], places: list[str]) -> BoardLayout:
        """The layout for a `width`×`height` screen showing these numbers and workplace names.

        Rows are 1.46 capital heights of the number font, so five calls fit at 16:9; the
        workplace font shrinks (to half the number's at most) until the longest name fits.
        """
        m = max(8, round(height * 0.02))
        number = number_font(height)
        fm_number = QFontMetrics(number)
        cap = fm_number.capHeight()
        header = _font(round(height * 0.04), bold=True)
        clock = _font(round(height * 0.07), bold=True)
        label = _font(round(height * 0.027))
        side_number = _font(round(height * 0.05), bold=True)
        side_text = _font(round(height * 0.034))
        ticker = _font(round(height * 0.036))
        mark = _font(round(height * 0.026), bold=True)
        arrow = _font(round(number.pixelSize() * 0.6), bold=True)

        header_h = (
            max(
                QFontMetrics(clock).height(),
                QFontMetrics(header).height() + QFontMetrics(label).height(),
            )
            + m
        )
        ticker_h = QFontMetrics(ticker).height() + m
        header_rect = QRect(0, 0, width, header_h)
        ticker_rect = QRect(0, height - ticker_h, width, ticker_h)
        body_top, body_bottom = header_h + m, height - ticker_h - m
        left_w = round(width * 0.655)
        left = QRect(m, body_top, left_w - 2 * m, body_bottom - body_top)
        right = QRect(left_w, body_top, width - left_w - m, body_bottom - body_top)

        number_width = max(fm_number.horizontalAdvance(text) for text in [*numbers, "А000"])
        arrow_width = QFontMetrics(arrow).horizontalAdvance("→") + 2 * m
        place_room = left.width() - 2 * m - number_width - arrow_width
        place = _font(number.pixelSize(), bold=True)
        widest = max((QFontMetrics(place).horizontalAdvance(p) for p in places), default=0)
        if widest > place_room > 0:
            smallest = round(number.pixelSize() * 0.5)
            pixels = max(smallest, int(number.pixelSize() * place_room / widest))
            place = _font(pixels, bold=True)
            # Hinting makes widths grow unevenly with size: step down until every name fits.
            while pixels > smallest and (
                max(QFontMetrics(place).horizontalAdvance(p) for p in places) > place_room
            ):
                pixels -= 1
                place = _font(pixels, bold=True)
        label_h = QFontMetrics(label).height() + m // 2
        row_h = round(cap * 1.46)
        rows = max(1, (left.height() - label_h) // row_h)
        return cls(
            width, height, m, number, place, arrow, header, clock, label, side_number,
            side_text, ticker, mark, header_rect, left, right, ticker_rect, number_width,
            arrow_width, row_h, label_h, rows,
        )  # fmt: skip


def draw_centred(p: QPainter, font: QFont, x: int, rect: QRect, text: str) -> None:
    """Draw `text` at `x` with its capital letters centred in `rect` (vertically)."""
    p.setFont(font)
    cap = QFontMetrics(font).capHeight()
    p.drawText(QPoint(x, rect.top() + (rect.height() + cap) // 2), text)


_SAMPLE = HistoryRow(0, "А000", LocalizedText(ru=""), "")


def visible_rows(rows: list[CallRow], count: int, highlighted: CallRow | None) -> list[CallRow]:
    """The first `count` rows, always including the highlighted one (in place of the last)."""
    shown = rows[:count]
    if highlighted is not None and highlighted not in shown and shown:
        shown[-1] = highlighted
    return shown


class BoardView(QWidget):
    """Paints the board; `refresh()` repaints when the state or the second changed."""

    def __init__(self, state: BoardState, lang: str = "ru", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.lang = lang
        self.setAutoFillBackground(False)
        self._painted: tuple[int, bool, str, bool] | None = None
        self.layout_cache: BoardLayout | None = None
        self.painted_at: float | None = None  # monotonic time of the last paint (latency tests)
        self.painted_revision = -1
        self._ticker_scrolls = False
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    # -- texts (translated with Qt's tr: source English, Russian in translations/) ---------------

    def texts(self) -> dict[str, str]:
        return {
            "ticket": self.tr("Ticket"),
            "goto": self.tr("Go to"),
            "also": self.tr("Also called"),
            "earlier": self.tr("Called earlier"),
            "queue": self.tr("Queue"),
            "waiting": self.tr("Waiting"),
            "estimate": self.tr("wait about %1 min"),
            "soon": self.tr("wait under a minute"),
            "no_estimate": self.tr("wait time unknown"),
            "nobody": self.tr("no queue"),
            "offline": self.tr("no connection"),
            "sound_off": self.tr("sound off"),
            "refused": self.tr(
                "This board is not allowed on the server. Please tell the administrator."
            ),
            "connecting": self.tr("Connecting to the server…"),
            "zone": self.tr("Zone not found in the office:"),
            "no_calls": self.tr("Please wait for your number"),
        }

    def marks(self) -> list[tuple[str, str]]:
        """The header's marks now: (text, background colour)."""
        texts = self.texts()
        marks: list[tuple[str, str]] = []
        if self.state.offline_mark() and self.state.refused is None:
            marks.append((texts["offline"], COLOURS["warning"]))
        if self.state.sound_off is not None:
            marks.append((texts["sound_off"], COLOURS["rule"]))
        return marks

    def refresh(self) -> None:
        """Repaint if the state, the blink phase, the clock's minute or a mark changed."""
        state = self.state
        key = (
            state.revision,
            state.blink_on(),
            state.clock.wall().strftime("%H:%M"),
            state.offline_mark(),
        )
        if key != self._painted or self._ticker_scrolls:
            self.update()

    # -- painting --------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        state = self.state
        lang = self.lang
        texts = self.texts()
        highlighted = state.highlighted()
        layout = BoardLayout.compute(
            self.width(),
            self.height(),
            [row.number for row in state.current],
            [row.place(lang) for row in state.current],
        )
        self.layout_cache = layout
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.fillRect(self.rect(), QColor(COLOURS["window"]))
        self._paint_header(painter, layout, texts)
        shown = visible_rows(state.current, layout.rows, highlighted)
        self._paint_calls(painter, layout, texts, shown, highlighted)
        overflow = [row for row in state.current if row not in shown]
        self._paint_side(painter, layout, texts, overflow)
        self._paint_ticker(painter, layout)
        self._paint_banners(painter, layout, texts)
        painter.end()
        self._painted = (
            state.revision,
            state.blink_on(),
            state.clock.wall().strftime("%H:%M"),
            state.offline_mark(),
        )
        self.painted_revision = state.revision
        self.painted_at = state.clock.monotonic()

    def _local_time(self) -> datetime:
        now = self.state.clock.wall()
        try:
            return now.astimezone(ZoneInfo(self.state.timezone))
        except (ZoneInfoNotFoundError, ValueError):
            return now

    def _paint_header(self, p: QPainter, layout: BoardLayout, texts: dict[str, str]) -> None:
        m = layout.margin
        rect = layout.header_rect
        p.fillRect(rect, QColor(COLOURS["panel"]))
        now = self._local_time()
        clock_text = now.strftime("%H:%M")
        fm_clock = QFontMetrics(layout.clock)
        clock_w = fm_clock.horizontalAdvance(clock_text)
        clock_rect = QRect(rect.right() - m - clock_w, rect.top(), clock_w, rect.height())
        p.setPen(QColor(COLOURS["text"]))
        draw_centred(p, layout.clock, clock_rect.left(), clock_rect, clock_text)
        # Marks left of the clock: discreet, but readable.
        x = clock_rect.left() - m
        fm_mark = QFontMetrics(layout.mark)
        p.setFont(layout.mark)
        for text, colour in self.marks():
            w = fm_mark.horizontalAdvance(text) + 2 * m
            h = fm_mark.height() + m // 2
            pill = QRect(x - w, rect.center().y() - h // 2, w, h)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(colour))
            p.drawRoundedRect(QRectF(pill), h / 2, h / 2)
            p.setPen(QColor(COLOURS["warning_text"]))
            p.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
            x = pill.left() - m
        # The office name and, under it, the date.
        fm_name = QFontMetrics(layout.header)
        fm_date = QFontMetrics(layout.label)
        text_w = max(0, x - 2 * m)
        top = rect.top() + (rect.height() - fm_name.height() - fm_date.height()) // 2
        name = fm_name.elidedText(
            self.state.office_name.get(self.lang), Qt.TextElideMode.ElideRight, text_w
        )
        p.setFont(layout.header)
        p.setPen(QColor(COLOURS["text"]))
        p.drawText(QRect(m, top, text_w, fm_name.height()), _LEFT, name)
        p.setFont(layout.label)
        p.setPen(QColor(COLOURS["muted"]))
        date_rect = QRect(m, top + fm_name.height(), text_w, fm_date.height())
        p.drawText(date_rect, _LEFT, format_date(now, self.lang))

    def _paint_calls(
        self,
        p: QPainter,
        layout: BoardLayout,
        texts: dict[str, str],
        rows: list[CallRow],
        highlighted: CallRow | None,
    ) -> None:
        left, m = layout.left, layout.margin
        p.setFont(layout.label)
        p.setPen(QColor(COLOURS["muted"]))
        top = left.top()
        p.drawText(
            QRect(left.left() + m, top, layout.number_width, layout.label_height),
            _LEFT,
            texts["ticket"],
        )
        p.drawText(
            QRect(layout.place_x, top, layout.place_width, layout.label_height),
            _LEFT,
            texts["goto"],
        )
        y = top + layout.label_height
        if not rows:
            if self.state.refused is not None:
                return  # the banner says why; "connecting" would not be true
            p.setFont(layout.side_text)
            text = texts["no_calls"] if self.state.has_data else texts["connecting"]
            p.drawText(QRect(left.left() + m, y, left.width(), layout.row_height), _LEFT, text)
            return
        blink = self.state.blink_on()
        fm_place = QFontMetrics(layout.place)
        for row in rows:
            rect = QRect(left.left(), y, left.width(), layout.row_height - m // 2)
            lit = row is highlighted and blink
            if lit:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor(COLOURS["highlight"]))
            elif row is highlighted:
                p.setPen(QPen(QColor(COLOURS["highlight"]), max(4, m // 3)))
                p.setBrush(QColor(COLOURS["panel"]))
            else:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor(COLOURS["panel"]))
            p.drawRoundedRect(QRectF(rect), m, m)
            p.setPen(QColor(COLOURS["highlight_text"] if lit else COLOURS["number"]))
            draw_centred(p, layout.number, left.left() + m, rect, row.number)
            p.setPen(QColor(COLOURS["highlight_text"] if lit else COLOURS["text"]))
            arrow_x = left.left() + m + layout.number_width + m
            draw_centred(p, layout.arrow, arrow_x, rect, "→")
            # Eliding in the middle keeps the number of "Кабинет 12" when nothing else helps.
            place = fm_place.elidedText(
                row.place(self.lang), Qt.TextElideMode.ElideMiddle, layout.place_width
            )
            draw_centred(p, layout.place, layout.place_x, rect, place)
            y += layout.row_height

    def _paint_side(
        self, p: QPainter, layout: BoardLayout, texts: dict[str, str], overflow: list[CallRow]
    ) -> None:
        right, m = layout.right, layout.margin
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(COLOURS["panel"]))
        p.drawRoundedRect(QRectF(right), m, m)
        inner = right.adjusted(m, m // 2, -m, -m // 2)
        fm_label = QFontMetrics(layout.label)
        fm_side_n = QFontMetrics(layout.side_number)
        fm_text = QFontMetrics(layout.side_text)
        services = self.state.services
        service_h = fm_text.height() + fm_label.height()
        services_h = fm_label.height() + m // 2 + service_h * len(services)
        services_h = min(services_h, inner.height() * 2 // 3)
        history_bottom = inner.bottom() - services_h - m
        line = round(fm_side_n.height() * 1.05)
        earlier: list[CallRow | HistoryRow] = [*overflow, *self.state.history]
        number_w = max(fm_side_n.horizontalAdvance(e.number) for e in [*earlier, _SAMPLE])
        y = inner.top()
        sections: list[tuple[str, list[CallRow | HistoryRow]]] = [
            (texts["also"], list(overflow)),
            (texts["earlier"], list(self.state.history)),
        ]
        for title, entries in sections:
            if not entries and title == texts["also"]:
                continue
            if y + fm_label.height() + line > history_bottom:
                break
            p.setFont(layout.label)
            p.setPen(QColor(COLOURS["muted"]))
            p.drawText(QRect(inner.left(), y, inner.width(), fm_label.height()), _LEFT, title)
            y += fm_label.height()
            for entry in entries:
                if y + line > history_bottom:
                    break
                rect = QRect(inner.left(), y, inner.width(), line)
                p.setPen(QColor(COLOURS["number"]))
                draw_centred(p, layout.side_number, inner.left(), rect, entry.number)
                x = inner.left() + number_w + m
                p.setPen(QColor(COLOURS["text"]))
                text = fm_text.elidedText(
                    "→ " + entry.place(self.lang), Qt.TextElideMode.ElideRight, inner.right() - x
                )
                draw_centred(p, layout.side_text, x, rect, text)
                y += line
            y += m // 2
        # services: prefix, name and waiting count; the estimate under the name
        y = inner.bottom() - services_h
        p.setPen(QPen(QColor(COLOURS["rule"]), 2))
        p.drawLine(inner.left(), y - m // 2, inner.right(), y - m // 2)
        p.setFont(layout.label)
        p.setPen(QColor(COLOURS["muted"]))
        p.drawText(QRect(inner.left(), y, inner.width(), fm_label.height()), _LEFT, texts["queue"])
        p.drawText(
            QRect(inner.left(), y, inner.width(), fm_label.height()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            texts["waiting"],
        )
        y += fm_label.height() + m // 2
        prefix_w = fm_side_n.horizontalAdvance("Ж") + m
        count_w = fm_side_n.horizontalAdvance("000")
        for service in services:
            if y + service_h > inner.bottom() + 1:
                break
            self._paint_service(p, layout, texts, service, inner, y, (prefix_w, count_w))
            y += service_h

    def _paint_service(
        self,
        p: QPainter,
        layout: BoardLayout,
        texts: dict[str, str],
        line: ServiceLine,
        inner: QRect,
        y: int,
        widths: tuple[int, int],
    ) -> None:
        prefix_w, count_w = widths
        m = layout.margin
        fm_text = QFontMetrics(layout.side_text)
        first = QRect(inner.left(), y, inner.width(), fm_text.height())
        p.setPen(QColor(COLOURS["number"]))
        draw_centred(p, layout.side_number, inner.left(), first, line.prefix)
        count_x = inner.right() - count_w
        name_x = inner.left() + prefix_w
        name = fm_text.elidedText(
            line.name.get(self.lang), Qt.TextElideMode.ElideRight, count_x - m - name_x
        )
        p.setPen(QColor(COLOURS["text"]))
        draw_centred(p, layout.side_text, name_x, first, name)
        count = str(line.waiting)
        count_w_now = QFontMetrics(layout.side_number).horizontalAdvance(count)
        draw_centred(p, layout.side_number, inner.right() - count_w_now, first, count)
        estimate = estimate_text(line, texts)
        p.setFont(layout.label)
        p.setPen(QColor(COLOURS["muted"]))
        second = QRect(
            name_x, first.bottom(), inner.right() - name_x, QFontMetrics(layout.label).height()
        )
        p.drawText(second, _LEFT, estimate)

    def _paint_ticker(self, p: QPainter, layout: BoardLayout) -> None:
        rect = layout.ticker_rect
        p.fillRect(rect, QColor(COLOURS["ticker"]))
        text = self.state.ticker_text()
        if not text:
            self._ticker_scrolls = False
            return
        p.setFont(layout.ticker)
        p.setPen(QColor(COLOURS["text"]))
        fm = QFontMetrics(layout.ticker)
        width = fm.horizontalAdvance(text)
        inner = rect.adjusted(layout.margin, 0, -layout.margin, 0)
        self._ticker_scrolls = width > inner.width()
        if not self._ticker_scrolls:
            p.drawText(inner, _LEFT, text)
            return
        # Scrolls at about a tenth of the screen width per second, looping with a separator.
        text += "   •   "
        width = fm.horizontalAdvance(text)
        speed = layout.width / 10
        offset = int(self.state.clock.monotonic() * speed) % width
        p.setClipRect(inner)
        for start in (inner.left() - offset, inner.left() - offset + width):
            p.drawText(QRect(start, rect.top(), width, rect.height()), _LEFT, text)
        p.setClipping(False)

    def _paint_banners(self, p: QPainter, layout: BoardLayout, texts: dict[str, str]) -> None:
        messages = []
        if self.state.refused is not None:
            messages.append(texts["refused"])
        if self.state.zone_problems:
            messages.append(texts["zone"] + " " + ", ".join(self.state.zone_problems))
        if not messages:
            return
        m = layout.margin
        p.setFont(layout.side_text)
        fm = QFontMetrics(layout.side_text)
        y = layout.left.bottom()
        for text in reversed(messages):
            flags = Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignCenter
            bound = fm.boundingRect(QRect(0, 0, layout.width - 4 * m, layout.height), flags, text)
            rect = QRect(m, y - bound.height() - m, layout.width - 2 * m, bound.height() + m)
            p.fillRect(rect, QColor(COLOURS["warning"]))
            p.setPen(QColor(COLOURS["warning_text"]))
            p.drawText(rect, flags, text)
            y = rect.top() - m // 2


def estimate_text(line: ServiceLine, texts: Mapping[str, str]) -> str:
    """What a service's row says of the wait (`texts` as `BoardView.texts` gives them)."""
    if line.waiting == 0:
        return texts["nobody"]
    if line.estimate_minutes is None:
        return texts["no_estimate"]
    if line.estimate_minutes == 0:  # under half a minute: "about 0 min" would read as no wait
        return texts["soon"]
    return texts["estimate"].replace("%1", str(line.estimate_minutes))
