"""A full-screen window with no frame and no way out but the administrator's PIN.

The administrator taps the top-left corner five times within three seconds; a PIN keypad opens;
the right PIN closes the app. Without a configured PIN the window cannot be closed from the
screen at all (stop the service from a terminal).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QMainWindow, QVBoxLayout, QWidget

from qt_common.widgets import Keypad, set_role

__all__ = ["CornerTaps", "KioskWindow", "PinDialog"]

logger = logging.getLogger("okno.qt")

CORNER_PX = 120
TAPS = 5
TAPS_WITHIN = 3.0


class CornerTaps:
    """Counts taps in the secret corner; `tap(now)` is True on the fifth within the window."""

    def __init__(self, taps: int = TAPS, within: float = TAPS_WITHIN) -> None:
        self._taps = taps
        self._within = within
        self._times: deque[float] = deque(maxlen=taps)

    def tap(self, now: float) -> bool:
        self._times.append(now)
        if len(self._times) == self._taps and now - self._times[0] <= self._within:
            self._times.clear()
            return True
        return False


class PinDialog(QDialog):
    """An on-screen keypad for the administrator's PIN."""

    def __init__(self, pin: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pin = pin
        self.setModal(True)
        layout = QVBoxLayout(self)
        self.prompt = QLabel(self.tr("Administrator PIN"), self)
        set_role(self.prompt, "title")
        self.field = QLineEdit(self)
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setReadOnly(True)
        self.keypad = Keypad(ok_text=self.tr("OK"), parent=self)
        self.keypad.key_pressed.connect(self._on_key)
        layout.addWidget(self.prompt)
        layout.addWidget(self.field)
        layout.addWidget(self.keypad)

    def _on_key(self, key: str) -> None:
        if key == "\b":
            self.field.setText(self.field.text()[:-1])
        elif key == "\n":
            if self.field.text() == self._pin:
                self.accept()
            else:
                logger.warning("wrong administrator PIN entered")
                self.prompt.setText(self.tr("Wrong PIN"))
                self.field.clear()
        elif len(self.field.text()) < 8:
            self.field.setText(self.field.text() + key)


class KioskWindow(QMainWindow):
    """The app's main window; `kiosk=True` is frameless full screen and refuses to close."""

    #: the administrator unlocked the window with the PIN (the app should quit)
    unlocked = Signal()

    def __init__(
        self,
        kiosk: bool,
        admin_pin: str | None,
        clock: Callable[[], float],
        size: QSize | None = None,
    ) -> None:
        super().__init__()
        self._kiosk = kiosk
        self._admin_pin = admin_pin
        self._clock = clock
        self._corner = CornerTaps()
        self._may_close = not kiosk
        if kiosk:
            self.setWindowFlags(
                Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
            )
        if size is not None:
            self.resize(size)

    def show_app(self) -> None:
        """Show full screen in kiosk mode, else as a normal window."""
        if self._kiosk:
            self.showFullScreen()
        else:
            self.show()

    def watch_corner(self, app: QObject) -> None:
        """Listen for the administrator's corner taps on every widget of `app`."""
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            local = self.mapFromGlobal(event.globalPosition().toPoint())
            if (
                self.rect().contains(local)
                and self._in_corner(local)
                and self._corner.tap(self._clock())
            ):
                self.ask_pin()
        return False

    @staticmethod
    def _in_corner(point: QPoint) -> bool:
        return 0 <= point.x() < CORNER_PX and 0 <= point.y() < CORNER_PX

    def ask_pin(self) -> None:
        """Open the PIN keypad; the right PIN unlocks (and the app quits)."""
        if self._admin_pin is None:
            logger.warning("corner taps, but no administrator PIN is configured")
            return
        dialog = PinDialog(self._admin_pin, self)
        dialog.accepted.connect(self._unlock)
        dialog.open()

    def _unlock(self) -> None:
        logger.info("kiosk window unlocked by the administrator")
        self._may_close = True
        self.unlocked.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_close:
            event.accept()
        else:
            event.ignore()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._kiosk and event.key() == Qt.Key.Key_Escape:
            event.ignore()  # no way out by keyboard
            return
        super().keyPressEvent(event)
