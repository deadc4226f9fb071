"""The rating terminal's screens: idle, five faces, quick reasons, the effort question, thanks.

`RatingView.show_flow(flow)` shows a `RatingFlow`; taps come out as signals. Faces are drawn
(no emoji font is needed), each with its word under it, so a score never depends on colour.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from operator_desk.rating_state import RatingFlow, RatingScreen
from qt_common.widgets import ConnectionBanner, set_role
from queue_protocol.ratings import RatingReason

__all__ = ["FACE_COLOURS", "FaceButton", "RatingView", "rating_style"]

#: Face colours from 1 (bad) to 5 (excellent); the word under each face carries the meaning too.
FACE_COLOURS = ("#c62828", "#ef6c00", "#f9a825", "#7cb342", "#2e7d32")

REASONS = (
    RatingReason.LONG_WAIT,
    RatingReason.UNCLEAR,
    RatingReason.IMPOLITE,
    RatingReason.NOT_RESOLVED,
    RatingReason.OTHER,
)


def rating_style() -> str:
    return """
    QWidget { background: #f4f6f8; color: #14202b; font-family: "DejaVu Sans"; font-size: 26px; }
    QLabel[role="title"] { font-size: 44px; font-weight: bold; }
    QLabel[role="huge"] { font-size: 64px; font-weight: bold; color: #0b4a8c; }
    QLabel[role="muted"] { color: #3f4d5a; font-size: 26px; }
    QLabel[role="banner"] { background: #8a3b00; color: #ffffff; font-weight: bold; padding: 12px; }
    QLabel[role="face-word"] { font-size: 24px; color: #14202b; }
    QPushButton { background: #ffffff; color: #14202b; border: 2px solid #9aa7b4;
                  border-radius: 16px; padding: 16px 24px; min-height: 80px; font-size: 28px; }
    QPushButton:checked { background: #0b5cad; color: #ffffff; border-color: #0b5cad; }
    QPushButton[role="main"] { background: #0b5cad; color: #ffffff; border-color: #0b5cad;
                               font-weight: bold; }
    """


class FaceButton(QPushButton):
    """A large round face for a score of 1 (frowning) to 5 (smiling)."""

    def __init__(self, score: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.score = score
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(QSize(170, 170))
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setStyleSheet("QPushButton { border: none; background: transparent; }")

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height()) - 8
        box = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        colour = QColor(FACE_COLOURS[self.score - 1])
        if self.isDown():
            colour = colour.darker(130)
        painter.setPen(QPen(QColor("#14202b"), max(3.0, side / 40)))
        painter.setBrush(colour)
        painter.drawEllipse(box)
        # Eyes.
        painter.setBrush(QColor("#14202b"))
        eye = side * 0.09
        for x in (0.34, 0.66):
            centre = QPointF(box.left() + side * x, box.top() + side * 0.38)
            painter.drawEllipse(centre, eye / 2, eye / 2 * 1.3)
        # Mouth: a curve from a frown (1) to a broad smile (5).
        bend = (self.score - 3) * 0.09 * side
        left = QPointF(box.left() + side * 0.28, box.top() + side * 0.68)
        right = QPointF(box.left() + side * 0.72, box.top() + side * 0.68)
        control = QPointF(box.center().x(), box.top() + side * 0.68 + bend * 2)
        mouth = QPainterPath(left)
        mouth.quadTo(control, right)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        pen = QPen(QColor("#14202b"), max(4.0, side / 22))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawPath(mouth)
        painter.end()


class RatingView(QWidget):
    """Every screen of the terminal in one stack."""

    score_tapped = Signal(int)
    reason_toggled = Signal(str)
    reasons_done = Signal()
    effort_tapped = Signal(int)  # 0: skipped

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.banner = ConnectionBanner()
        outer.addWidget(self.banner)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)
        self.pages: dict[RatingScreen, QWidget] = {}

        idle = self._page(RatingScreen.IDLE)
        self.idle_window = QLabel()
        set_role(self.idle_window, "huge")
        self.idle_operator = QLabel()
        set_role(self.idle_operator, "title")
        self.idle_hint = QLabel()
        set_role(self.idle_hint, "muted")
        for label in (self.idle_window, self.idle_operator, self.idle_hint):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            idle.layout().addWidget(label)  # type: ignore[union-attr]

        faces = self._page(RatingScreen.FACES)
        self.faces_title = self._title(faces)
        self.faces_ticket = QLabel()
        set_role(self.faces_ticket, "muted")
        self.faces_ticket.setAlignment(Qt.AlignmentFlag.AlignCenter)
        faces.layout().addWidget(self.faces_ticket)  # type: ignore[union-attr]
        row = QGridLayout()
        self.face_buttons: list[FaceButton] = []
        self.face_words: list[QLabel] = []
        for score in range(1, 6):
            face = FaceButton(score)
            face.clicked.connect(lambda _=False, s=score: self.score_tapped.emit(s))
            word = QLabel()
            set_role(word, "face-word")
            word.setAlignment(Qt.AlignmentFlag.AlignCenter)
            row.addWidget(face, 0, score - 1)
            row.addWidget(word, 1, score - 1)
            self.face_buttons.append(face)
            self.face_words.append(word)
        faces.layout().addLayout(row, 3)  # type: ignore[union-attr]

        reasons = self._page(RatingScreen.REASONS)
        self.reasons_title = self._title(reasons)
        grid = QGridLayout()
        self.reason_buttons: dict[RatingReason, QPushButton] = {}
        for index, reason in enumerate(REASONS):
            button = QPushButton()
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, r=reason: self.reason_toggled.emit(r.value))
            grid.addWidget(button, index // 2, index % 2)
            self.reason_buttons[reason] = button
        reasons.layout().addLayout(grid)  # type: ignore[union-attr]
        self.reasons_ok = QPushButton()
        set_role(self.reasons_ok, "main")
        self.reasons_ok.clicked.connect(self.reasons_done)
        reasons.layout().addWidget(self.reasons_ok)  # type: ignore[union-attr]

        effort = self._page(RatingScreen.EFFORT)
        self.effort_title = self._title(effort)
        scale = QHBoxLayout()
        self.effort_buttons: list[QPushButton] = []
        for value in range(1, 6):
            button = QPushButton(str(value))
            button.setMinimumSize(140, 120)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, v=value: self.effort_tapped.emit(v))
            scale.addWidget(button)
            self.effort_buttons.append(button)
        effort.layout().addLayout(scale)  # type: ignore[union-attr]
        self.effort_ends = QLabel()
        set_role(self.effort_ends, "muted")
        self.effort_ends.setAlignment(Qt.AlignmentFlag.AlignCenter)
        effort.layout().addWidget(self.effort_ends)  # type: ignore[union-attr]
        self.effort_skip = QPushButton()
        self.effort_skip.clicked.connect(lambda: self.effort_tapped.emit(0))
        effort.layout().addWidget(self.effort_skip)  # type: ignore[union-attr]

        thanks = self._page(RatingScreen.THANKS)
        self.thanks_title = self._title(thanks)
        self.thanks_note = QLabel()
        set_role(self.thanks_note, "muted")
        self.thanks_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thanks_note.setWordWrap(True)
        thanks.layout().addWidget(self.thanks_note)  # type: ignore[union-attr]
        for page in self.pages.values():
            page.layout().addStretch(1)  # type: ignore[union-attr]

    def _page(self, screen: RatingScreen) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(48, 48, 48, 32)
        layout.setSpacing(24)
        layout.addStretch(1)
        self.stack.addWidget(page)
        self.pages[screen] = page
        return page

    def _title(self, page: QWidget) -> QLabel:
        label = QLabel()
        set_role(label, "title")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        page.layout().addWidget(label)  # type: ignore[union-attr]
        return label

    def show_flow(self, flow: RatingFlow, note: str = "") -> None:
        """Show the flow's screen in its language (the translator is switched by the caller)."""
        self.stack.setCurrentWidget(self.pages[flow.screen])
        lang = flow.lang
        window = flow.workplace_name.get(lang) or flow.workplace_name.get("ru") or ""
        self.idle_window.setText(window)
        self.idle_operator.setText(
            self.tr("Specialist: %1").replace("%1", flow.operator_name)
            if flow.operator_name
            else self.tr("The window is closed")
        )
        self.idle_hint.setText(self.tr("After your visit you can rate the service here."))
        self.faces_title.setText(self.tr("Please rate the service"))
        number = flow.request.number if flow.request is not None else ""
        self.faces_ticket.setText(self.tr("Ticket %1").replace("%1", number) if number else "")
        words = (
            self.tr("Very bad"),
            self.tr("Bad"),
            self.tr("So-so"),
            self.tr("Good"),
            self.tr("Excellent"),
        )
        for word, text in zip(self.face_words, words, strict=True):
            word.setText(text)
        for face, text in zip(self.face_buttons, words, strict=True):
            face.setAccessibleName(text)
        self.reasons_title.setText(self.tr("What went wrong?"))
        labels = {
            RatingReason.LONG_WAIT: self.tr("Long wait"),
            RatingReason.UNCLEAR: self.tr("Unclear explanation"),
            RatingReason.IMPOLITE: self.tr("Impolite"),
            RatingReason.NOT_RESOLVED: self.tr("My question was not resolved"),
            RatingReason.OTHER: self.tr("Something else"),
        }
        for reason, button in self.reason_buttons.items():
            button.setText(labels[reason])
            button.setChecked(reason in flow.reasons)
        self.reasons_ok.setText(self.tr("Done"))
        self.effort_title.setText(self.tr("How easy was it to get your question resolved?"))
        self.effort_ends.setText(self.tr("1 — very hard      5 — very easy"))
        self.effort_skip.setText(self.tr("Skip"))
        self.thanks_title.setText(self.tr("Thank you!"))
        self.thanks_note.setText(note or self.tr("Your rating helps us work better."))
