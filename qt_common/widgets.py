"""Small widgets every app uses: the connection banner and an on-screen keypad."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QSizePolicy, QWidget

from queue_protocol.client import ConnectionState

__all__ = ["ConnectionBanner", "Keypad", "set_role"]


def set_role(widget: QWidget, role: str) -> None:
    """Give `widget` a style role of the theme's style sheet (`title`, `muted`, `main`, ...)."""
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class ConnectionBanner(QLabel):
    """A strip saying that the server cannot be reached; hidden while the connection is live."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_role(self, "banner")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._state = ConnectionState.IDLE
        self.set_state(ConnectionState.IDLE)

    @property
    def connection_state(self) -> ConnectionState:
        """The state the banner shows."""
        return self._state

    def set_state(self, state: ConnectionState | str) -> None:
        """Show what `state` means for the person in front of the screen."""
        self._state = ConnectionState(state)
        self.retranslate()

    def retranslate(self) -> None:
        """Re-read the text in the present language."""
        texts = {
            ConnectionState.CONNECTING: self.tr("Connecting to the server…"),
            ConnectionState.RECONNECTING: self.tr("No connection to the server. Trying again…"),
            ConnectionState.REFUSED: self.tr(
                "This device is not allowed on the server. Please tell the administrator."
            ),
        }
        text = texts.get(self._state)
        self.setText(text or "")
        self.setVisible(text is not None)


class Keypad(QWidget):
    """Digits (and optionally letters) in big keys; `key_pressed` carries the character,
    "\\b" for backspace and "\\n" for OK."""

    key_pressed = Signal(str)

    def __init__(
        self,
        letters: str = "",
        ok_text: str = "OK",
        parent: QWidget | None = None,
        columns: int | None = None,
    ) -> None:
        super().__init__(parent)
        layout = QGridLayout(self)
        layout.setSpacing(12)
        keys = list("123456789") + list(letters)
        # Wide screens take more columns, so that a keypad with letters stays few rows high.
        columns = max(3, columns) if columns is not None else (3 if not letters else 5)
        for index, key in enumerate(keys):
            self._add(layout, key, key, index // columns, index % columns)
        row = (len(keys) + columns - 1) // columns
        self.backspace = self._add(layout, "⌫", "\b", row, 0)
        self._add(layout, "0", "0", row, 1)
        self.ok = self._add(layout, ok_text, "\n", row, 2, span=columns - 2)
        set_role(self.ok, "main")

    def _add(
        self, layout: QGridLayout, label: str, key: str, row: int, column: int, span: int = 1
    ) -> QPushButton:
        button = QPushButton(label, self)
        set_role(button, "key")
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        button.setMinimumSize(110, 100)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(lambda: self.key_pressed.emit(key))
        layout.addWidget(button, row, column, 1, span)
        return button
