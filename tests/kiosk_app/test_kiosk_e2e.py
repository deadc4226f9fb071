"""The kiosk against a real server process: tickets, faults and menu changes, end to end."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton

from hardware.config import PrinterSettings
from hardware.printer import FakePrinter, PaperOut
from hardware.printer.escpos_printer import EscposTicketPrinter
from kiosk_app.state import Reason, Screen
from kiosk_app.views import TileButton
from tests.helpers.office import KIOSK_TOKEN
from tests.helpers.server_process import ServerProcess
from tests.kiosk_app.conftest import (
    KioskRig,
    apply_office,
    kiosk_office_yaml,
    run,
    start_kiosk,
    until,
)

pytestmark = [pytest.mark.gui, pytest.mark.e2e]


def waiting(server: ServerProcess) -> list[dict[str, Any]]:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        answer = http.get(
            "/api/v1/offices/test/queue", headers={"Authorization": f"Bearer {KIOSK_TOKEN}"}
        )
    assert answer.status_code == 200
    tickets: list[dict[str, Any]] = answer.json()["waiting"]
    return tickets


def device_alerts(server: ServerProcess) -> list[dict[str, Any]]:
    """The `device.alert` events in the server's log (read from its SQLite database)."""
    with closing(sqlite3.connect(f"file:{server.db}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT data FROM events WHERE type = 'device.alert' ORDER BY seq")
        return [json.loads(data) for (data,) in rows]


def _tile(rig: KioskRig, service: str) -> TileButton | None:
    for found in rig.kiosk.view.findChildren(TileButton, f"service-{service}"):
        if found.isVisible():
            return found
    return None


async def tile(rig: KioskRig, service: str) -> TileButton:
    """The visible tile of `service` (new widgets show on a later pass of the loop)."""
    await until(lambda: _tile(rig, service), what=f"tile {service}")
    found = _tile(rig, service)
    assert found is not None
    return found


def tap(widget: Any) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def _button(rig: KioskRig, text: str) -> QPushButton | None:
    for candidate in rig.kiosk.view.findChildren(QPushButton):
        if candidate.isVisible() and candidate.text() == text:
            return candidate
    return None


async def button(rig: KioskRig, text: str) -> QPushButton:
    """The visible button saying `text`."""
    await until(lambda: _button(rig, text), what=f"button {text}")
    found = _button(rig, text)
    assert found is not None
    return found


def test_ticket_end_to_end(
    qapp: Any, loop: Any, server: ServerProcess, tmp_path: Path, rigs: list[KioskRig]
) -> None:
    """One tap on a service: the server issues the ticket, the ESC/POS bytes carry its number,
    the screen shows the same number, the people ahead and the documents."""
    printer = EscposTicketPrinter(PrinterSettings(backend="dummy"))

    async def scenario() -> None:
        rig = await start_kiosk(qapp, server, tmp_path, printer)
        rigs.append(rig)
        tap(await tile(rig, "reg"))
        await until(
            lambda: rig.kiosk.flow.ticket is not None and rig.kiosk.flow.ticket.printed is not None,
            what="printed",
        )

    run(loop, scenario())
    rig = rigs[0]
    issued = waiting(server)
    assert len(issued) == 1
    number = issued[0]["number"]
    assert rig.kiosk.flow.ticket is not None and rig.kiosk.flow.ticket.printed is True
    assert rig.kiosk.flow.ticket.ticket.number == number
    assert number.encode("cp866") in printer.last_output
    assert "Паспорт".encode("cp866") in printer.last_output
    shown = rig.kiosk.view.findChild(type(rig.kiosk.view.office_label), "ticket-number")
    assert shown is not None and shown.text() == number


def test_priority_ticket(
    qapp: Any, loop: Any, server: ServerProcess, tmp_path: Path, rigs: list[KioskRig]
) -> None:
    """Priority page → continue → service issues a `priority` ticket."""
    printer = FakePrinter()

    async def scenario() -> None:
        rig = await start_kiosk(qapp, server, tmp_path, printer)
        rigs.append(rig)
        tap(await button(rig, "Льготная категория"))
        assert rig.kiosk.flow.screen is Screen.PRIORITY
        tap(await button(rig, "Продолжить"))
        tap(await tile(rig, "vac"))
        await until(lambda: printer.printed, what="printed")

    run(loop, scenario())
    issued = waiting(server)
    assert [t["ticket_class"] for t in issued] == ["priority"]
    assert printer.printed[0].number == issued[0]["number"]


def test_closed_service_is_disabled_with_its_hours(
    qapp: Any, loop: Any, server: ServerProcess, tmp_path: Path, rigs: list[KioskRig]
) -> None:
    """A service outside its hours is a disabled tile saying when it opens; tapping it issues
    nothing."""
    printer = FakePrinter()

    async def scenario() -> None:
        rig = await start_kiosk(qapp, server, tmp_path, printer)
        rigs.append(rig)
        closed = await tile(rig, "cert")
        assert not closed.isEnabled()
        assert rig.kiosk.flow.menu is not None
        assert rig.kiosk.flow.menu.services["cert"].reason is Reason.CLOSED_NOW
        assert "Сейчас закрыто. Откроется:" in closed.text_of() and "03:00" in closed.text_of()
        tap(closed)
        await asyncio.sleep(0.3)  # a wrongly sent request would have its answer by now

    run(loop, scenario())
    assert waiting(server) == [] and printer.printed == []


def test_printer_failure_shows_ticket_and_qr(
    qapp: Any, loop: Any, server: ServerProcess, tmp_path: Path, rigs: list[KioskRig]
) -> None:
    """Out of paper: the ticket stays on screen with its QR and "tell the administrator"."""
    printer = FakePrinter(fail_with=PaperOut())

    async def scenario() -> None:
        rig = await start_kiosk(qapp, server, tmp_path, printer)
        rigs.append(rig)
        tap(await tile(rig, "ben"))
        await until(
            lambda: rig.kiosk.flow.ticket is not None and rig.kiosk.flow.ticket.printed is False,
            what="print failure",
        )

    run(loop, scenario())
    rig = rigs[0]
    view = rig.kiosk.view
    assert rig.kiosk.flow.screen is Screen.TICKET
    from PySide6.QtWidgets import QLabel

    texts = [label.text() for label in view.findChildren(QLabel) if label.isVisible()]
    assert any("сообщите администратору" in text for text in texts)
    qr = view.findChild(QLabel, "ticket-qr")
    assert qr is not None and qr.isVisible() and not qr.pixmap().isNull()
    assert waiting(server)[0]["number"] == rig.kiosk.flow.ticket.ticket.number  # type: ignore[union-attr]
    run(loop, until(lambda: device_alerts(server), what="the device alert on the server"))
    (alert,) = device_alerts(server)
    assert alert == {
        "device": "kiosk-1",
        "device_kind": "kiosk",
        "workplace": None,
        "kind": "printer",
        "code": "PaperOut",
        "message": PaperOut().message_en,
    }


def test_server_offline_and_recovery(
    qapp: Any, loop: Any, server: ServerProcess, tmp_path: Path, rigs: list[KioskRig]
) -> None:
    """The server dies: the unavailable screen; it comes back on the same port: home again by
    itself, and a ticket can be taken."""
    printer = FakePrinter()

    async def scenario() -> None:
        rig = await start_kiosk(qapp, server, tmp_path, printer)
        rigs.append(rig)
        server.kill()
        await until(lambda: rig.kiosk.flow.screen is Screen.UNAVAILABLE, what="unavailable")
        assert rig.kiosk.view.banner.isVisible()
        await asyncio.to_thread(server.start)
        await until(lambda: rig.kiosk.flow.screen is Screen.HOME, wait=30, what="home")
        assert not rig.kiosk.view.banner.isVisible()
        tap(await tile(rig, "reg"))
        await until(lambda: printer.printed, what="printed")

    run(loop, scenario(), timeout=90)
    assert len(waiting(server)) == 1


def test_double_tap_gives_one_ticket(
    qapp: Any, loop: Any, server: ServerProcess, tmp_path: Path, rigs: list[KioskRig]
) -> None:
    """Two taps in a row on the same service: one ticket issued and printed."""
    printer = FakePrinter()

    async def scenario() -> None:
        rig = await start_kiosk(qapp, server, tmp_path, printer)
        rigs.append(rig)
        target = await tile(rig, "reg")
        tap(target)
        tap(target)
        await until(lambda: printer.printed, what="printed")
        await asyncio.sleep(0.3)  # a second request would be answered by now

    run(loop, scenario())
    assert len(waiting(server)) == 1 and len(printer.printed) == 1


def test_config_changed_renames_a_service(
    qapp: Any, loop: Any, server: ServerProcess, tmp_path: Path, rigs: list[KioskRig]
) -> None:
    """`okno config apply` with a new name: the tile shows it without a restart."""

    async def scenario() -> None:
        rig = await start_kiosk(qapp, server, tmp_path, FakePrinter())
        rigs.append(rig)
        assert (await tile(rig, "vac")).title.text() == "Вакансии"
        renamed = kiosk_office_yaml().replace('"Вакансии"', '"Подбор вакансий"', 1)
        await asyncio.to_thread(apply_office, Path(server.db), renamed, tmp_path)
        await until(
            lambda: (
                (found := _tile(rig, "vac")) is not None and found.title.text() == "Подбор вакансий"
            ),
            what="rename",
        )

    run(loop, scenario())


def test_english_kiosk_shows_the_servers_english_refusal(
    qapp: Any, loop: Any, server: ServerProcess, tmp_path: Path, rigs: list[KioskRig]
) -> None:
    """A visitor who switched to English and meets the daily limit reads the server's own
    English sentence (asked with Accept-Language: en), not a general text."""
    limited = kiosk_office_yaml().replace("daily_limit: 500", "daily_limit: 1", 1)
    assert limited != kiosk_office_yaml()
    apply_office(Path(server.db), limited, tmp_path)
    with httpx.Client(base_url=server.url, timeout=10) as http:
        first = http.post(
            "/api/v1/offices/test/tickets",
            json={"service": "ben"},
            headers={"Authorization": f"Bearer {KIOSK_TOKEN}"},
        )
    assert first.status_code == 201, first.text  # the day's only ticket, taken elsewhere
    printer = FakePrinter()

    async def scenario() -> None:
        rig = await start_kiosk(qapp, server, tmp_path, printer)
        rigs.append(rig)
        tap(await button(rig, "English"))
        tap(await tile(rig, "ben"))
        await until(lambda: rig.kiosk.flow.screen is Screen.NOTICE, what="the refusal")

    run(loop, scenario())
    from PySide6.QtWidgets import QLabel

    view = rigs[0].kiosk.view
    texts = [label.text() for label in view.findChildren(QLabel) if label.isVisible()]
    assert "No more tickets today for 'Benefit'" in texts, texts
    assert printer.printed == [] and len(waiting(server)) == 1
