"""The kiosk's flow without Qt: which screen shows, what a tap does, when to go home.

The controller feeds it taps, server answers and the clock; views only draw what it says. Every
method returns nothing surprising: a tap that cannot act (a second tap while a ticket is being
issued, a disabled service) is ignored, so a double tap never gives two tickets.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum

from kiosk_app.hours import next_opening
from queue_protocol.checkin import CheckedIn
from queue_protocol.models import IssuedTicket, LocalizedText, ServicesResponse

__all__ = [
    "CODE_LETTERS",
    "CODE_PATTERN",
    "CheckInRequest",
    "CheckInResult",
    "IssueRequest",
    "KioskFlow",
    "Menu",
    "MenuCategory",
    "MenuService",
    "Notice",
    "Reason",
    "Screen",
    "ShownTicket",
    "build_menu",
    "valid_code",
]


class Screen(StrEnum):
    """What the kiosk shows."""

    HOME = "home"  # categories (and services without a category)
    CATEGORY = "category"  # the services (and sub-categories) of one category
    PRIORITY = "priority"  # who may use the priority path; "continue" opens the menu
    ISSUING = "issuing"  # waiting for the server's ticket
    TICKET = "ticket"  # the ticket (printed, or on screen when the printer failed)
    NOTICE = "notice"  # a refusal or a problem, in the visitor's words
    CHECK_IN = "check_in"  # booking code keypad
    OFFICE_CLOSED = "office_closed"  # every service is closed now: the hours
    UNAVAILABLE = "unavailable"  # the server cannot be reached; retrying in the background
    REFUSED = "refused"  # the device token was refused: only an administrator can help


class Reason(StrEnum):
    """Why a service can or cannot be taken now."""

    OPEN = "open"
    CLOSED_NOW = "closed_now"
    DAILY_LIMIT = "daily_limit"
    NOBODY_SERVING = "nobody_serving"


@dataclass(frozen=True)
class MenuService:
    """One service button."""

    id: str
    name: LocalizedText
    description: LocalizedText | None
    documents: tuple[LocalizedText, ...]
    category: str | None
    hours: Mapping[str, str] | None
    reason: Reason = Reason.OPEN
    opens_at: datetime | None = None  # office time; for CLOSED_NOW

    @property
    def available(self) -> bool:
        return self.reason is Reason.OPEN


@dataclass(frozen=True)
class MenuCategory:
    """A category button: its own services and sub-categories."""

    id: str
    name: LocalizedText
    parent: str | None


MenuItem = MenuCategory | MenuService


@dataclass(frozen=True)
class Menu:
    """The office's kiosk menu tree with each service's availability."""

    office_name: LocalizedText
    categories: Mapping[str, MenuCategory] = field(default_factory=dict)
    services: Mapping[str, MenuService] = field(default_factory=dict)

    def items(self, category: str | None) -> list[MenuItem]:
        """What a screen of `category` (None: home) lists: sub-categories first, then services.

        Categories without any service below them are left out.
        """
        subs: list[MenuItem] = [
            c for c in self.categories.values() if c.parent == category and self._has_services(c.id)
        ]
        known = set(self.categories)
        services: list[MenuItem] = [
            s
            for s in self.services.values()
            if s.category == category or (category is None and s.category not in known)
        ]
        return subs + services

    def services_in(self, category: str) -> list[MenuService]:
        """Every service under `category`, sub-categories included (for a tile's second line)."""
        found = [s for s in self.services.values() if s.category == category]
        for child in self.categories.values():
            if child.parent == category:
                found.extend(self.services_in(child.id))
        return found

    def _has_services(self, category: str) -> bool:
        if any(s.category == category for s in self.services.values()):
            return True
        return any(
            c.parent == category and self._has_services(c.id) for c in self.categories.values()
        )

    @property
    def all_closed(self) -> bool:
        """Every service is closed now (not merely full or unserved): the office is closed."""
        return bool(self.services) and all(
            s.reason is Reason.CLOSED_NOW for s in self.services.values()
        )

    def next_opening(self) -> datetime | None:
        """When the first service opens again (office time)."""
        times = [s.opens_at for s in self.services.values() if s.opens_at is not None]
        return min(times) if times else None


def build_menu(
    answer: ServicesResponse,
    office_name: LocalizedText,
    local_now: datetime,
    unserved: Iterable[str] = (),
    exhausted: Iterable[str] = (),
) -> Menu:
    """The kiosk menu from `GET services`, with reasons: closed now (and when it opens), daily
    limit reached (`exhausted`, learnt from refusals), nobody serving (`unserved`)."""
    unserved_set, exhausted_set = set(unserved), set(exhausted)
    services: dict[str, MenuService] = {}
    for view in answer.services:
        if not view.kiosk:
            continue
        reason = Reason.OPEN
        opens_at = None
        if not view.open_now:
            reason = Reason.CLOSED_NOW
            opens_at = next_opening(view.hours, local_now) if view.hours else None
        elif view.id in exhausted_set:
            reason = Reason.DAILY_LIMIT
        elif view.id in unserved_set:
            reason = Reason.NOBODY_SERVING
        services[view.id] = MenuService(
            id=view.id,
            name=view.name,
            description=view.description,
            documents=tuple(view.documents),
            category=view.category,
            hours=view.hours,
            reason=reason,
            opens_at=opens_at,
        )
    categories = {
        c.id: MenuCategory(id=c.id, name=c.name, parent=c.parent) for c in answer.categories
    }
    return Menu(office_name=office_name, categories=categories, services=services)


@dataclass(frozen=True)
class IssueRequest:
    """A ticket to ask the server for; `key` is the tap's idempotency key."""

    service: str
    priority: bool
    lang: str
    key: str
    asked_at: float


@dataclass(frozen=True)
class ShownTicket:
    """The ticket on the ticket screen; `printed` is None while printing."""

    ticket: IssuedTicket
    service: MenuService | None
    priority: bool
    printed: bool | None = None
    printer_problem: str | None = None  # the printer's own message, when printing failed
    checked_in: bool = False  # issued at a booking's check-in ("You are checked in")
    late: bool = False  # checked in after the window: a walk-in ticket instead
    slot_local: datetime | None = None  # the booked slot in the office's time (check-in)


class Notice(StrEnum):
    """Refusals and problems the kiosk explains to a visitor (codes, translated by the view)."""

    SERVICE_CLOSED = "service_closed"
    DAILY_LIMIT = "daily_limit_reached"
    UNKNOWN_SERVICE = "unknown_service"
    NOT_UNDERSTOOD = "not_understood"  # the server's answer made no sense to this kiosk
    FAILED = "failed"  # any other refusal
    CHECK_IN_UNAVAILABLE = "check_in_unavailable"
    CHECK_IN_BAD_CODE = "check_in_bad_code"
    CHECK_IN_DONE = "check_in_done"
    CHECK_IN_REFUSED = "check_in_refused"  # a real booking that cannot be checked in now


@dataclass(frozen=True)
class CheckInRequest:
    """A booking code (or scanned booking URL) to check in; `key` makes a retry safe."""

    code: str
    lang: str
    key: str
    asked_at: float


@dataclass(frozen=True)
class CheckInResult:
    """What the server said about a booking code: the ticket, or why not."""

    notice: Notice
    detail: str = ""
    ticket: CheckedIn | None = None


#: booking codes: 4 to 12 letters and digits (a scanner may add a prefix the server ignores)
CODE_PATTERN = re.compile(r"^[A-Za-z0-9]{4,12}$")
#: the letters booking codes are made of (no look-alikes such as O, I, L): the keypad's letters
CODE_LETTERS = "ACDEFHJKMNPRTUVWXY"
#: the longest scanned text sent to the server (a booking URL)
MAX_SCAN = 300
_SEPARATORS = re.compile(r"[\s\-]+")


def valid_code(code: str) -> bool:
    """Whether `code` looks like a booking code at all (checked before asking the server)."""
    return CODE_PATTERN.match(code) is not None


def booking_url(text: str) -> bool:
    """Whether a scanned `text` is a link (the booking's QR holds its URL): sent as it is."""
    return (
        text.startswith(("http://", "https://"))
        and len(text) <= MAX_SCAN
        and (text.isprintable() and " " not in text)
    )


class KioskFlow:
    """The kiosk's state machine. `clock()` is monotonic seconds (injected: tests move it)."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        default_lang: str = "ru",
        idle_seconds: float = 60.0,
        ticket_seconds: float = 20.0,
        pending_retry_seconds: float = 60.0,
        new_key: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self._clock = clock
        self._new_key = new_key
        self.default_lang = default_lang
        self.idle_seconds = idle_seconds
        self.ticket_seconds = ticket_seconds
        self.pending_retry_seconds = pending_retry_seconds
        self.screen = Screen.HOME
        self.menu: Menu | None = None
        self.category: str | None = None
        self.priority = False
        self.pending: IssueRequest | None = None
        self.checking: CheckInRequest | None = None  # a check-in waiting for the server
        self.ticket: ShownTicket | None = None
        self.notice: Notice | None = None
        # The server's own sentence for a refusal, in the visitor's language (the session asks
        # in it); shown instead of the kiosk's general text for the notice. Empty: none.
        self.notice_detail = ""
        self.code = ""
        self.lang = default_lang
        self.large_text = False
        self.high_contrast = False
        self.connected = False
        self.refused = False
        self._last_activity = clock()

    # -- input ---------------------------------------------------------------------------------

    def touch(self) -> None:
        """The visitor did something: the idle timer starts again."""
        self._last_activity = self._clock()

    def set_menu(self, menu: Menu) -> None:
        """A new menu (start, config.changed, queue changes): stay where sensible."""
        self.menu = menu
        if self.category is not None and self.category not in menu.categories:
            self.category = None
            if self.screen is Screen.CATEGORY:
                self.screen = Screen.HOME
        self._settle_home()

    def set_connected(self, connected: bool) -> None:
        """The server became reachable or unreachable."""
        self.connected = connected
        if not connected and self.screen in {Screen.HOME, Screen.CATEGORY, Screen.PRIORITY,
                                             Screen.OFFICE_CLOSED, Screen.CHECK_IN}:  # fmt: skip
            self.screen = Screen.UNAVAILABLE
        elif connected and self.screen is Screen.UNAVAILABLE:
            self.go_home()

    def set_refused(self) -> None:
        """The server refused this device's token: nothing works until an administrator acts."""
        self.refused = True
        self.pending = None
        self.screen = Screen.REFUSED

    def go_home(self) -> None:
        """Back to the start, forgetting the visitor's choices (not the menu)."""
        if self.refused:
            self.screen = Screen.REFUSED
            return
        self.category = None
        self.priority = False
        self.ticket = None
        self.notice = None
        self.notice_detail = ""
        self.code = ""
        self.screen = Screen.HOME if self.connected else Screen.UNAVAILABLE
        self._settle_home()

    def _settle_home(self) -> None:
        if self.screen in {Screen.HOME, Screen.OFFICE_CLOSED} and self.menu is not None:
            self.screen = Screen.OFFICE_CLOSED if self.menu.all_closed else Screen.HOME

    def back(self) -> None:
        """One level up: a category's parent, or home."""
        self.touch()
        if self.screen is Screen.CATEGORY and self.menu is not None and self.category is not None:
            parent = self.menu.categories[self.category].parent
            if parent is not None:
                self.category = parent
                return
        if self.screen is Screen.CATEGORY and self.priority:
            self.category = None
            self.screen = Screen.PRIORITY
            return
        self.go_home()

    def open_category(self, category: str | None) -> None:
        """Show a category's services (None: the top of the menu, as after the priority page)."""
        self.touch()
        if self.menu is None or (category is not None and category not in self.menu.categories):
            return
        if self.screen not in {Screen.HOME, Screen.CATEGORY, Screen.PRIORITY}:
            return
        self.category = category
        self.screen = Screen.CATEGORY

    def open_priority(self) -> None:
        """The priority path: first who qualifies, then the menu."""
        self.touch()
        if self.screen in {Screen.HOME, Screen.CATEGORY}:
            self.priority = True
            self.category = None
            self.screen = Screen.PRIORITY

    def choose_service(self, service: str) -> IssueRequest | None:
        """A service tapped: the request to send, or None when the tap cannot act (a ticket is
        already being issued, the service is unknown or disabled)."""
        self.touch()
        if self.pending is not None or self.screen not in {Screen.HOME, Screen.CATEGORY}:
            return None
        if self.menu is None or service not in self.menu.services:
            return None
        if not self.menu.services[service].available:
            return None
        self.pending = IssueRequest(
            service=service,
            priority=self.priority,
            lang=self.lang,
            key=self._new_key(),
            asked_at=self._clock(),
        )
        self.screen = Screen.ISSUING
        return self.pending

    def retry_request(self) -> IssueRequest | None:
        """After the connection came back: the unanswered request to send again with the same
        key (the server answers with the ticket it already made, if it made one)."""
        if self.pending is None:
            return None
        if self._clock() - self.pending.asked_at > self.pending_retry_seconds:
            self.pending = None  # the visitor has long gone; do not print for nobody
            return None
        self.screen = Screen.ISSUING
        return self.pending

    def issued(self, request: IssueRequest, ticket: IssuedTicket) -> None:
        """The server issued `ticket` for `request`: show it (printing starts)."""
        if self.pending is None or self.pending.key != request.key:
            return  # an answer to a request already given up
        service = self.menu.services.get(request.service) if self.menu is not None else None
        self.pending = None
        self.ticket = ShownTicket(ticket=ticket, service=service, priority=request.priority)
        self.screen = Screen.TICKET
        self.touch()

    def printed(self, ok: bool, problem: str | None = None) -> None:
        """The printer's verdict on the shown ticket."""
        if self.ticket is None:
            return
        self.ticket = dataclasses.replace(self.ticket, printed=ok, printer_problem=problem)
        self.touch()  # the visitor needs the full time to read or photograph the ticket

    def issue_refused(self, request: IssueRequest, code: str, detail: str) -> Notice:
        """The server refused the ticket: say why (the request is over, nothing was issued)."""
        if self.pending is not None and self.pending.key == request.key:
            self.pending = None
        notice = {
            "service_closed": Notice.SERVICE_CLOSED,
            "daily_limit_reached": Notice.DAILY_LIMIT,
            "unknown_service": Notice.UNKNOWN_SERVICE,
        }.get(code, Notice.FAILED)
        self.show_notice(notice, detail)
        return notice

    def issue_not_understood(self, request: IssueRequest, detail: str) -> None:
        """The server's answer made no sense: the ticket may exist, so never retry this key.

        `detail` is technical (for the log, which the controller writes): not shown.
        """
        if self.pending is not None and self.pending.key == request.key:
            self.pending = None
        self.show_notice(Notice.NOT_UNDERSTOOD)

    def issue_lost(self, request: IssueRequest) -> None:
        """No answer from the server: keep the request for `retry_request` and say so."""
        self.connected = False
        self.screen = Screen.UNAVAILABLE

    def show_notice(self, notice: Notice, detail: str = "") -> None:
        self.notice = notice
        self.notice_detail = detail
        self.screen = Screen.NOTICE
        self.touch()

    # -- check-in -------------------------------------------------------------------------------

    def open_check_in(self) -> None:
        self.touch()
        if self.screen in {Screen.HOME, Screen.CATEGORY, Screen.OFFICE_CLOSED, Screen.NOTICE}:
            self.code = ""
            self.screen = Screen.CHECK_IN

    def key(self, char: str) -> str | None:
        """A keypad key on the check-in screen; returns the code to check on OK when valid."""
        self.touch()
        if self.screen is not Screen.CHECK_IN:
            return None
        if char == "\b":
            self.code = self.code[:-1]
        elif char == "\n":
            if valid_code(self.code):
                return self.code
            self.show_notice(Notice.CHECK_IN_BAD_CODE)
        elif len(self.code) < 12 and char.isalnum():
            self.code += char.upper()
        return None

    def scanned(self, raw: str) -> str | None:
        """A scanner burst from any screen: the code (or booking URL) to check, or None (with
        a notice) when the burst is neither."""
        self.touch()
        if self.refused or self.screen in {Screen.ISSUING, Screen.UNAVAILABLE}:
            return None
        text = raw.strip()
        if booking_url(text):
            self.code = ""
            self.screen = Screen.CHECK_IN
            return text
        code = _SEPARATORS.sub("", text).upper()
        if not valid_code(code):
            self.show_notice(Notice.CHECK_IN_BAD_CODE)
            return None
        self.code = code
        self.screen = Screen.CHECK_IN
        return code

    def start_check_in(self, code: str) -> CheckInRequest | None:
        """Ask the server about `code` (from `key` or `scanned`): the request to send, or None
        while another ticket or check-in is under way (a second tap never asks twice)."""
        if self.pending is not None or self.checking is not None or self.refused:
            return None
        self.checking = CheckInRequest(code, self.lang, self._new_key(), self._clock())
        self.screen = Screen.ISSUING
        return self.checking

    def retry_check_in(self) -> CheckInRequest | None:
        """After the connection came back: the unanswered check-in to send again with the same
        key (the server answers with the ticket it already issued, if it issued one)."""
        if self.checking is None:
            return None
        if self._clock() - self.checking.asked_at > self.pending_retry_seconds:
            self.checking = None  # the visitor has long gone; do not print for nobody
            return None
        self.screen = Screen.ISSUING
        return self.checking

    def check_in_lost(self, request: CheckInRequest) -> None:
        """No answer from the server: keep the request for `retry_check_in` and say so."""
        self.connected = False
        self.screen = Screen.UNAVAILABLE

    def checked_in(
        self,
        request: CheckInRequest,
        result: CheckInResult,
        zone: tzinfo | None = None,
        service: MenuService | None = None,
    ) -> None:
        """The server's answer to `request`: the ticket (printing starts) or why not; `zone`
        is the office's, for the booked time shown; `service` the ticket's service when the
        kiosk menu does not offer it (booked only, staff-only for walk-ins)."""
        if self.checking is None or self.checking.key != request.key:
            return  # an answer to a check-in already given up
        self.checking = None
        if result.ticket is None:
            self.show_notice(result.notice, result.detail)
            return
        ticket = result.ticket
        if self.menu is not None and ticket.service in self.menu.services:
            service = self.menu.services[ticket.service]
        self.ticket = ShownTicket(
            ticket=ticket,
            service=service,
            priority=False,
            checked_in=True,
            late=ticket.late,
            slot_local=local_time(ticket.slot_at, zone),
        )
        self.screen = Screen.TICKET
        self.touch()

    # -- preferences ----------------------------------------------------------------------------

    def set_lang(self, lang: str) -> None:
        """Switch the language; a server's sentence in the old one gives way to the kiosk's
        own text of the notice."""
        self.touch()
        if lang != self.lang:
            self.notice_detail = ""
        self.lang = lang

    def toggle_large_text(self) -> None:
        self.touch()
        self.large_text = not self.large_text

    def toggle_high_contrast(self) -> None:
        self.touch()
        self.high_contrast = not self.high_contrast

    # -- time -----------------------------------------------------------------------------------

    def tick(self) -> bool:
        """Call about once a second: True when the flow went home (idle or ticket timeout); the
        next visitor then also gets the default language and look."""
        idle = self._clock() - self._last_activity
        at_rest = self.screen in {Screen.HOME, Screen.OFFICE_CLOSED, Screen.UNAVAILABLE,
                                  Screen.REFUSED, Screen.ISSUING}  # fmt: skip
        limit = self.ticket_seconds if self.screen is Screen.TICKET else self.idle_seconds
        if self.screen is Screen.TICKET and self.ticket is not None and not self.ticket.printed:
            limit = max(limit, self.idle_seconds)  # time to photograph the on-screen ticket
        rest_reset = at_rest and idle >= self.idle_seconds and self._personalised()
        if (not at_rest and idle >= limit) or rest_reset:
            self.go_home()
            self.lang = self.default_lang
            self.large_text = False
            self.high_contrast = False
            self.touch()
            return True
        return False

    def _personalised(self) -> bool:
        return self.lang != self.default_lang or self.large_text or self.high_contrast


def local_time(now: datetime, zone: tzinfo | None) -> datetime:
    """`now` in the office's zone (the kiosk's own when unknown)."""
    return now.astimezone(zone) if zone is not None else now.astimezone()
