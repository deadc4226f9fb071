"""The kiosk's screens: widgets drawn from `KioskFlow`; every tap goes out as a signal.

`KioskView.show_flow(flow)` redraws the current screen from the flow (cheap: a handful of widgets),
so a language switch, a new menu or a new theme is just another render. Visitor texts are
`self.tr()` strings (English source, Russian in `translations/okno_kiosk_ru.ts`).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal, SignalInstance
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.hours import DAYS
from kiosk_app.state import (
    CODE_LETTERS,
    KioskFlow,
    MenuCategory,
    MenuService,
    Notice,
    Reason,
    Screen,
)
from qt_common.widgets import ConnectionBanner, Keypad, set_role
from queue_protocol.models import LocalizedText

__all__ = ["KioskView", "TileButton"]


def _clear(layout: QBoxLayout | QGridLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item is None:
            break
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.deleteLater()
        elif item.layout() is not None:
            child = item.layout()
            if isinstance(child, (QBoxLayout, QGridLayout)):
                _clear(child)


def _label(text: str = "", role: str | None = None, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if role:
        set_role(label, role)
    return label


class TileButton(QPushButton):
    """A big menu button: a title line and an optional smaller second line."""

    def __init__(self, title: str, subtitle: str = "", main: bool = False) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(4)
        self.title = _label(title, "tile")
        self.subtitle = _label(subtitle, "tile-sub")
        for label in (self.title, self.subtitle):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            layout.addWidget(label)
        self.subtitle.setVisible(bool(subtitle))
        if main:
            set_role(self, "main")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def sizeHint(self) -> QSize:
        layout = self.layout()
        if layout is None:
            return super().sizeHint()
        hint = layout.sizeHint()
        return QSize(hint.width(), max(hint.height(), 96))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def text_of(self) -> str:
        """Both lines, for tests and logs."""
        return f"{self.title.text()}\n{self.subtitle.text()}".strip()


class KioskView(QWidget):
    """The whole kiosk screen: office name, connection banner, the current page, the bar."""

    category_tapped = Signal(str)
    service_tapped = Signal(str)
    priority_tapped = Signal()
    priority_continue_tapped = Signal()
    check_in_tapped = Signal()
    key_pressed = Signal(str)
    back_tapped = Signal()
    home_tapped = Signal()
    lang_tapped = Signal()
    large_text_tapped = Signal()
    contrast_tapped = Signal()

    def __init__(self, portrait: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.portrait = portrait
        self.qr_pixmap: QPixmap | None = None
        root = QVBoxLayout(self)
        root.setContentsMargins(32, 24, 32, 24)
        root.setSpacing(16)
        self.office_label = _label("", "title")
        self.banner = ConnectionBanner(self)
        self.stack = QStackedWidget(self)
        self.page = QWidget()
        self.page_layout = QVBoxLayout(self.page)
        self.page_layout.setContentsMargins(0, 0, 0, 0)
        self.page_layout.setSpacing(16)
        self.stack.addWidget(self.page)
        root.addWidget(self.office_label)
        root.addWidget(self.banner)
        root.addWidget(self.stack, 1)
        root.addLayout(self._bar())
        self.shown_screen: Screen | None = None

    # -- the bar of every screen ----------------------------------------------------------------

    def _bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setSpacing(16)
        self.lang_button = QPushButton()
        self.large_button = QPushButton()
        self.contrast_button = QPushButton()
        for button, signal in (
            (self.lang_button, self.lang_tapped),
            (self.large_button, self.large_text_tapped),
            (self.contrast_button, self.contrast_tapped),
        ):
            set_role(button, "small")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.clicked.connect(signal.emit)
            bar.addWidget(button)
        return bar

    # -- rendering ------------------------------------------------------------------------------

    def show_flow(self, flow: KioskFlow) -> None:
        """Draw `flow`'s screen in `flow.lang` (the translator is already switched)."""
        lang = flow.lang
        menu = flow.menu
        self.office_label.setText(menu.office_name.get(lang) if menu else "")
        self.banner.retranslate()
        # The language button is written in the language it switches to.
        self.lang_button.setText("English" if lang == "ru" else "Русский")
        self.large_button.setText(
            self.tr("Normal text") if flow.large_text else self.tr("Larger text")
        )
        self.contrast_button.setText(
            self.tr("Normal colours") if flow.high_contrast else self.tr("High contrast")
        )
        _clear(self.page_layout)
        self.shown_screen = flow.screen
        draw = {
            Screen.HOME: self._home,
            Screen.CATEGORY: self._category,
            Screen.PRIORITY: self._priority,
            Screen.ISSUING: self._issuing,
            Screen.TICKET: self._ticket,
            Screen.NOTICE: self._notice,
            Screen.CHECK_IN: self._check_in,
            Screen.OFFICE_CLOSED: self._closed,
            Screen.UNAVAILABLE: self._unavailable,
            Screen.REFUSED: self._refused,
        }[flow.screen]
        draw(flow)

    def _add(self, widget: QWidget, stretch: int = 0) -> QWidget:
        self.page_layout.addWidget(widget, stretch)
        return widget

    def _intro(self, title: str, text: str = "") -> None:
        """The top part of a screen: in portrait it fills the upper third, so that the buttons
        below stay within a seated visitor's reach."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addStretch(1)
        layout.addWidget(_label(title, "title"))
        if text:
            layout.addWidget(_label(text))
        if self.portrait:
            # the office name and banner sit above the page: the intro ends at a third
            box.setMinimumHeight(max(0, self.height() // 3 - self.stack.y()))
        self._add(box)

    def _tiles(self, tiles: list[QPushButton]) -> None:
        grid = QGridLayout()
        grid.setSpacing(16)
        columns = 1 if self.portrait or len(tiles) < 3 else 2
        for index, tile in enumerate(tiles):
            grid.addWidget(tile, index // columns, index % columns)
        holder = QWidget()
        holder.setLayout(grid)
        self._add(holder)

    def _button(self, text: str, signal: SignalInstance | None, main: bool = False) -> QPushButton:
        button = QPushButton(text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setStyleSheet("text-align: center;")
        if main:
            set_role(button, "main")
        if signal is not None:
            button.clicked.connect(signal.emit)
        return button

    def _name(self, text: LocalizedText | None, lang: str) -> str:
        return text.get(lang) if text is not None else ""

    def _home(self, flow: KioskFlow) -> None:
        self._intro(
            self.tr("Take a ticket"), self.tr("Choose what you have come for. Two taps: done.")
        )
        self._menu_tiles(flow, None)
        self.page_layout.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(16)
        row.addWidget(self._button(self.tr("Priority visitors"), self.priority_tapped))
        row.addWidget(self._button(self.tr("I have a booking"), self.check_in_tapped))
        self.page_layout.addLayout(row)

    def _menu_tiles(self, flow: KioskFlow, category: str | None) -> None:
        if flow.menu is None:
            return
        tiles: list[QPushButton] = []
        for item in flow.menu.items(category):
            if isinstance(item, MenuCategory):
                inside = ", ".join(s.name.get(flow.lang) for s in flow.menu.services_in(item.id))
                tile = TileButton(item.name.get(flow.lang), inside)
                tile.clicked.connect(lambda _=False, c=item.id: self.category_tapped.emit(c))
            else:
                tile = self._service_tile(item, flow.lang)
            tiles.append(tile)
        self._tiles(tiles)

    def _service_tile(self, service: MenuService, lang: str) -> TileButton:
        subtitle = self._name(service.description, lang)
        if not service.available:
            subtitle = self.reason_text(service)
        tile = TileButton(service.name.get(lang), subtitle)
        tile.setEnabled(service.available)
        tile.clicked.connect(lambda _=False, s=service.id: self.service_tapped.emit(s))
        tile.setObjectName(f"service-{service.id}")
        return tile

    def reason_text(self, service: MenuService) -> str:
        """Why a service is disabled, and when it opens, in the present language."""
        if service.reason is Reason.CLOSED_NOW:
            if service.opens_at is not None:
                return (
                    self.tr("Closed now. Opens %1 at %2")
                    .replace("%1", self.day_name(service.opens_at.weekday()))
                    .replace("%2", f"{service.opens_at:%H:%M}")
                )
            return self.tr("Closed now")
        if service.reason is Reason.DAILY_LIMIT:
            return self.tr("No more tickets today")
        if service.reason is Reason.NOBODY_SERVING:
            return self.tr("Nobody is serving this right now")
        return ""

    def day_name(self, weekday: int) -> str:
        names = [
            self.tr("Monday"),
            self.tr("Tuesday"),
            self.tr("Wednesday"),
            self.tr("Thursday"),
            self.tr("Friday"),
            self.tr("Saturday"),
            self.tr("Sunday"),
        ]
        return names[weekday]

    def _category(self, flow: KioskFlow) -> None:
        menu = flow.menu
        if flow.category is not None and menu is not None:
            title = menu.categories[flow.category].name.get(flow.lang)
        else:
            title = self.tr("Choose a service")
        text = self.tr("Priority ticket: choose the service.") if flow.priority else ""
        self._intro(title, text)
        self._menu_tiles(flow, flow.category)
        self.page_layout.addStretch(1)
        self._add(self._button(self.tr("Back"), self.back_tapped))

    def _priority(self, flow: KioskFlow) -> None:
        self._intro(
            self.tr("Priority visitors"),
            self.tr(
                "Served first: disabled people of groups I and II and their companions, veterans "
                "and participants of combat operations, pregnant women, parents with children "
                "under three. The specialist may ask for the document."
            ),
        )
        self.page_layout.addStretch(1)
        self._add(self._button(self.tr("Continue"), self.priority_continue_tapped, main=True))
        self._add(self._button(self.tr("Back"), self.back_tapped))

    def _issuing(self, flow: KioskFlow) -> None:
        self._intro(self.tr("Your ticket is being issued…"), self.tr("Please wait a moment."))
        self.page_layout.addStretch(1)

    def _ticket(self, flow: KioskFlow) -> None:
        shown = flow.ticket
        if shown is None:
            return
        ticket = shown.ticket
        lang = flow.lang
        box = QBoxLayout(
            QBoxLayout.Direction.TopToBottom if self.portrait else QBoxLayout.Direction.LeftToRight
        )
        box.setSpacing(24)
        left = QVBoxLayout()
        if shown.checked_in:
            left.addWidget(_label(self.tr("You are checked in. Your ticket:"), "title"))
        else:
            left.addWidget(_label(self.tr("Your ticket number"), "title"))
        number = _label(ticket.number, "number", wrap=False)
        number.setObjectName("ticket-number")
        number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        left.addWidget(number)
        if shown.service is not None:
            left.addWidget(_label(shown.service.name.get(lang), "title"))
        if shown.priority:
            left.addWidget(_label(self.tr("Priority ticket")))
        if shown.late:
            left.addWidget(
                _label(
                    self.tr(
                        "You came after your booked time, so your ticket is in the general queue."
                    )
                )
            )
        elif shown.slot_local is not None:
            slot = shown.slot_local
            left.addWidget(_label(self.tr("Your booked time: %1").replace("%1", f"{slot:%H:%M}")))
        if ticket.ahead == 0:
            left.addWidget(_label(self.tr("You are next in line.")))
        else:
            left.addWidget(
                _label(self.tr("People ahead of you: %1").replace("%1", str(ticket.ahead)))
            )
        if ticket.estimate_minutes == 0:  # under half a minute
            wait = self.tr("Estimated wait: under a minute")
        elif ticket.estimate_minutes is not None:
            wait = self.tr("Estimated wait: ≈ %1 min").replace("%1", str(ticket.estimate_minutes))
        else:
            wait = self.tr("The wait cannot be estimated right now.")
        left.addWidget(_label(wait))
        left.addStretch(1)
        right = QVBoxLayout()
        if shown.service is not None and shown.service.documents:
            right.addWidget(_label(self.tr("Please have ready:"), "title"))
            for document in shown.service.documents:
                right.addWidget(_label("•  " + document.get(lang)))
        if shown.printed is None:
            right.addWidget(_label(self.tr("Printing your ticket…")))
        elif shown.printed:
            right.addWidget(
                _label(self.tr("Take your ticket below and watch the display board."), "title")
            )
        else:
            right.addWidget(
                _label(
                    self.tr(
                        "The ticket could not be printed. Photograph this screen or remember "
                        "the number, and tell the administrator."
                    ),
                    "banner",
                )
            )
            if self.qr_pixmap is not None:
                qr = QLabel()
                qr.setObjectName("ticket-qr")
                qr.setPixmap(self.qr_pixmap)
                qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
                right.addWidget(qr)
                right.addWidget(_label(self.tr("Scan the code to follow your place in line.")))
        right.addStretch(1)
        stretch = 0 if self.portrait else 1
        box.addLayout(left, stretch)
        box.addLayout(right, stretch)
        holder = QWidget()
        holder.setLayout(box)
        self._add(holder, 1)
        self._add(self._button(self.tr("Done"), self.home_tapped, main=True))

    def notice_texts(self, notice: Notice) -> tuple[str, str]:
        """(title, text) of a notice in the present language."""
        texts = {
            Notice.SERVICE_CLOSED: (
                self.tr("This service is closed now"),
                self.tr("Please choose another service or come back during opening hours."),
            ),
            Notice.DAILY_LIMIT: (
                self.tr("No more tickets today"),
                self.tr("Today's tickets for this service are gone. You can book a visit."),
            ),
            Notice.UNKNOWN_SERVICE: (
                self.tr("This service is no longer offered"),
                self.tr("The list of services has changed. Please choose again."),
            ),
            Notice.NOT_UNDERSTOOD: (
                self.tr("Something went wrong"),
                self.tr("The kiosk did not understand the server. Please tell the administrator."),
            ),
            Notice.FAILED: (
                self.tr("The ticket was not issued"),
                self.tr("Please try again or ask the administrator for help."),
            ),
            Notice.CHECK_IN_UNAVAILABLE: (
                self.tr("Check-in is not available yet"),
                self.tr(
                    "Booking check-in does not work at this office yet. Please take a ticket "
                    "for your service instead, or ask the administrator."
                ),
            ),
            Notice.CHECK_IN_BAD_CODE: (
                self.tr("This is not a booking code"),
                self.tr("A booking code has 4 to 12 letters and digits. Please check it."),
            ),
            Notice.CHECK_IN_DONE: (
                self.tr("You are checked in"),
                self.tr("Please wait for your number on the display board."),
            ),
            Notice.CHECK_IN_REFUSED: (
                self.tr("Check-in is not possible"),
                self.tr("Please take a ticket for your service or ask the administrator."),
            ),
        }
        return texts[notice]

    def _notice(self, flow: KioskFlow) -> None:
        if flow.notice is None:
            return
        title, text = self.notice_texts(flow.notice)
        # The server's sentence says exactly why ("No more tickets today for 'Benefit'").
        self._intro(title, flow.notice_detail or text)
        self.page_layout.addStretch(1)
        self._add(self._button(self.tr("Back to start"), self.home_tapped, main=True))

    def _check_in(self, flow: KioskFlow) -> None:
        self._intro(
            self.tr("I have a booking"),
            self.tr("Type the code from your booking, or hold its QR code to the scanner."),
        )
        field = QLineEdit(flow.code)
        field.setObjectName("booking-code")
        field.setReadOnly(True)
        field.setAlignment(Qt.AlignmentFlag.AlignCenter)
        field.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._add(field)
        # Letters and digits in few rows: the whole screen fits a 1920×1080 or 1080×1920 kiosk.
        keypad = Keypad(
            letters=CODE_LETTERS, ok_text=self.tr("Check in"), columns=7 if self.portrait else 14
        )
        keypad.key_pressed.connect(self.key_pressed.emit)
        self._add(keypad, 1)
        self._add(self._button(self.tr("Back"), self.back_tapped))

    def _closed(self, flow: KioskFlow) -> None:
        menu = flow.menu
        opens = menu.next_opening() if menu is not None else None
        text = ""
        if opens is not None:
            text = (
                self.tr("We open %1 at %2.")
                .replace("%1", self.day_name(opens.weekday()))
                .replace("%2", f"{opens:%H:%M}")
            )
        self._intro(self.tr("The office is closed now"), text)
        if menu is not None:
            frame = QFrame()
            layout = QVBoxLayout(frame)
            for service in menu.services.values():
                layout.addWidget(_label(service.name.get(flow.lang), "title"))
                layout.addWidget(_label(self.hours_text(service.hours), "muted"))
            self._add(frame)
        self.page_layout.addStretch(1)
        self._add(self._button(self.tr("I have a booking"), self.check_in_tapped))

    def hours_text(self, hours: object) -> str:
        """`{"mon-thu": "09:00-18:00"}` as "Monday – Thursday: 09:00-18:00" in the language."""
        if not isinstance(hours, dict):
            return ""
        parts = []
        for days, ranges in hours.items():
            names = [self.day_name(DAYS.index(d)) if d in DAYS else d for d in str(days).split("-")]
            parts.append(f"{' – '.join(names)}: {ranges}")
        return "; ".join(parts)

    def _unavailable(self, flow: KioskFlow) -> None:
        self._intro(
            self.tr("The kiosk is temporarily unavailable"),
            self.tr(
                "We are restoring the connection and will be back by ourselves in a moment. "
                "If this takes long, please ask the administrator."
            ),
        )
        self.page_layout.addStretch(1)

    def _refused(self, flow: KioskFlow) -> None:
        self._intro(
            self.tr("The kiosk is out of service"),
            self.tr("Please ask the administrator for a ticket."),
        )
        self.page_layout.addStretch(1)
