"""The kiosk flow without Qt: menu reasons, two taps, double taps, idle reset, check-in."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from zoneinfo import ZoneInfo

from kiosk_app.state import (
    CheckInResult,
    KioskFlow,
    MenuService,
    Notice,
    Reason,
    Screen,
    build_menu,
    valid_code,
)
from queue_protocol.checkin import CheckedIn
from queue_protocol.models import IssuedTicket, LocalizedText, ServicesResponse

NOW = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)  # a Wednesday


def services(**overrides: object) -> ServicesResponse:
    data = {
        "office": "o",
        "categories": [
            {"id": "work", "name": {"ru": "Работа", "en": "Work"}},
            {"id": "empty", "name": {"ru": "Пусто"}},
        ],
        "services": [
            {"id": "reg", "prefix": "А", "name": {"ru": "Регистрация"}, "category": "work",
             "expected_minutes": 10, "max_wait_minutes": 15},
            {"id": "vac", "prefix": "В", "name": {"ru": "Вакансии"}, "category": "work",
             "expected_minutes": 10, "max_wait_minutes": 15},
            {"id": "ben", "prefix": "Б", "name": {"ru": "Пособие"}, "expected_minutes": 10,
             "max_wait_minutes": 15, "open_now": False, "hours": {"mon-fri": "09:00-11:00"}},
            {"id": "hidden", "prefix": "Х", "name": {"ru": "Скрыто"}, "expected_minutes": 1,
             "max_wait_minutes": 15, "kiosk": False},
        ],
    }  # fmt: skip
    data.update(overrides)
    return ServicesResponse.model_validate(data)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def flow_with_menu(clock: Clock | None = None, **menu_args: object) -> KioskFlow:
    keys = count(1)
    flow = KioskFlow(clock or Clock(), new_key=lambda: f"key-{next(keys)}")
    flow.set_connected(True)
    flow.set_menu(build_menu(services(), LocalizedText(ru="Офис"), NOW, **menu_args))  # type: ignore[arg-type]
    return flow


def ticket(number: str = "А001") -> IssuedTicket:
    return IssuedTicket(id=1, number=number, service="reg", status="waiting", ahead=2,
                        estimate_minutes=7, status_url="http://x/t/1", issued_at=NOW)  # fmt: skip


def test_menu_reasons_and_tree() -> None:
    """Closed, full and unserved services get their reason; kiosk: false and empty categories
    are left out; uncategorised services sit on the home screen."""
    flow = flow_with_menu(unserved=["vac"], exhausted=["reg"])
    menu = flow.menu
    assert menu is not None
    assert [getattr(i, "id", None) for i in menu.items(None)] == ["work", "ben"]
    assert menu.services["reg"].reason is Reason.DAILY_LIMIT
    assert menu.services["vac"].reason is Reason.NOBODY_SERVING
    ben = menu.services["ben"]
    assert ben.reason is Reason.CLOSED_NOW
    assert ben.opens_at == datetime(2026, 3, 12, 9, 0, tzinfo=UTC)  # Thursday 09:00
    assert "hidden" not in menu.services


def test_two_taps_give_one_request_and_a_double_tap_is_ignored() -> None:
    """Category, then service: one request with its own key; a second tap while issuing is
    ignored, so it can never become a second ticket."""
    flow = flow_with_menu()
    flow.open_category("work")
    request = flow.choose_service("reg")
    assert request is not None and request.key == "key-1" and not request.priority
    assert flow.screen is Screen.ISSUING
    assert flow.choose_service("reg") is None
    flow.issued(request, ticket())
    assert flow.screen is Screen.TICKET and flow.pending is None


def test_disabled_service_cannot_be_chosen() -> None:
    """A closed service's tap does nothing."""
    flow = flow_with_menu()
    assert flow.choose_service("ben") is None
    assert flow.screen is Screen.HOME


def test_priority_path_marks_the_request() -> None:
    """Priority page → continue → service: the request is a priority one; back returns to the
    priority page, home forgets it."""
    flow = flow_with_menu()
    flow.open_priority()
    assert flow.screen is Screen.PRIORITY
    flow.open_category(None)
    flow.back()
    assert flow.screen is Screen.PRIORITY
    flow.open_category("work")
    request = flow.choose_service("vac")
    assert request is not None and request.priority
    flow.go_home()
    assert not flow.priority


def test_lost_request_is_retried_with_the_same_key_until_too_old() -> None:
    """No answer: the unavailable screen, and the same key is sent again once the server is
    back; after a minute the request is dropped rather than printed for nobody."""
    clock = Clock()
    flow = flow_with_menu(clock)
    request = flow.choose_service("ben") or flow.choose_service("reg")
    assert request is not None
    flow.issue_lost(request)
    assert flow.screen is Screen.UNAVAILABLE
    flow.set_connected(True)
    again = flow.retry_request()
    assert again is not None and again.key == request.key
    flow.issue_lost(request)
    clock.now += 61
    assert flow.retry_request() is None


def test_refusal_shows_notice_and_frees_the_kiosk() -> None:
    """A daily-limit refusal becomes its notice; a new tap is possible afterwards."""
    flow = flow_with_menu()
    request = flow.choose_service("reg")
    assert request is not None
    assert flow.issue_refused(request, "daily_limit_reached", "x") is Notice.DAILY_LIMIT
    assert flow.screen is Screen.NOTICE
    flow.go_home()
    assert flow.choose_service("reg") is not None


def test_server_sentence_kept_for_its_language_only() -> None:
    """A refusal keeps the server's sentence; switching language drops it (the kiosk's own
    translated text shows instead); a not-understood answer never shows its technical text."""
    flow = flow_with_menu()
    flow.set_lang("en")
    request = flow.choose_service("reg")
    assert request is not None and request.lang == "en"
    flow.issue_refused(request, "daily_limit_reached", "No more tickets today for 'Reg'")
    assert flow.notice_detail == "No more tickets today for 'Reg'"
    flow.set_lang("en")
    assert flow.notice_detail == "No more tickets today for 'Reg'"
    flow.set_lang("ru")
    assert flow.notice_detail == ""
    flow.go_home()
    request = flow.choose_service("reg")
    assert request is not None
    flow.issue_not_understood(request, "malformed ticket: [{'loc': ('number',)}]")
    assert flow.notice is Notice.NOT_UNDERSTOOD and flow.notice_detail == ""


def test_visitor_detail_only_from_refusals() -> None:
    """A 4xx problem's sentence is shown; a 5xx fault or a proxy's HTML page is not."""
    from kiosk_app.api import visitor_detail
    from queue_protocol.errors import ProblemError

    refusal = ProblemError(409, "service_closed", "Closed", " 'Reg' is not available now ", {})
    assert visitor_detail(refusal) == "'Reg' is not available now"
    assert visitor_detail(ProblemError(500, "internal", "Error", "Internal error", {})) == ""
    assert visitor_detail(ProblemError(502, "internal", "Bad Gateway", "<html>", {})) == ""
    assert visitor_detail(ProblemError(404, "not_found", "Not Found", "<html><body>", {})) == ""


def test_idle_reset_and_ticket_timeout() -> None:
    """Any screen goes home after idle_seconds, the ticket after ticket_seconds (longer when it
    was not printed), and the language and look go back to the defaults."""
    clock = Clock()
    flow = flow_with_menu(clock)
    flow.set_lang("en")
    flow.toggle_high_contrast()
    flow.open_category("work")
    clock.now += 59
    assert not flow.tick()
    clock.now += 1
    assert flow.tick()
    assert (flow.screen, flow.lang, flow.high_contrast) == (Screen.HOME, "ru", False)
    request = flow.choose_service("reg")
    assert request is not None
    flow.issued(request, ticket())
    flow.printed(True)
    clock.now += 20
    assert flow.tick() and flow.screen is Screen.HOME
    request = flow.choose_service("reg")
    assert request is not None
    flow.issued(request, ticket())
    flow.printed(False, "paper out")
    clock.now += 30
    assert not flow.tick() and flow.screen is Screen.TICKET


def test_office_closed_when_every_service_is_closed() -> None:
    """All services closed now: the closed screen, with the first opening time."""
    answer = services()
    closed = answer.model_copy(
        update={"services": [s.model_copy(update={"open_now": False}) for s in answer.services]}
    )
    flow = KioskFlow(Clock())
    flow.set_connected(True)
    flow.set_menu(build_menu(closed, LocalizedText(ru="Офис"), NOW))
    assert flow.screen is Screen.OFFICE_CLOSED
    assert flow.menu is not None and flow.menu.next_opening() is not None


def test_unreachable_server_and_recovery() -> None:
    """Losing the server shows the unavailable screen; it goes home by itself when back."""
    flow = flow_with_menu()
    flow.open_category("work")
    flow.set_connected(False)
    assert flow.screen is Screen.UNAVAILABLE
    flow.set_connected(True)
    assert flow.screen is Screen.HOME


def test_check_in_keypad_and_scanner() -> None:
    """The keypad builds the code; OK with a short code is refused plainly; a scanner burst
    from any screen opens check-in with its code; a malformed burst gives a notice."""
    flow = flow_with_menu()
    flow.open_check_in()
    for char in "12":
        flow.key(char)
    assert flow.key("\n") is None and flow.notice is Notice.CHECK_IN_BAD_CODE
    flow.go_home()
    flow.open_check_in()
    for char in "12345":
        flow.key(char)
    assert flow.key("\n") == "12345"
    flow.go_home()
    flow.open_category("work")
    assert flow.scanned("ab12cd") == "AB12CD" and flow.screen is Screen.CHECK_IN
    assert flow.scanned("<script>") is None and flow.notice is Notice.CHECK_IN_BAD_CODE
    assert valid_code("ABCD") and not valid_code("ABC") and not valid_code("A" * 13)


def test_refused_device_stays_refused() -> None:
    """After the token is refused nothing leads away from the refused screen."""
    flow = flow_with_menu()
    flow.set_refused()
    flow.go_home()
    assert flow.screen is Screen.REFUSED
    assert flow.choose_service("reg") is None


def checked(number: str = "А007", late: bool = False) -> CheckedIn:
    return CheckedIn(**ticket(number).model_dump(), booking="ACDE7K3P", slot_at=NOW, late=late)


def test_check_in_is_asked_once_and_its_ticket_is_shown_checked_in() -> None:
    """OK sends the code once (a second OK or a service tap meanwhile does nothing); the
    server's ticket is shown as checked in, with the booked time in the office's zone."""
    flow = flow_with_menu()
    flow.open_check_in()
    request = flow.start_check_in("ACDE7K3P")
    assert request is not None and request.code == "ACDE7K3P" and request.lang == "ru"
    assert flow.screen is Screen.ISSUING
    assert flow.start_check_in("ACDE7K3P") is None and flow.choose_service("reg") is None
    flow.checked_in(request, CheckInResult(Notice.CHECK_IN_DONE, ticket=checked()),
                    ZoneInfo("Europe/Moscow"))  # fmt: skip
    shown = flow.ticket
    assert flow.screen is Screen.TICKET and shown is not None
    assert shown.checked_in and not shown.late and shown.ticket.number == "А007"
    assert shown.service is not None and shown.service.id == "reg"
    assert shown.slot_local is not None and f"{shown.slot_local:%H:%M}" == "15:00"
    flow.printed(True)
    assert flow.ticket is not None and flow.ticket.checked_in and flow.ticket.printed


def test_check_in_refusal_shows_the_servers_sentence_and_frees_the_kiosk() -> None:
    """A refusal: its notice with the server's sentence; another code can be sent then."""
    flow = flow_with_menu()
    request = flow.start_check_in("ACDE7K3P")
    assert request is not None
    flow.checked_in(request, CheckInResult(Notice.CHECK_IN_REFUSED, "Запись ACDE7K3P отменена"))
    assert flow.screen is Screen.NOTICE and flow.notice is Notice.CHECK_IN_REFUSED
    assert flow.notice_detail == "Запись ACDE7K3P отменена"
    assert flow.start_check_in("HJKM4799") is not None


def test_lost_check_in_is_retried_with_the_same_key_until_too_old() -> None:
    """No answer to a check-in: retried with its key after reconnecting, dropped after a
    minute; an answer to a dropped request is ignored."""
    clock = Clock()
    flow = flow_with_menu(clock)
    request = flow.start_check_in("ACDE7K3P")
    assert request is not None
    flow.check_in_lost(request)
    assert flow.screen is Screen.UNAVAILABLE
    flow.set_connected(True)
    again = flow.retry_check_in()
    assert again is not None and again.key == request.key
    flow.check_in_lost(request)
    clock.now += 61
    assert flow.retry_check_in() is None
    flow.set_connected(True)
    flow.checked_in(request, CheckInResult(Notice.CHECK_IN_DONE, ticket=checked()))
    assert flow.ticket is None and flow.screen is Screen.HOME


def test_scanned_booking_url_and_separators() -> None:
    """A scanned booking URL is sent as it is; a code with dashes and spaces is cleaned."""
    flow = flow_with_menu()
    url = "https://okno.example/book/manage/Ab_c-123456789012345"
    assert flow.scanned(url) == url and flow.screen is Screen.CHECK_IN
    flow.go_home()
    assert flow.scanned(" acd-e7k 3p ") == "ACDE7K3P"
    assert flow.scanned("javascript:alert(1)") is None


def test_a_checked_in_ticket_of_a_service_off_the_menu_keeps_the_service_given() -> None:
    """The controller names a booked service the menu lacks: the ticket screen shows it."""
    flow = flow_with_menu()
    request = flow.start_check_in("ACDE7K3P")
    assert request is not None
    assert flow.menu is not None and "hidden" not in flow.menu.services
    hidden = MenuService(id="hidden", name=LocalizedText(ru="Скрыто"), description=None,
                         documents=(), category=None, hours=None)  # fmt: skip
    answer = checked().model_copy(update={"service": "hidden"})
    flow.checked_in(request, CheckInResult(Notice.CHECK_IN_DONE, ticket=answer), None, hidden)
    assert flow.ticket is not None and flow.ticket.service == hidden
