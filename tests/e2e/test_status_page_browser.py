"""The ticket status page in Chromium against a real server: followed live, never reloaded."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Route

from tests.e2e.status_page_shots import LIVE_MS, walk
from tests.helpers.browser import PHONE, chromium
from tests.helpers.office import KIOSK_TOKEN, PASSWORDS
from tests.helpers.server_process import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_page_follows_the_ticket_to_the_window_without_reloading(tmp_path: Path) -> None:
    """Waiting -> moved up -> "Ваша очередь: окно 3" -> done, each within 5 s, no navigation."""
    with ServerProcess(tmp_path, demo=True) as server:
        seen = walk(server.url, tmp_path / "shots")
    assert seen.navigations == 0
    assert seen.texts["announce"] == "Ваша очередь: окно 3"  # the live region spoke it
    assert seen.texts["title"].startswith("Ваша очередь: окно 3")
    for name in ("waiting", "called", "called-en", "done"):
        assert seen.shots[name].stat().st_size > 5000, name


def test_page_polls_when_the_stream_is_refused(server: ServerProcess) -> None:
    """With the stream answered 503, the script polls the page and still shows the call."""
    with httpx.Client(base_url=server.url, timeout=10) as http, chromium() as browser:
        login = http.post(
            "/api/v1/auth/login",
            json={"login": "alice", "password": PASSWORDS["alice"], "workplace": "1"},
        )
        desk = {"Authorization": f"Bearer {login.json()['token']}"}
        issued = http.post(
            "/api/v1/offices/test/tickets",
            json={"service": "reg"},
            headers={"Authorization": f"Bearer {KIOSK_TOKEN}"},
        )
        token = str(issued.json()["status_url"]).split("/t/", 1)[1]
        page = browser.new_page(viewport=PHONE)
        refused: list[str] = []

        def refuse(route: Route) -> None:
            refused.append(route.request.url)
            route.fulfill(status=503, body="{}", content_type="application/problem+json")

        def faster(route: Route) -> None:
            # Poll every 5 s instead of 15 so that the test is short (the page's own attribute).
            fetched = route.fetch()
            body = fetched.text().replace('data-poll-seconds="15"', 'data-poll-seconds="5"')
            route.fulfill(response=fetched, body=body)

        page.route("**/events?*", refuse)
        page.route(f"**/t/{token}", faster)
        navigations: list[str] = []
        page.goto(f"{server.url}/t/{token}")
        page.on("framenavigated", lambda frame: navigations.append(frame.url))
        http.post("/api/v1/desk/call-next", headers=desk).raise_for_status()
        called = page.locator("#card").get_by_text("Ваша очередь: окно 1")
        called.wait_for(timeout=5000 + LIVE_MS)
        assert refused and not navigations
        assert page.locator("#announce").inner_text() == "Ваша очередь: окно 1"
