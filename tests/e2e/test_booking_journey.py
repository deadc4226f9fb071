"""Issue 10's whole journey in Chromium against a real server: book, e-mail, check in, get called.

A visitor books a slot on the /book pages, the confirmation e-mail reaches a local aiosmtpd
server, the kiosk API checks the booking in with the e-mailed code, the visitor opens the
ticket's status page, a desk calls the ticket over HTTP, and "Ваша очередь: окно 3" appears on
the open page without a reload.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from playwright.sync_api import Frame, Page

from tests.e2e.status_page_shots import LIVE_MS
from tests.helpers.browser import PHONE, chromium
from tests.helpers.office import KIOSK_TOKEN, PASSWORDS
from tests.helpers.server_process import ServerProcess, live_office_yaml

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

MAIL_SECONDS = 20.0
VISITOR = "anna.journey@example.ru"

# The test office, made bookable now: its service day is around noon wherever the test runs
# (live_office_yaml), slots every 15 minutes from 06:00 to 20:00 with no lead time, so the first
# free slot starts within 15 minutes and the check-in window (30 minutes early) is open. Its
# workplace 3 is a window, "Окно 3".
_REG = "expected_minutes: 10, max_wait_minutes: 15}"
_BOOKABLE_REG = (
    "expected_minutes: 10, max_wait_minutes: 15,\n"
    '     booking: {schedule: {mon-sun: "06:00-20:00"}, slot_minutes: 15, capacity: 2,\n'
    "               horizon_days: 7, lead_minutes: 0, daily_limit: 40}}"
)
_ROOM_3 = '{id: "3", name: {ru: "Кабинет 3", en: "Room 3"}, kind: room}'
_WINDOW_3 = '{id: "3", name: {ru: "Окно 3", en: "Window 3"}, kind: window}'
_OFFICE_BOOKING = """booking:
  holidays: []
  check_in: {early_minutes: 30, late_minutes: 10, late_policy: walk_in}
workplaces:"""


def bookable_office_yaml() -> str:
    yaml = live_office_yaml()
    assert yaml.count(_REG) >= 1 and _ROOM_3 in yaml and yaml.count("\nworkplaces:") == 1
    yaml = yaml.replace(_REG, _BOOKABLE_REG, 1).replace(_ROOM_3, _WINDOW_3)
    return yaml.replace("workplaces:", _OFFICE_BOOKING, 1)


class Inbox:
    """What the local SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.messages.append(envelope)
        return "250 OK"

    def wait_for(self, recipient: str, within: float = MAIL_SECONDS) -> email.message.Message:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for envelope in list(self.messages):
                if recipient in envelope.rcpt_tos:
                    raw = envelope.original_content or b""
                    return email.message_from_bytes(raw, policy=email.policy.default)
            time.sleep(0.05)
        raise AssertionError(f"no e-mail to {recipient} within {within} s")


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    """aiosmtpd on 127.0.0.1, port 0, on its own loop in a thread."""
    inbox = Inbox()
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(lambda: SMTP(inbox), "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield inbox, port
    loop.call_soon_threadsafe(server.close)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


@pytest.fixture
def bookable_server(
    tmp_path: Path, smtp_inbox: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> Iterator[ServerProcess]:
    """A real server on the bookable test office, sending e-mail to the local SMTP server."""
    _, port = smtp_inbox
    for name, value in {
        "OKNO_SMTP_HOST": "127.0.0.1",
        "OKNO_SMTP_PORT": str(port),
        "OKNO_SMTP_SECURITY": "none",
        "OKNO_SMTP_FROM": "okno@example.ru",
        "OKNO_NOTICE_POLL_SECONDS": "0.2",
    }.items():
        monkeypatch.setenv(name, value)
    server = ServerProcess(tmp_path)
    config = tmp_path / "office.yaml"
    config.write_text(bookable_office_yaml(), encoding="utf-8")
    applied = subprocess.run(
        [sys.executable, "-m", "okno.cli", "config", "apply", str(config), "--db", str(server.db)],
        capture_output=True,
        text=True,
    )
    assert applied.returncode == 0, applied.stderr
    with server:
        yield server


def _book_first_free_slot(page: Page, url: str) -> str:
    """Services -> calendar -> first free day -> first free time -> e-mail + consent -> book;
    returns the code the confirmation page shows."""
    page.goto(f"{url}/book?office=test")
    page.locator("a.choice", has_text="Регистрация").click()
    page.locator("table.month a").first.click()
    page.locator("ul.times a").first.click()
    page.locator("#f-email").fill(VISITOR)
    page.locator("#f-consent").check()
    page.get_by_role("button", name="Записаться").click()
    code = page.locator(".code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4,16}", code), code
    return code


def test_booked_visitor_sees_the_call_on_the_open_status_page(
    bookable_server: ServerProcess, smtp_inbox: tuple[Inbox, int]
) -> None:
    """Book on /book, get the code by e-mail, check in by API, then the desk's call shows up
    on the already open status page as "Ваша очередь: окно 3" within 5 s, with no reload."""
    inbox, _ = smtp_inbox
    url = bookable_server.url
    with httpx.Client(base_url=url, timeout=10) as http, chromium() as browser:
        context = browser.new_context(viewport=PHONE, locale="ru-RU")
        page = context.new_page()

        # Given a visitor who booked the first free slot on the booking pages
        code = _book_first_free_slot(page, url)

        # When the confirmation e-mail arrives, it carries the same code
        message = inbox.wait_for(VISITOR)
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        text = body.get_content()
        assert f"Код записи: {code}" in text, text
        emailed = re.search(r"Код записи: ([A-Z0-9]+)", text)
        assert emailed is not None

        # And the kiosk checks the booking in with the e-mailed code
        checked_in = http.post(
            "/api/v1/offices/test/check-in",
            json={"code": emailed.group(1)},
            headers={"Authorization": f"Bearer {KIOSK_TOKEN}"},
        )
        assert checked_in.status_code == 201, checked_in.text
        ticket = checked_in.json()
        assert ticket["booking"] == code and ticket["late"] is False
        token = str(ticket["status_url"]).rsplit("/t/", 1)[1]

        # And the visitor opens the ticket's status page: waiting, with the booked time
        page.goto(f"{url}/t/{token}")
        card = page.locator("#card")
        card.get_by_text("Ожидайте вызова").wait_for(timeout=LIVE_MS)
        assert "Запись на" in card.inner_text()
        assert VISITOR not in page.content()  # no personal data on the public page
        navigations: list[str] = []

        def navigated(frame: Frame) -> None:
            if frame == page.main_frame:
                navigations.append(frame.url)

        page.on("framenavigated", navigated)
        page.wait_for_timeout(300)  # the live stream is open (its first event came)

        # When a desk at window 3 calls the next visitor
        login = http.post(
            "/api/v1/auth/login",
            json={"login": "alice", "password": PASSWORDS["alice"], "workplace": "3"},
        )
        assert login.status_code == 200, login.text
        desk = {"Authorization": f"Bearer {login.json()['token']}"}
        called = http.post("/api/v1/desk/call-next", headers=desk)
        assert called.status_code == 200, called.text
        assert called.json()["ticket"]["number"] == ticket["number"]

        # Then the open page says so within 5 s, without a reload
        card.get_by_text("Ваша очередь: окно 3").wait_for(timeout=LIVE_MS)
        assert navigations == []
        assert page.locator("#announce").inner_text() == "Ваша очередь: окно 3"
        context.close()
