"""The desk's widgets: login, the compact main window, its dialogs and the hall view.

Views build widgets and emit what was pressed; `render(model, ...)` shows a `DeskModel`. No
server calls here (see `desk_controller.py`). Texts are English in `tr()`, Russian from the
app's `.ts`.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QCloseEvent, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from operator_desk.state import DeskAction, DeskModel, DeskStatus, WaitLevel, wait_level
from qt_common.theme import NORMAL
from qt_common.widgets import ConnectionBanner, set_role
from queue_protocol.client import ConnectionState
from queue_protocol.enums import OperatorState, TicketClass, TicketStatus
from queue_protocol.ratings import DeskToday

__all__ = [
    "DESK_SIZE",
    "WAIT_COLOURS",
    "DeskWindow",
    "IssueDialog",
    "LoginWindow",
    "PauseDialog",
    "ReturnDialog",
    "TransferChoice",
    "TransferDialog",
    "desk_style",
    "fill",
]

#: Fits beside other programs on a 1366×768 screen (a third of its width, under the taskbar).
DESK_SIZE = QSize(440, 700)

#: Row background and text of each wait colour (text ≥ 4.5:1 on its background).
WAIT_COLOURS: dict[WaitLevel, tuple[str, str]] = {
    WaitLevel.GREEN: ("#dff3e4", "#14532d"),
    WaitLevel.YELLOW: ("#fff1b8", "#5c4400"),
    WaitLevel.ORANGE: ("#ffd9b0", "#7a3000"),
    WaitLevel.RED: ("#f9c9c9", "#7f1010"),
}

SHORTCUTS: dict[DeskAction, str] = {
    DeskAction.CALL_NEXT: "F1",
    DeskAction.RECALL: "F2",
    DeskAction.START: "F3",
    DeskAction.FINISH: "F4",
    DeskAction.NO_SHOW: "F5",
    DeskAction.RETURN: "F6",
    DeskAction.TRANSFER: "F7",
    DeskAction.PAUSE: "F8",
    DeskAction.RESUME: "F8",
}
FOLLOW_UP_SHORTCUT = "Shift+F4"


def desk_style() -> str:
    """A compact style sheet for an office PC (the kiosk's sizes are for a touchscreen)."""
    p = NORMAL
    return f"""
    QWidget {{ background: {p.window}; color: {p.text}; font-family: "DejaVu Sans";
               font-size: 13px; }}
    QLabel[role="number"] {{ color: {p.number}; font-size: 40px; font-weight: bold; }}
    QLabel[role="title"] {{ font-size: 16px; font-weight: bold; }}
    QLabel[role="muted"] {{ color: {p.muted}; }}
    QLabel[role="status"] {{ border-radius: 6px; padding: 4px 10px; font-weight: bold;
                             background: #dbe7f5; color: #0b3a6e; }}
    QLabel[role="status-paused"] {{ border-radius: 6px; padding: 4px 10px; font-weight: bold;
                                    background: #fff1b8; color: #5c4400; }}
    QLabel[role="status-off"] {{ border-radius: 6px; padding: 4px 10px; font-weight: bold;
                                 background: {p.disabled}; color: {p.disabled_text}; }}
    QLabel[role="error"] {{ background: #fde2e2; color: #7f1010; border: 1px solid #d9a0a0;
                            border-radius: 6px; padding: 6px; }}
    QLabel[role="banner"] {{ background: {p.warning}; color: {p.warning_text}; font-weight: bold;
                             padding: 8px; }}
    QFrame[role="card"], QWidget[role="card"] {{ background: {p.surface};
                             border: 1px solid {p.border}; border-radius: 8px; }}
    QWidget[role="card"] QLabel {{ background: transparent; }}
    QPushButton {{ background: {p.surface}; color: {p.surface_text};
                   border: 1px solid {p.border}; border-radius: 6px; padding: 6px 8px;
                   min-height: 24px; }}
    QPushButton[role="main"] {{ background: {p.accent}; color: {p.accent_text};
                                border-color: {p.accent}; font-weight: bold; font-size: 15px;
                                min-height: 34px; }}
    QPushButton:disabled {{ background: {p.disabled}; color: {p.disabled_text};
                            border-style: dashed; }}
    QPushButton:focus {{ border: 2px solid {p.accent}; }}
    QTableWidget {{ background: {p.surface}; gridline-color: {p.disabled};
                    selection-background-color: {p.accent}; selection-color: {p.accent_text}; }}
    QHeaderView::section {{ background: {p.disabled}; color: {p.text}; border: none;
                            padding: 3px; font-weight: bold; }}
    QLineEdit, QComboBox, QSpinBox {{ background: {p.surface}; border: 1px solid {p.border};
                                      border-radius: 4px; padding: 4px; min-height: 22px; }}
    QTabBar::tab {{ padding: 5px 12px; }}
    QTabBar::tab:selected {{ background: {p.surface}; font-weight: bold; }}
    """


def fill(text: str, *values: object) -> str:
    """Qt's `%1`, `%2` … placeholders of a translated text, filled in."""
    for index, value in enumerate(values, start=1):
        text = text.replace(f"%{index}", str(value))
    return text


def _status_role(status: DeskStatus) -> str:
    if status is DeskStatus.PAUSED:
        return "status-paused"
    if status in (DeskStatus.OFFLINE, DeskStatus.SIGNED_OUT):
        return "status-off"
    return "status"


def _minutes(value: float) -> str:
    return str(int(value))


def _item(text: str, level: WaitLevel | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if level is not None:
        background, foreground = WAIT_COLOURS[level]
        item.setBackground(QBrush(QColor(background)))
        item.setForeground(QBrush(QColor(foreground)))
    return item


def _table(columns: int, stretch: int = 0) -> QTableWidget:
    table = QTableWidget(0, columns)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    table.setWordWrap(False)
    table.verticalHeader().setDefaultSectionSize(22)
    return table


# -- login ---------------------------------------------------------------------------------------


class LoginWindow(QWidget):
    """Login, password, workplace; `submitted(login, password, workplace)`."""

    submitted = Signal(str, str, str)
    closed = Signal()  # the window was closed by the person (not hidden by the app)

    def __init__(
        self,
        last_login: str,
        workplaces: dict[str, str],
        workplace: str,
        workplace_fixed: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Okno: sign in"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        self.title = QLabel(self.tr("Sign in to your workplace"))
        set_role(self.title, "title")
        layout.addWidget(self.title)
        form = QFormLayout()
        self.login = QLineEdit(last_login)
        self.login.setMaxLength(64)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(256)
        self.workplace = QComboBox()
        self.workplace.setEditable(not workplace_fixed)
        for key, name in sorted(workplaces.items(), key=lambda kv: _natural(kv[0])):
            self.workplace.addItem(f"{name} ({key})" if name != key else key, key)
        if workplace:
            index = self.workplace.findData(workplace)
            if index < 0:
                self.workplace.addItem(workplace, workplace)
                index = self.workplace.count() - 1
            self.workplace.setCurrentIndex(index)
        self.workplace.setEnabled(not workplace_fixed)
        form.addRow(self.tr("Login"), self.login)
        form.addRow(self.tr("Password"), self.password)
        form.addRow(self.tr("Workplace"), self.workplace)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setWordWrap(True)
        set_role(self.error, "error")
        self.error.hide()
        layout.addWidget(self.error)
        self.button = QPushButton(self.tr("Sign in"))
        set_role(self.button, "main")
        self.button.clicked.connect(self._submit)
        self.password.returnPressed.connect(self._submit)
        self.login.returnPressed.connect(self.password.setFocus)
        layout.addWidget(self.button)
        layout.addStretch(1)
        self.resize(380, 300)
        (self.password if last_login else self.login).setFocus()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        super().closeEvent(event)

    def chosen_workplace(self) -> str:
        text = self.workplace.currentText().strip()
        data = self.workplace.currentData()
        label = self.workplace.itemText(self.workplace.currentIndex())
        if isinstance(data, str) and text == label:
            return data
        return text

    def _submit(self) -> None:
        login, password, workplace = (
            self.login.text().strip(),
            self.password.text(),
            self.chosen_workplace(),
        )
        if not login or not password or not workplace:
            self.set_error(self.tr("Enter your login, password and workplace."))
            return
        self.submitted.emit(login, password, workplace)

    def set_busy(self, busy: bool) -> None:
        self.button.setEnabled(not busy)
        self.button.setText(self.tr("Signing in…") if busy else self.tr("Sign in"))

    def set_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        if text:
            self.password.selectAll()
            self.password.setFocus()


def _natural(text: str) -> tuple[int, str]:
    return (int(text), "") if text.isdigit() else (10**9, text)


# -- dialogs ---------------------------------------------------------------------------------


def _ok(buttons: QDialogButtonBox) -> QPushButton:
    button = buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert button is not None
    return button


def _name_buttons(buttons: QDialogButtonBox, ok: str, cancel: str) -> None:
    """OK and Cancel in the app's language (Qt's own translations are not installed)."""
    _ok(buttons).setText(ok)
    button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
    if button is not None:
        button.setText(cancel)


class ReturnDialog(QDialog):
    """Return the visitor to the queue, callable again after N minutes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Return to the queue"))
        layout = QFormLayout(self)
        self.minutes = QSpinBox()
        self.minutes.setRange(0, 240)
        self.minutes.setValue(5)
        self.minutes.setSuffix(self.tr(" min"))
        layout.addRow(self.tr("Callable again after"), self.minutes)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        _name_buttons(buttons, self.tr("OK"), self.tr("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)


class PauseDialog(QDialog):
    """A break with a reason (chosen or typed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Take a break"))
        layout = QFormLayout(self)
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(
            [self.tr("Lunch"), self.tr("Short break"), self.tr("Meeting"), self.tr("Paperwork")]
        )
        editor = self.reason.lineEdit()
        if editor is not None:
            editor.setMaxLength(200)
        layout.addRow(self.tr("Reason"), self.reason)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        _name_buttons(buttons, self.tr("OK"), self.tr("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)

    def text(self) -> str:
        return self.reason.currentText().strip()


@dataclass(frozen=True)
class TransferChoice:
    service: str
    operator: str | None
    workplace: str | None
    to_head: bool


class TransferDialog(QDialog):
    """Send the visitor to another service, optionally to a colleague or a workplace."""

    def __init__(
        self,
        services: list[tuple[str, str]],
        operators: list[tuple[str, str]],
        workplaces: list[tuple[str, str]],
        current_service: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Transfer the visitor"))
        layout = QFormLayout(self)
        self.service = QComboBox()
        for key, name in services:
            self.service.addItem(name, key)
        if current_service is not None:
            index = self.service.findData(current_service)
            if index >= 0:
                self.service.setCurrentIndex(index)
        self.operator = QComboBox()
        self.operator.addItem(self.tr("Anyone who serves it"), None)
        for key, name in operators:
            self.operator.addItem(name, key)
        self.workplace = QComboBox()
        self.workplace.addItem(self.tr("Any workplace"), None)
        for key, name in workplaces:
            self.workplace.addItem(name, key)
        self.to_head = QCheckBox(self.tr("To the head of the queue (keeps the original time)"))
        layout.addRow(self.tr("Service"), self.service)
        layout.addRow(self.tr("Colleague"), self.operator)
        layout.addRow(self.tr("Workplace"), self.workplace)
        layout.addRow(self.to_head)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        _name_buttons(buttons, self.tr("Transfer"), self.tr("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)

    def choice(self) -> TransferChoice:
        return TransferChoice(
            service=str(self.service.currentData()),
            operator=self.operator.currentData(),
            workplace=self.workplace.currentData(),
            to_head=self.to_head.isChecked(),
        )


class IssueDialog(QDialog):
    """The floor administrator issues a ticket on a visitor's behalf."""

    def __init__(self, services: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Issue a ticket"))
        layout = QFormLayout(self)
        self.service = QComboBox()
        for key, name in services:
            self.service.addItem(name, key)
        self.priority = QCheckBox(self.tr("Priority visitor"))
        self.lang = QComboBox()
        self.lang.addItem("Русский", "ru")
        self.lang.addItem("English", "en")
        # The server refuses more than 200 characters or control characters (a Reason).
        self.note = QLineEdit()
        self.note.setMaxLength(200)
        self.note.setPlaceholderText(self.tr("Seen by the specialist only"))
        layout.addRow(self.tr("Service"), self.service)
        layout.addRow(self.priority)
        layout.addRow(self.tr("Visitor's language"), self.lang)
        layout.addRow(self.tr("Note"), self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        _name_buttons(buttons, self.tr("Issue"), self.tr("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)


# -- the main window ---------------------------------------------------------------------------


class DeskWindow(QMainWindow):
    """The compact desk: status, the current ticket, the actions, the lines, today's figures;
    a hall tab for a supervisor."""

    action_pressed = Signal(str)  # a DeskAction value (dialogs are opened by the controller)
    finish_pressed = Signal(str)  # "resolved" or "follow_up"
    call_ticket_pressed = Signal(int)
    stay_on_top_toggled = Signal(bool)
    issue_pressed = Signal()
    closed = Signal()

    def __init__(self, supervisor: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.resize(DESK_SIZE)
        self.setMinimumSize(380, 560)
        root = QWidget()
        outer = QVBoxLayout(root)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.banner = ConnectionBanner()
        outer.addWidget(self.banner)
        self.tabs = QTabWidget()
        outer.addWidget(self.tabs, 1)
        self.setCentralWidget(root)

        desk = QWidget()
        layout = QVBoxLayout(desk)
        layout.setContentsMargins(8, 8, 8, 6)
        layout.setSpacing(6)
        header = QHBoxLayout()
        self.who = QLabel()
        set_role(self.who, "title")
        self.status = QLabel()
        set_role(self.status, "status")
        header.addWidget(self.who, 1)
        header.addWidget(self.status)
        layout.addLayout(header)

        card = QWidget()
        set_role(card, "card")
        card_layout = QGridLayout(card)
        card_layout.setContentsMargins(10, 6, 10, 6)
        self.number = QLabel()
        set_role(self.number, "number")
        self.ticket_lines = QLabel()
        self.ticket_lines.setWordWrap(True)
        self.ticket_lines.setTextFormat(Qt.TextFormat.PlainText)
        card_layout.addWidget(self.number, 0, 0, Qt.AlignmentFlag.AlignTop)
        card_layout.addWidget(self.ticket_lines, 0, 1)
        card_layout.setColumnStretch(1, 1)
        layout.addWidget(card)

        self.buttons: dict[DeskAction, QPushButton] = {}
        grid = QGridLayout()
        grid.setSpacing(5)
        self.call_next = self._action(DeskAction.CALL_NEXT)
        set_role(self.call_next, "main")
        grid.addWidget(self.call_next, 0, 0, 1, 2)
        grid.addWidget(self._action(DeskAction.RECALL), 1, 0)
        grid.addWidget(self._action(DeskAction.START), 1, 1)
        self.finish_resolved = QPushButton()
        self.finish_resolved.clicked.connect(lambda: self.finish_pressed.emit("resolved"))
        self.finish_follow_up = QPushButton()
        self.finish_follow_up.clicked.connect(lambda: self.finish_pressed.emit("follow_up"))
        grid.addWidget(self.finish_resolved, 2, 0)
        grid.addWidget(self.finish_follow_up, 2, 1)
        grid.addWidget(self._action(DeskAction.NO_SHOW), 3, 0)
        grid.addWidget(self._action(DeskAction.RETURN), 3, 1)
        grid.addWidget(self._action(DeskAction.TRANSFER), 4, 0)
        self.pause = self._action(DeskAction.PAUSE)
        self.resume = self._action(DeskAction.RESUME)
        grid.addWidget(self.pause, 4, 1)
        grid.addWidget(self.resume, 4, 1)
        layout.addLayout(grid)

        self.error = QLabel()
        self.error.setWordWrap(True)
        set_role(self.error, "error")
        self.error.hide()
        layout.addWidget(self.error)

        self.lines_title = QLabel()
        set_role(self.lines_title, "muted")
        layout.addWidget(self.lines_title)
        self.lines = _table(3)
        self.lines.setMaximumHeight(118)
        layout.addWidget(self.lines)
        self.waiting = _table(3, stretch=1)
        self.waiting.itemSelectionChanged.connect(self._on_selection)
        self.waiting.itemDoubleClicked.connect(lambda _item: self._call_selected())
        layout.addWidget(self.waiting, 1)
        self.call_this = QPushButton()
        self.call_this.clicked.connect(self._call_selected)
        layout.addWidget(self.call_this)

        footer = QHBoxLayout()
        self.today = QLabel()
        set_role(self.today, "muted")
        self.today.setWordWrap(True)
        footer.addWidget(self.today, 1)
        self.on_top = QCheckBox()
        self.on_top.toggled.connect(self.stay_on_top_toggled)
        footer.addWidget(self.on_top)
        self.logout = self._action(DeskAction.LOGOUT)
        footer.addWidget(self.logout)
        layout.addLayout(footer)
        self.tabs.addTab(desk, "")

        self.hall: HallView | None = None
        if supervisor:
            self.hall = HallView()
            self.hall.issue.clicked.connect(self.issue_pressed)
            self.tabs.addTab(self.hall, "")
        else:
            self.tabs.tabBar().hide()

        self._shortcuts: list[QShortcut] = []
        for action, key in SHORTCUTS.items():
            if action is DeskAction.FINISH:
                self._shortcut(key, lambda: self._press_finish("resolved"))
            elif action is DeskAction.PAUSE:
                self._shortcut(key, self._press_pause_or_resume)
            elif action is not DeskAction.RESUME:
                self._shortcut(key, lambda a=action: self._press(a))
        self._shortcut(FOLLOW_UP_SHORTCUT, lambda: self._press_finish("follow_up"))
        self._selected_ticket: int | None = None
        self._model: DeskModel | None = None

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        super().closeEvent(event)

    def _action(self, action: DeskAction) -> QPushButton:
        button = QPushButton()
        button.clicked.connect(lambda: self.action_pressed.emit(action.value))
        self.buttons[action] = button
        return button

    def _shortcut(self, key: str, slot: object) -> None:
        shortcut = QShortcut(QKeySequence(key), self)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(slot)
        self._shortcuts.append(shortcut)

    def _press(self, action: DeskAction) -> None:
        # A shortcut obeys the same rule as the button: only what is enabled now.
        button = self.buttons.get(action)
        if button is not None and button.isEnabled():
            button.click()

    def _press_finish(self, outcome: str) -> None:
        button = self.finish_resolved if outcome == "resolved" else self.finish_follow_up
        if button.isEnabled():
            button.click()

    def _press_pause_or_resume(self) -> None:
        for button in (self.pause, self.resume):
            if button.isVisible() and button.isEnabled():
                button.click()
                return

    def _on_selection(self) -> None:
        rows = self.waiting.selectionModel().selectedRows()
        item = self.waiting.item(rows[0].row(), 0) if rows else None
        data = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        self._selected_ticket = data if isinstance(data, int) else None
        self._update_call_this()

    def _update_call_this(self) -> None:
        model = self._model
        self.call_this.setEnabled(
            model is not None
            and self._selected_ticket is not None
            and model.can_call(self._selected_ticket)
        )

    def _call_selected(self) -> None:
        if self._selected_ticket is not None and self.call_this.isEnabled():
            self.call_ticket_pressed.emit(self._selected_ticket)

    # -- showing the model ---------------------------------------------------------------------

    def show_model(self, model: DeskModel, today: DeskToday | None, lang: str) -> None:
        self._model = model
        self.setWindowTitle(fill(self.tr("Okno desk: %1"), model.workplace_name(model.workplace)))
        self.tabs.setTabText(0, self.tr("My desk"))
        if self.hall is not None:
            self.tabs.setTabText(1, self.tr("Hall"))
        place = model.workplace_name(model.workplace, lang)
        self.who.setText(f"{model.operator_name or model.operator} · {place}")
        status = model.status
        texts = {
            DeskStatus.OFFLINE: self.tr("Offline"),
            DeskStatus.SIGNED_OUT: self.tr("Signed out"),
            DeskStatus.AVAILABLE: self.tr("Available"),
            DeskStatus.CALLED: self.tr("Visitor called"),
            DeskStatus.SERVING: self.tr("Serving"),
            DeskStatus.PAUSED: self.tr("On a break"),
        }
        text = texts[status]
        if status is DeskStatus.PAUSED and model.pause_reason:
            text = f"{text}: {model.pause_reason}"
        self.status.setText(text)
        set_role(self.status, _status_role(status))
        self._render_ticket(model, lang)
        self._render_actions(model)
        self.error.setText(model.error or "")
        self.error.setVisible(bool(model.error))
        self._render_lines(model, lang)
        self._render_today(today)
        if self.hall is not None:
            self.hall.show_model(model, lang)

    def _render_ticket(self, model: DeskModel, lang: str) -> None:
        ticket = model.current
        self.number.setVisible(ticket is not None)
        if ticket is None:
            outcome = {
                "resolved": self.tr("Last visit: resolved."),
                "follow_up": self.tr("Last visit: a follow-up is needed."),
                "no_show": self.tr("Last visitor did not come."),
                "returned": self.tr("Last visitor was returned to the queue."),
                "transferred": self.tr("Last visitor was transferred."),
            }.get(model.last_outcome or "", "")
            hint = self.tr("Nobody at the desk. Press F1 to call the next visitor.")
            if model.status is DeskStatus.PAUSED:
                hint = self.tr("On a break: press F8 to resume work.")
            self.ticket_lines.setText("\n".join(line for line in (outcome, hint) if line))
            return
        self.number.setText(ticket.number)
        classes = {
            TicketClass.WALK_IN: self.tr("walk-in"),
            TicketClass.PRIORITY: self.tr("priority visitor"),
            TicketClass.APPOINTMENT: self.tr("appointment"),
        }
        now = model.clock()
        lines = [f"{model.service_name(ticket.service, lang)} · {classes[ticket.ticket_class]}"]
        if ticket.slot_at is not None:
            lines.append(
                fill(self.tr("Booked for %1"), ticket.slot_at.astimezone().strftime("%H:%M"))
            )
        lines.append(fill(self.tr("Waited %1 min"), _minutes(ticket.waited_minutes(now))))
        if ticket.status is TicketStatus.CALLED and ticket.calls > 1:
            lines.append(fill(self.tr("Called %1 times"), ticket.calls))
        if ticket.earlier_services:
            earlier = ", ".join(model.service_name(s, lang) for s in ticket.earlier_services)
            lines.append(fill(self.tr("Earlier: %1"), earlier))
        if ticket.lang == "en":
            lines.append(self.tr("Speaks English"))
        if ticket.note:
            lines.append(fill(self.tr("Note: %1"), ticket.note))
        self.ticket_lines.setText("\n".join(lines))

    def _render_actions(self, model: DeskModel) -> None:
        enabled = model.enabled()
        labels = {
            DeskAction.CALL_NEXT: self.tr("Call next"),
            DeskAction.RECALL: self.tr("Recall"),
            DeskAction.START: self.tr("Start"),
            DeskAction.NO_SHOW: self.tr("No-show"),
            DeskAction.RETURN: self.tr("Return to queue…"),
            DeskAction.TRANSFER: self.tr("Transfer…"),
            DeskAction.PAUSE: self.tr("Break…"),
            DeskAction.RESUME: self.tr("Resume work"),
            DeskAction.LOGOUT: self.tr("Sign out"),
        }
        for action, button in self.buttons.items():
            key = SHORTCUTS.get(action)
            label = labels[action]
            button.setText(f"{label} [{key}]" if key else label)
            button.setEnabled(action in enabled)
        finishing = DeskAction.FINISH in enabled
        self.finish_resolved.setText("✓ " + self.tr("Resolved") + " [F4]")
        self.finish_follow_up.setText("↻ " + self.tr("Follow-up needed") + " [⇧F4]")
        self.finish_resolved.setToolTip(self.tr("Finish: the question is resolved"))
        self.finish_follow_up.setToolTip(self.tr("Finish: the visitor needs to come again"))
        self.finish_resolved.setEnabled(finishing)
        self.finish_follow_up.setEnabled(finishing)
        paused = model.operator_state is OperatorState.PAUSED
        self.pause.setVisible(not paused)
        self.resume.setVisible(paused)
        self.on_top.setText(self.tr("On top"))
        self.call_this.setText(self.tr("Call this ticket"))

    def _render_lines(self, model: DeskModel, lang: str) -> None:
        lines = model.lines()
        total = sum(line.waiting for line in lines)
        self.lines_title.setText(fill(self.tr("Waiting: %1"), total))
        self.lines.setHorizontalHeaderLabels(
            [self.tr("Service"), self.tr("Waiting"), self.tr("Longest")]
        )
        self.lines.setRowCount(len(lines))
        for row, line in enumerate(lines):
            name = line.name.get(lang)
            if line.my_level is not None:
                name = f"{name} ({line.my_level})"
            self.lines.setItem(row, 0, _item(name))
            self.lines.setItem(row, 1, _item(str(line.waiting)))
            longest = fill(self.tr("%1 min"), _minutes(line.longest_wait_minutes))
            self.lines.setItem(row, 2, _item(longest if line.waiting else "", line.level))
        mine = {line.service for line in model.lines(only_mine=True)}
        tickets = [t for t in model.waiting_list() if not model.my_levels or t.service in mine]
        self.waiting.setHorizontalHeaderLabels(
            [self.tr("Ticket"), self.tr("Service"), self.tr("Waits")]
        )
        self.waiting.setRowCount(len(tickets))
        still_there = False
        for row, ticket in enumerate(tickets):
            waited = model.waited_minutes(ticket)
            level = wait_level(waited)
            number = _item(ticket.number, level)
            number.setData(Qt.ItemDataRole.UserRole, ticket.id)
            self.waiting.setItem(row, 0, number)
            self.waiting.setItem(row, 1, _item(model.service_name(ticket.service, lang)))
            self.waiting.setItem(row, 2, _item(fill(self.tr("%1 min"), _minutes(waited)), level))
            if ticket.id == self._selected_ticket:
                still_there = True
        if not still_there:
            self._selected_ticket = None
        self._update_call_this()

    def _render_today(self, today: DeskToday | None) -> None:
        if today is None:
            self.today.setText("")
            return
        parts = [fill(self.tr("Today: served %1"), today.served)]
        if today.average_service_minutes is not None:
            parts.append(fill(self.tr("avg %1 min"), f"{today.average_service_minutes:.1f}"))
        if today.average_rating is not None:
            parts.append(fill(self.tr("rating %1"), f"{today.average_rating:.1f}"))
        self.today.setText(" · ".join(parts))

    def set_connection(self, state: ConnectionState | str) -> None:
        self.banner.set_state(state)


class HallView(QWidget):
    """The floor administrator's view: every desk and every waiting visitor."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.issue = QPushButton()
        set_role(self.issue, "main")
        layout.addWidget(self.issue)
        self.desks_title = QLabel()
        set_role(self.desks_title, "title")
        layout.addWidget(self.desks_title)
        self.desks = _table(4, stretch=2)
        layout.addWidget(self.desks, 2)
        self.waiting_title = QLabel()
        set_role(self.waiting_title, "title")
        layout.addWidget(self.waiting_title)
        self.waiting = _table(3, stretch=1)
        layout.addWidget(self.waiting, 3)

    def show_model(self, model: DeskModel, lang: str) -> None:
        self.issue.setText(self.tr("Issue a ticket for a visitor…"))
        rows = model.hall(lang)
        self.desks_title.setText(fill(self.tr("Desks (%1)"), len(rows)))
        self.desks.setHorizontalHeaderLabels(
            [self.tr("Where"), self.tr("Specialist"), self.tr("Visitor"), self.tr("For")]
        )
        self.desks.setRowCount(len(rows))
        for index, row in enumerate(rows):
            if row.state is OperatorState.PAUSED:
                visitor = self.tr("break")
                if row.reason:
                    visitor = f"{visitor}: {row.reason}"
            elif row.ticket_number is None:
                visitor = self.tr("free")
            else:
                service = model.service_name(row.service or "", lang)
                visitor = row.ticket_number
                if row.ticket_status is TicketStatus.CALLED:
                    called = self.tr("called")
                    visitor = f"{visitor} {called}"
                visitor = f"{visitor} · {service}"
            minutes = (
                fill(self.tr("%1 min"), _minutes(row.minutes_at_desk))
                if row.minutes_at_desk is not None
                else ""
            )
            self.desks.setItem(index, 0, _item(row.workplace_name))
            self.desks.setItem(index, 1, _item(row.name))
            self.desks.setItem(index, 2, _item(visitor))
            self.desks.setItem(index, 3, _item(minutes))
        tickets = model.waiting_list()
        self.waiting_title.setText(fill(self.tr("Waiting (%1)"), len(tickets)))
        self.waiting.setHorizontalHeaderLabels(
            [self.tr("Ticket"), self.tr("Service"), self.tr("Waits")]
        )
        self.waiting.setRowCount(len(tickets))
        for index, ticket in enumerate(tickets):
            waited = model.waited_minutes(ticket)
            level = wait_level(waited)
            number = ticket.number
            if ticket.ticket_class == TicketClass.PRIORITY:
                number += " ★"
            self.waiting.setItem(index, 0, _item(number, level))
            self.waiting.setItem(index, 1, _item(model.service_name(ticket.service, lang)))
            self.waiting.setItem(index, 2, _item(fill(self.tr("%1 min"), _minutes(waited)), level))
