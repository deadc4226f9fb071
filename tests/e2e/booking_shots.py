"""Walk the booking pages in Chromium against a real demo server; optionally save screenshots.

`python -m tests.e2e.booking_shots` writes docs/screenshots/booking-*.png at a phone's
(390x844, Russian and English) and a laptop's (1280x800) viewport: services, calendar, slots,
the form with an error, the confirmation, the manage page and the cancelled booking. The
browser test uses `walk` without screenshots to book a slot through the pages and cancel it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from tests.helpers.server_process import ServerProcess

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's headless Chromium through Playwright (never `playwright install`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def demo_server() -> Iterator[ServerProcess]:
    """An `okno server --demo` process (the demo office books on weekdays 9-18 Moscow time)."""
    workdir = Path(tempfile.mkdtemp(prefix="okno-booking-"))
    try:
        with ServerProcess(workdir, demo=True) as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def walk(page: Page, base_url: str, shot: str | None = None, lang: str = "ru") -> str:
    """Book the first free slot of the first service, then cancel it; returns the code.

    With `shot` (a file name suffix) each page is saved as
    docs/screenshots/booking-<step>-<shot>.png.
    """

    def snap(step: str) -> None:
        if shot is not None:
            page.screenshot(path=str(SHOTS / f"booking-{step}-{shot}.png"), full_page=True)

    page.goto(f"{base_url}/book?lang={lang}")
    snap("services")
    page.locator("a.choice").first.click()
    page.wait_for_selector("table.month")
    if page.locator("table.month td a").count() == 0:  # the month's last days are taken
        page.click(".pager a >> nth=-1")
        page.wait_for_selector("table.month td a")
    snap("calendar")
    page.locator("table.month td a").first.click()
    page.wait_for_selector("ul.times")
    snap("slots")
    page.locator("ul.times a").first.click()
    page.fill("#f-name", "Анна" if lang == "ru" else "Anna")
    page.fill("#f-phone", "8 900 12")
    page.check("#f-consent")
    page.click("button[type=submit]")
    page.wait_for_selector("#e-phone")
    snap("form-error")
    page.fill("#f-phone", "8 900 123-45-67")
    page.click("button[type=submit]")
    page.wait_for_selector(".code")
    code = page.inner_text(".code").strip()
    snap("confirmation")
    page.click("a.btn[href^='/book/manage/']:not([download])")
    page.wait_for_selector("a.btn.danger")
    snap("manage")
    page.click("a.btn.danger")
    page.click("button.btn.danger")
    page.wait_for_selector(".status.cancelled")
    snap("cancelled")
    return code


def main() -> int:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with demo_server() as server, chromium() as browser:
        runs = (("390x844", PHONE, "ru"), ("1280x800", LAPTOP, "ru"), ("390x844-en", PHONE, "en"))
        for name, viewport, lang in runs:
            locale = "ru-RU" if lang == "ru" else "en-GB"
            context = browser.new_context(viewport=viewport, locale=locale)  # type: ignore[arg-type]
            walk(context.new_page(), server.url, shot=name, lang=lang)
            context.close()
    for path in sorted(SHOTS.glob("booking-*.png")):
        sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
