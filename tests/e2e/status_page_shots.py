"""The ticket status page followed live in Chromium, at a phone's size: waiting, called, done.

`python -m tests.e2e.status_page_shots docs/screenshots` starts the demo office, issues three
tickets, follows the second on a 390x844 page while a desk at window 3 calls and serves them,
and saves status-page-{waiting,called,called-en,done}.png. The e2e test runs the same walk.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.helpers.browser import PHONE, chromium
from tests.helpers.server_process import ServerProcess

#: The issue allows 5 s between a call and the page showing it.
LIVE_MS = 5000


@dataclass
class Walk:
    """What the walk saw: the screenshots and how many times the followed page navigated."""

    shots: dict[str, Path] = field(default_factory=dict)
    navigations: int = 0
    texts: dict[str, str] = field(default_factory=dict)


def walk(url: str, out: Path) -> Walk:
    """Against a demo server at `url`: follow a ticket from waiting to done, shooting each state."""
    from playwright.sync_api import Frame

    out.mkdir(parents=True, exist_ok=True)
    result = Walk()
    with httpx.Client(base_url=url, timeout=10) as http, chromium() as browser:
        login = http.post(
            "/api/v1/auth/login", json={"login": "op1", "password": "demo", "workplace": "3"}
        )
        login.raise_for_status()
        desk = {"Authorization": f"Bearer {login.json()['token']}"}
        kiosk = {"Authorization": "Bearer demo-kiosk"}
        links = []
        for _ in range(3):
            issued = http.post(
                "/api/v1/offices/demo/tickets", json={"service": "registration"}, headers=kiosk
            )
            issued.raise_for_status()
            links.append(str(issued.json()["status_url"]).split("/t/", 1)[1])
        context = browser.new_context(viewport=PHONE, locale="ru-RU", device_scale_factor=1)
        page = context.new_page()
        page.goto(f"{url}/t/{links[1]}")

        def navigated(frame: Frame) -> None:
            if frame == page.main_frame:
                result.navigations += 1

        page.on("framenavigated", navigated)
        card = page.locator("#card")
        card.get_by_text("Перед вами: 1").wait_for(timeout=LIVE_MS)
        result.shots["waiting"] = _shot(page, out / "status-page-waiting.png")

        http.post("/api/v1/desk/call-next", headers=desk).raise_for_status()
        card.get_by_text("Перед вами: 0").wait_for(timeout=LIVE_MS)  # moved up, live
        http.post("/api/v1/desk/start", headers=desk).raise_for_status()
        http.post("/api/v1/desk/finish", json={}, headers=desk).raise_for_status()
        http.post("/api/v1/desk/call-next", headers=desk).raise_for_status()
        card.get_by_text("Ваша очередь: окно 3").wait_for(timeout=LIVE_MS)
        result.texts["announce"] = page.locator("#announce").inner_text()
        result.texts["title"] = page.title()
        result.shots["called"] = _shot(page, out / "status-page-called.png")

        english = context.new_page()
        english.goto(f"{url}/t/{links[1]}?lang=en")
        english.locator("#card").get_by_text("Your turn: window 3").wait_for(timeout=LIVE_MS)
        result.shots["called-en"] = _shot(english, out / "status-page-called-en.png")

        http.post("/api/v1/desk/start", headers=desk).raise_for_status()
        http.post("/api/v1/desk/finish", json={}, headers=desk).raise_for_status()
        card.get_by_text("Обслуживание завершено").wait_for(timeout=LIVE_MS)
        result.shots["done"] = _shot(page, out / "status-page-done.png")
        context.close()
    return result


def _shot(page: object, path: Path) -> Path:
    page.screenshot(path=str(path), animations="disabled")  # type: ignore[attr-defined]
    return path


def main(out: Path) -> int:
    with (
        tempfile.TemporaryDirectory() as workdir,
        ServerProcess(Path(workdir), demo=True) as server,
    ):
        seen = walk(server.url, out)
    for path in seen.shots.values():
        print(path)
    return 0 if seen.navigations == 0 else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")))
