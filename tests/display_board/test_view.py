"""The painted board (offscreen Qt): sizes from font metrics, highlight, marks, translations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QColor, QFontMetrics, QImage

from display_board.main import TRANSLATIONS_DIR
from display_board.state import OFFLINE_MARK_AFTER, BoardConfig, BoardState, ServiceLine
from display_board.view import COLOURS, BoardLayout, BoardView, estimate_text, format_date
from qt_common.i18n import Translations
from qt_common.theme import MIN_CONTRAST, contrast_ratio
from queue_protocol.client import ConnectionState
from queue_protocol.models import LocalizedText
from tests.display_board.factories import T0, FakeBoardClock, Office

pytestmark = pytest.mark.gui

SIZES = [(1920, 1080), (1366, 768)]
PLACES = ["Кабинет 12", "Окно 4", "Window 3", "Room 12"]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_numbers_are_a_tenth_of_the_screen_and_five_calls_fit(
    qapp: Any, width: int, height: int
) -> None:
    """Call numbers' capitals are ≥ 1/10 of the height; five calls fit; names fit unelided."""
    layout = BoardLayout.compute(width, height, ["А042", "Б999", "С002"], PLACES)
    assert QFontMetrics(layout.number).capHeight() >= height / 10
    assert layout.rows >= 5
    assert layout.label_height + layout.rows * layout.row_height <= layout.left.height()
    widest = max(QFontMetrics(layout.place).horizontalAdvance(p) for p in PLACES)
    assert widest <= layout.place_width
    assert layout.left.right() < layout.right.left() and layout.right.right() <= width
    assert layout.ticker_rect.bottom() < height and layout.header_rect.top() == 0


def test_a_long_name_shrinks_the_workplace_font_not_the_number(qapp: Any) -> None:
    """A long workplace name makes its own font smaller; the numbers keep their size."""
    short = BoardLayout.compute(1920, 1080, ["А042"], ["Окно 1"])
    long = BoardLayout.compute(1920, 1080, ["А042"], ["Кабинет профориентации 12"])
    assert long.place.pixelSize() < short.place.pixelSize()
    assert long.number.pixelSize() == short.number.pixelSize()


def test_board_colours_are_readable() -> None:
    """Every text colour on its background has at least WCAG AA contrast."""
    pairs = [
        ("text", "window"),
        ("text", "panel"),
        ("muted", "panel"),
        ("number", "panel"),
        ("number", "window"),
        ("highlight_text", "highlight"),
        ("warning_text", "warning"),
        ("warning_text", "rule"),
        ("text", "ticker"),
    ]
    for foreground, background in pairs:
        ratio = contrast_ratio(COLOURS[foreground], COLOURS[background])
        assert ratio >= MIN_CONTRAST, (foreground, background, ratio)


def test_dates_in_both_languages() -> None:
    """The date is written out in Russian or English without a system locale."""
    assert format_date(T0, "ru") == "вторник, 10 марта 2026"
    assert format_date(T0, "en") == "Tuesday, 10 March 2026"


def board_with_calls(qtbot: Any, lang: str = "en") -> tuple[BoardView, BoardState, Office]:
    clock = FakeBoardClock()
    office = Office(clock)
    state = BoardState(BoardConfig(blink_seconds=5, blink_period=0.5), clock, speech=False)
    state.set_connection(ConnectionState.LIVE)
    state.apply_snapshot(office.snapshot(waiting={"reg": 3}))
    state.set_connection(ConnectionState.LIVE)
    view = BoardView(state, lang)
    qtbot.addWidget(view)
    view.resize(1920, 1080)
    return view, state, office


def highlight_pixels(image: QImage, layout: BoardLayout) -> int:
    """How many sampled pixels of the first row are the highlight colour."""
    colour = QColor(COLOURS["highlight"]).rgb()
    top = layout.left.top() + layout.label_height
    count = 0
    for x in range(layout.left.left() + 5, layout.left.right(), 20):
        for y in range(top + 5, top + layout.row_height - 15, 10):
            count += image.pixel(x, y) == colour
    return count


def test_newest_call_is_painted_highlighted_and_blinks(qtbot: Any) -> None:
    """The newest call's row is filled with the highlight colour in the bright phase only."""
    view, state, office = board_with_calls(qtbot)
    state.apply_event(office.call(1, "А001", "1"))
    state.apply_event(office.call(2, "А002", "5"))
    assert state.blink_on()
    bright = view.grab().toImage()
    assert view.layout_cache is not None
    lit = highlight_pixels(bright, view.layout_cache)
    state.clock.advance(0.5)  # type: ignore[attr-defined]
    assert not state.blink_on()
    dark = view.grab().toImage()
    assert lit > 50 and highlight_pixels(dark, view.layout_cache) < lit / 5
    state.clock.advance(10)  # type: ignore[attr-defined]
    assert highlight_pixels(view.grab().toImage(), view.layout_cache) == 0


def test_marks_for_no_connection_and_sound_off(qtbot: Any) -> None:
    """ "no connection" after 5 s offline, "sound off" once the sound is off; calls stay."""
    view, state, office = board_with_calls(qtbot)
    state.apply_event(office.call(1, "А001", "1"))
    assert view.marks() == []
    state.set_connection(ConnectionState.RECONNECTING)
    state.clock.advance(OFFLINE_MARK_AFTER + 0.1)  # type: ignore[attr-defined]
    state.set_sound_off("no audio device")
    assert [text for text, _ in view.marks()] == ["no connection", "sound off"]
    view.grab()
    assert [row.number for row in state.current] == ["А001"]


def test_russian_translation(qtbot: Any, qapp: Any) -> None:
    """With the Russian translation the board says "Талон", "нет связи", "звук выключен"."""
    translations = Translations(qapp, TRANSLATIONS_DIR, "okno_display")
    translations.switch("ru")
    try:
        view, state, _ = board_with_calls(qtbot, lang="ru")
        state.set_connection(ConnectionState.RECONNECTING)
        state.clock.advance(OFFLINE_MARK_AFTER)  # type: ignore[attr-defined]
        state.set_sound_off("no device")
        texts = view.texts()
        assert (texts["ticket"], texts["goto"]) == ("Талон", "Куда пройти")
        assert [text for text, _ in view.marks()] == ["нет связи", "звук выключен"]
        assert texts["estimate"].replace("%1", "5") == "ожидание ≈ 5 мин"
        assert estimate_text(_line(waiting=2, estimate=0), texts) == "ожидание меньше минуты"
    finally:
        translations.switch("en")


def test_repaints_on_a_new_event_at_once(qtbot: Any) -> None:
    """`refresh()` schedules a repaint after a change; the painted revision catches up."""
    view, state, office = board_with_calls(qtbot)
    view.show()
    qtbot.waitExposed(view)
    state.apply_event(office.call(1, "А001", "1"))
    view.refresh()
    qtbot.waitUntil(lambda: view.painted_revision == state.revision, timeout=2000)


def test_screenshot_file(qtbot: Any, tmp_path: Path) -> None:
    """The board grabs to a PNG of the window's size."""
    from qt_common.app import save_png

    view, state, office = board_with_calls(qtbot)
    state.apply_event(office.call(1, "А001", "1"))
    save_png(view, tmp_path / "board.png")
    image = QImage(str(tmp_path / "board.png"))
    assert (image.width(), image.height()) == (1920, 1080)


def _line(waiting: int, estimate: int | None) -> ServiceLine:
    name = LocalizedText(ru="Регистрация", en="Registration")
    return ServiceLine("reg", name, "А", waiting, estimate)


@pytest.mark.parametrize(
    ("waiting", "estimate", "said"),
    [(0, None, "no queue"), (3, None, "wait time unknown"), (3, 0, "wait under a minute"),
     (3, 1, "wait about 1 min"), (3, 25, "wait about 25 min")],
)  # fmt: skip
def test_a_rows_wait_text(qtbot: Any, waiting: int, estimate: int | None, said: str) -> None:
    """A service's row: nobody waiting, no estimate, under half a minute, or the minutes."""
    view, _, _ = board_with_calls(qtbot)
    assert estimate_text(_line(waiting, estimate), view.texts()) == said
