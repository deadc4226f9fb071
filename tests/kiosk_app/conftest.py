"""Fixtures of the kiosk's GUI tests: a real server on a kiosk test office, the qasync loop,
and the kiosk built in-process with a fake or dummy printer."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from hardware.printer import TicketPrinter
from kiosk_app.main import Kiosk, build_kiosk, connect_kiosk
from kiosk_app.settings import KioskSettings
from queue_protocol.client import ClientSession
from tests.helpers.office import KIOSK_TOKEN, PASSWORDS, WORKPLACES
from tests.helpers.qt_loop import qasync_loop
from tests.helpers.server_process import ServerProcess, live_office_yaml

T = TypeVar("T")

# The test office plus a service closed at this hour (the office is about noon: see
# live_office_yaml) and documents for the registration.
CLOSED_SERVICE = """
  - {id: cert, prefix: С, name: {ru: "Справки", en: "Certificates"},
     expected_minutes: 5, max_wait_minutes: 15, hours: {mon-sun: "03:00-04:00"}}
"""


def kiosk_office_yaml() -> str:
    text = live_office_yaml()
    text = text.replace("\nworkplaces:", CLOSED_SERVICE.rstrip("\n") + "\nworkplaces:", 1)
    return text.replace(
        'name: {ru: "Регистрация", en: "Registration"},',
        'name: {ru: "Регистрация", en: "Registration"}, documents: [{ru: "Паспорт", en: '
        '"Passport"}],',
        1,
    )


def apply_office(db: Path, yaml_text: str, workdir: Path) -> None:
    config = workdir / f"office-{time.monotonic_ns()}.yaml"
    config.write_text(yaml_text, encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "okno.cli", "config", "apply", str(config), "--db", str(db)],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A fresh server on the kiosk test office; alice and bob signed in (reg, vac, ben served)."""
    process = ServerProcess(tmp_path)
    apply_office(process.db if isinstance(process.db, Path) else Path(process.db),
                 kiosk_office_yaml(), tmp_path)  # fmt: skip
    with process:
        with httpx.Client(base_url=process.url, timeout=10) as http:
            for operator in ("alice", "bob"):
                answer = http.post(
                    "/api/v1/auth/login",
                    json={"login": operator, "password": PASSWORDS[operator],
                          "workplace": WORKPLACES[operator]},
                )  # fmt: skip
                assert answer.status_code == 200, answer.text
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


async def until(condition: Callable[[], object], wait: float = 15.0, what: str = "") -> None:
    """Wait (on the loop, so Qt and the session keep working) until `condition()` is true."""
    deadline = time.monotonic() + wait
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.02)


@dataclass
class KioskRig:
    kiosk: Kiosk
    server: ServerProcess
    printer: TicketPrinter | None

    @property
    def controller(self) -> Any:
        assert self.kiosk.controller is not None
        return self.kiosk.controller


def settings_for(url: str, tmp_path: Path, **extra: Any) -> KioskSettings:
    values: dict[str, Any] = {
        "server": url,
        "token": KIOSK_TOKEN,
        "office": "test",
        "windowed": True,
        "orientation": "portrait",
        "state_file": tmp_path / "kiosk-state.json",
    }
    values.update(extra)
    return KioskSettings(**values)


async def start_kiosk(
    qapp: Any, server: ServerProcess, tmp_path: Path, printer: TicketPrinter | None, **extra: Any
) -> KioskRig:
    """The kiosk against `server`, shown (offscreen) and live with its menu."""
    settings = settings_for(server.url, tmp_path, **extra)
    kiosk = build_kiosk(qapp, settings)
    client = ClientSession(
        server.url, KIOSK_TOKEN, "test", backoff_base=0.05, backoff_max=0.3, http_attempts=2
    )
    controller = connect_kiosk(qapp, kiosk, settings, "test", printer, client=client)
    kiosk.window.show()
    controller.start()
    await asyncio.wait_for(controller.ready.wait(), 20)
    return KioskRig(kiosk, server, printer)


@pytest.fixture
def rigs(loop: asyncio.AbstractEventLoop) -> Iterator[list[KioskRig]]:
    """Kiosks started by a test; closed (session, window) after it."""
    started: list[KioskRig] = []
    yield started
    for rig in started:
        run(loop, rig.controller.close())
        rig.kiosk.window.close()
        rig.kiosk.window.deleteLater()
