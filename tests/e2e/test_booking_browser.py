"""The booking pages in Chromium against a real server process: book a slot, then cancel it."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.e2e.booking_shots import CHROMIUM, PHONE, chromium, demo_server, walk

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"no Chromium at {CHROMIUM}"),
]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_book_and_cancel_through_the_pages(javascript: bool) -> None:
    """A visitor books the first free slot through the forms and cancels it; with and without
    JavaScript, on a phone's viewport."""
    pytest.importorskip("playwright.sync_api")
    with demo_server() as server, chromium() as browser:
        context = browser.new_context(
            viewport=PHONE,  # type: ignore[arg-type]
            locale="ru-RU",
            java_script_enabled=javascript,
        )
        page = context.new_page()
        code = walk(page, server.url)
        assert re.fullmatch(r"[A-Z0-9]{8}", code)
        assert page.inner_text(".status.cancelled") == "Запись отменена"
        assert "/book/manage/" in page.url  # the private link, no personal data in it
        assert "900" not in page.url and "Анна" not in page.content()
        context.close()
