"""Fixtures of the desk's GUI tests: a real server on the test office, the qasync loop, the desk
and the rating terminal built in-process against it."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from operator_desk.desk_main import Desk, build_desk, setup_app, sign_in
from operator_desk.rating_main import RatingTerminal, build_terminal, connect_terminal
from operator_desk.settings import DeskSettings, RatingSettings
from qt_common.app import save_png
from queue_protocol.client import ClientSession
from tests.helpers.office import KIOSK_TOKEN, PASSWORDS, WORKPLACES
from tests.helpers.qt_loop import qasync_loop
from tests.helpers.server_process import ServerProcess

T = TypeVar("T")
RATING_TOKEN = "rating-token-1"  # the terminal of workplace 1 (alice's)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path)
    process.apply_test_office()
    with process:
        yield process


@pytest.fixture
def loop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    """The qasync loop on the test QApplication, closed cleanly (tests/helpers/qt_loop.py)."""
    with qasync_loop(qapp) as event_loop:
        yield event_loop


def run(loop: asyncio.AbstractEventLoop, coroutine: Awaitable[T], timeout: float = 60) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coroutine, timeout)

    return loop.run_until_complete(bounded())


async def until(condition: Callable[[], object], limit: float = 15.0, what: str = "") -> None:
    """Wait on the loop (Qt and the session keep working) until `condition()` is true."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.02)


def issue(server: ServerProcess, service: str = "reg", priority: bool = False) -> dict[str, Any]:
    answer = httpx.post(
        f"{server.url}/api/v1/offices/test/tickets",
        json={"service": service, "priority": priority},
        headers={"Authorization": f"Bearer {KIOSK_TOKEN}"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def desk_settings(url: str, tmp_path: Path, **extra: Any) -> DeskSettings:
    values: dict[str, Any] = {"server": url, "state_file": tmp_path / "desk-state.json"}
    values.update(extra)
    return DeskSettings(**values)


async def open_desk(qapp: Any, server: ServerProcess, tmp_path: Path, operator: str) -> Desk:
    """`operator` signed in at their workplace; the desk shown (offscreen) and live."""
    settings = desk_settings(server.url, tmp_path / operator)
    setup_app(qapp, settings)
    client, answer = await sign_in(settings, operator, PASSWORDS[operator], WORKPLACES[operator])
    fast = ClientSession(
        server.url, answer.token, answer.office, backoff_base=0.05, backoff_max=0.3
    )
    await client.close()
    desk = build_desk(qapp, settings, fast, answer)
    desk.window.show()
    desk.controller.start()
    await asyncio.wait_for(desk.controller.ready.wait(), 20)
    await until(lambda: desk.controller.today is not None, what="today's figures")
    return desk


async def open_terminal(qapp: Any, server: ServerProcess, tmp_path: Path) -> RatingTerminal:
    settings = RatingSettings(
        server=server.url,
        token=RATING_TOKEN,
        office="test",
        windowed=True,
        screen_size=(1024, 640),
        idle_seconds=60,
    )
    terminal = build_terminal(qapp, settings)
    client = ClientSession(server.url, RATING_TOKEN, "test", backoff_base=0.05, backoff_max=0.3)
    controller = connect_terminal(terminal, settings, "test", client)
    terminal.window.show()
    controller.start()
    await asyncio.wait_for(controller.ready.wait(), 20)
    return terminal


@pytest.fixture
def opened(loop: asyncio.AbstractEventLoop) -> Iterator[list[Desk | RatingTerminal]]:
    """Desks and terminals a test opened; closed after it."""
    started: list[Desk | RatingTerminal] = []
    yield started
    for item in started:
        controller = item.controller
        if controller is not None:
            run(loop, controller.close())
        item.window.close()
        item.window.deleteLater()


def shot(widget: Any, name: str) -> None:
    """Save `widget` as NAME.png in $OKNO_SCREENSHOT_DIR when it is set (review material)."""
    folder = os.environ.get("OKNO_SCREENSHOT_DIR")
    if folder:
        save_png(widget, Path(folder) / f"{name}.png")
