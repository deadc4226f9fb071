"""The kiosk checks a booking in against a real server: typed on its keypad, or scanned."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel

from hardware.config import PrinterSettings
from hardware.printer import FakePrinter
from hardware.printer.escpos_printer import EscposTicketPrinter
from kiosk_app.state import Notice, Screen
from qt_common.widgets import Keypad
from queue_server.storage.db import make_engine, sqlite_url
from tests.helpers.bookings import add_booking
from tests.helpers.server_process import ServerProcess
from tests.kiosk_app.conftest import KioskRig, run, start_kiosk, until
from tests.kiosk_app.test_kiosk_e2e import button, tap, waiting

pytestmark = [pytest.mark.gui, pytest.mark.e2e]


def book(server: ServerProcess, code: str, slot_at: datetime) -> None:
    """A booking of registration at `slot_at`, written into the running server's database."""
    engine = make_engine(sqlite_url(Path(server.db)))
    try:
        add_booking(engine, "test", code, slot_at)
    finally:
        engine.dispose()


def visible_texts(rig: KioskRig) -> list[str]:
    return [label.text() for label in rig.kiosk.view.findChildren(QLabel) if label.isVisible()]


async def type_code(rig: KioskRig, code: str) -> None:
    """Tap the code's keys on the check-in keypad, then its OK key."""

    def shown() -> list[Keypad]:
        return [k for k in rig.kiosk.view.findChildren(Keypad) if k.isVisible()]

    await until(shown, what="the keypad shown")
    (keypad,) = shown()
    keys = {b.text(): b for b in keypad.findChildren(type(keypad.ok)) if b.isVisible()}
    for char in code:
        tap(keys[char])
    tap(keypad.ok)


def test_check_in_by_typed_code_prints_the_servers_ticket(
    qapp: Any, loop: Any, server: ServerProcess, tmp_path: Path, rigs: list[KioskRig]
) -> None:
    """ "I have a booking", the code typed on the keypad: the server's appointment ticket is
    printed (its number in the ESC/POS bytes) and shown with "You are checked in"."""
    book(server, "ACDE7K3P", datetime.now(UTC) + timedelta(minutes=10))
    printer = EscposTicketPrinter(PrinterSettings(backend="dummy"))

    async def scenario() -> None:
        rig = await start_kiosk(qapp, server, tmp_path, printer)
        rigs.append(rig)
        tap(await button(rig, "Я записан(а)"))
        await until(lambda: rig.kiosk.flow.screen is Screen.CHECK_IN, what="the keypad")
        await type_code(rig, "ACDE7K3P")
        await until(
            lambda: rig.kiosk.flow.ticket is not None and rig.kiosk.flow.ticket.printed is not None,
            what="printed",
        )

    run(loop, scenario())
    rig = rigs[0]
    (issued,) = waiting(server)
    assert issued["ticket_class"] == "appointment"
    shown = rig.kiosk.flow.ticket
    assert shown is not None and shown.printed is True and shown.checked_in
    assert shown.ticket.number == issued["number"]
    assert issued["number"].encode("cp866") in printer.last_output
    assert "Вы отмечены. Ваш талон:" in visible_texts(rig)


def test_a_used_code_scanned_shows_the_servers_sentence(
    qapp: Any, loop: Any, server: ServerProcess, tmp_path: Path, rigs: list[KioskRig]
) -> None:
    """A QR scanned a second time: the first prints; the second shows the server's sentence
    naming the ticket already issued, and prints nothing."""
    book(server, "HJKM4799", datetime.now(UTC))
    printer = FakePrinter()

    async def scenario() -> None:
        rig = await start_kiosk(qapp, server, tmp_path, printer)
        rigs.append(rig)
        rig.controller.feed_scanner("https://okno.test/book?code=hjkm-4799", time.monotonic())
        await until(lambda: printer.printed, what="the first ticket printed")
        tap(await button(rig, "Готово"))
        rig.controller.feed_scanner("HJKM4799", time.monotonic())
        await until(lambda: rig.kiosk.flow.screen is Screen.NOTICE, what="the refusal")

    run(loop, scenario())
    rig = rigs[0]
    (issued,) = waiting(server)
    assert len(printer.printed) == 1 and printer.printed[0].number == issued["number"]
    assert rig.kiosk.flow.notice is Notice.CHECK_IN_REFUSED
    assert f"По записи HJKM4799 уже выдан талон {issued['number']}" in visible_texts(rig)
