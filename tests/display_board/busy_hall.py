"""A busy hall on a real server, for the board's e2e tests and its screenshots.

`python -m tests.display_board.busy_hall docs/screenshots` starts the demo office, lets five
desks make ten calls over six services, and saves the board at 1920×1080 and 1366×768, in
Russian and English, and with the server gone ("нет связи").
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.helpers.server_process import ServerProcess

DEMO_SERVICES = ["registration", "vacancies", "career-guidance", "aptitude-testing", "benefit",
                 "certificates"]  # fmt: skip
#: demo operator → (workplace, services it serves first)
DEMO_DESKS = {"op1": "1", "op2": "2", "op3": "3", "op4": "4", "op5": "5"}
TICKER = (
    "Обед с 13:00 до 14:00",
    "Документы для регистрации: паспорт, СНИЛС, документ об образовании",
    "Wi-Fi: Okno-Guest",
)


def login(http: httpx.Client, operator: str, password: str, workplace: str) -> str:
    answer = http.post(
        "/api/v1/auth/login",
        json={"login": operator, "password": password, "workplace": workplace},
    )
    answer.raise_for_status()
    token: str = answer.json()["token"]
    return token


def desk(http: httpx.Client, token: str, action: str, body: dict[str, Any] | None = None) -> Any:
    answer = http.post(
        f"/api/v1/desk/{action}", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    answer.raise_for_status()
    return answer.json()


def issue(http: httpx.Client, office: str, token: str, service: str, lang: str = "ru") -> str:
    answer = http.post(
        f"/api/v1/offices/{office}/tickets",
        json={"service": service, "lang": lang},
        headers={"Authorization": f"Bearer {token}"},
    )
    answer.raise_for_status()
    number: str = answer.json()["number"]
    return number


def issue_tickets(url: str) -> None:
    """Four tickets in each of the six services, some of them English."""
    with httpx.Client(base_url=url, timeout=10) as http:
        for round_ in range(4):
            for index, service in enumerate(DEMO_SERVICES):
                lang = "en" if (round_ + index) % 7 == 3 else "ru"
                issue(http, "demo", "demo-kiosk", service, lang)


def make_calls(url: str) -> list[str]:
    """Ten calls by five desks: each calls, serves and calls again (five at desks, five earlier).

    Returns the called numbers in call order."""
    called: list[str] = []
    with httpx.Client(base_url=url, timeout=10) as http:
        tokens = {op: login(http, op, "demo", wp) for op, wp in DEMO_DESKS.items()}
        for round_ in range(2):
            for token in tokens.values():
                state = desk(http, token, "call-next")
                called.append(state["ticket"]["number"])
                if round_ == 0:
                    desk(http, token, "start")
                    desk(http, token, "finish", {"outcome": "resolved"})
    return called


def busy_demo_hall(url: str) -> list[str]:
    """Tickets in all six services, then ten calls; the called numbers in order."""
    issue_tickets(url)
    return make_calls(url)


async def until(condition: Callable[[], object], wait: float = 15.0) -> None:
    deadline = time.monotonic() + wait
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await asyncio.sleep(0.02)


def main(out_dir: Path) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_API", "pyside6")
    import qasync
    from PySide6.QtWidgets import QApplication

    from display_board.main import build_board, build_voice, connect_board
    from display_board.settings import DisplaySettings
    from qt_common.app import save_png

    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="okno-board-shots-"))
    server = ServerProcess(work, db=work / "demo.db", demo=True).start()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    settings = DisplaySettings(
        server=server.url,
        token="demo-display",
        office="demo",
        windowed=True,
        screen_size=(1920, 1080),
        ticker=list(TICKER),
        blink_seconds=300,
        state_file=work / "state.json",
    )
    board = build_board(app, settings)  # type: ignore[arg-type]
    board.voice = build_voice(board, settings)
    controller = connect_board(board, settings, "demo")

    def shoot(size: tuple[int, int], lang: str, name: str) -> None:
        board.window.resize(*size)
        board.translations.switch(lang)
        board.view.lang = lang
        board.view.repaint()
        save_png(board.window, out_dir / f"display-{name}.png")

    async def scenario() -> None:
        await asyncio.to_thread(issue_tickets, server.url)
        board.window.show()
        controller.start()
        await asyncio.wait_for(controller.ready.wait(), 20)
        await asyncio.to_thread(make_calls, server.url)
        await until(lambda: len(board.state.current) == 5 and len(board.state.history) == 5)
        await until(board.state.blink_on)
        shoot((1920, 1080), "ru", "1920x1080-ru")
        shoot((1366, 768), "ru", "1366x768-ru")
        shoot((1920, 1080), "en", "1920x1080-en")
        shoot((1366, 768), "en", "1366x768-en")
        server.stop()
        await asyncio.sleep(6)
        await until(board.state.blink_on)
        shoot((1920, 1080), "ru", "1920x1080-offline")
        await controller.close()

    try:
        loop.run_until_complete(scenario())
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")))
