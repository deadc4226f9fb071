"""Kiosk tap → ticket bytes: from the tap on a service tile to the ESC/POS bytes in the printer.

A real `okno server` (SQLite, test office, one operator signed in) and the real kiosk (offscreen
Qt on the qasync loop, the real ClientSession) with a printer that renders the ESC/POS bytes like
a dummy-backend printer and notes when they are complete. 2 warm-up taps, then 20 measured.
Goal: median ≤ 300 ms.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
import time
from pathlib import Path

from bench._common import Figure, percentile, print_figures, running_server

RUNS = 20
WARM_UP = 2
GOAL_MS = 300.0


def run() -> list[Figure]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_API", "pyside6")
    import httpx

    from bench._common import PASSWORDS, WORKPLACES
    from qt_common.app import run_qt

    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp)) as server:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            answer = http.post(
                "/api/v1/auth/login",
                json={"login": "alice", "password": PASSWORDS["alice"],
                      "workplace": WORKPLACES["alice"]},
            )  # fmt: skip
            answer.raise_for_status()
        times: list[float] = []
        run_qt(lambda app: _taps(app, server.url, Path(tmp), times), "okno-bench")
    figures = [
        Figure("kiosk tap -> ticket bytes, median", percentile(times, 50), "ms",
               f"<= {GOAL_MS:.0f} ms", percentile(times, 50) <= GOAL_MS),
        Figure("kiosk tap -> ticket bytes, p95", percentile(times, 95), "ms", "", None),
    ]  # fmt: skip
    return figures


async def _taps(app: object, url: str, tmp: Path, times: list[float]) -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from bench._common import KIOSK_TOKEN
    from hardware.config import PrinterSettings
    from hardware.printer import TicketData, TicketPrinter
    from hardware.printer.base import PrinterStatus
    from hardware.printer.escpos_printer import EscposTicketPrinter
    from kiosk_app.main import build_kiosk, connect_kiosk
    from kiosk_app.settings import KioskSettings
    from kiosk_app.views import TileButton

    assert isinstance(app, QApplication)
    loop = asyncio.get_running_loop()
    done: asyncio.Queue[float] = asyncio.Queue()

    class TimedPrinter(TicketPrinter):
        """The dummy ESC/POS printer, noting when each ticket's bytes are complete."""

        def __init__(self) -> None:
            self.inner = EscposTicketPrinter(PrinterSettings(backend="dummy"))
            self.lock = threading.Lock()

        def print_ticket(self, ticket: TicketData) -> None:
            with self.lock:
                self.inner.print_ticket(ticket)
                assert ticket.number.encode("cp866") in self.inner.last_output
            loop.call_soon_threadsafe(done.put_nowait, time.perf_counter())

        def status(self) -> PrinterStatus:
            return PrinterStatus.ONLINE

    settings = KioskSettings(server=url, token=KIOSK_TOKEN, office="test", windowed=True,
                             orientation="portrait", state_file=tmp / "kiosk.json")  # fmt: skip
    kiosk = build_kiosk(app, settings)
    controller = connect_kiosk(app, kiosk, settings, "test", TimedPrinter())
    kiosk.window.show()
    controller.start()
    await asyncio.wait_for(controller.ready.wait(), 30)
    for index in range(WARM_UP + RUNS):
        kiosk.flow.go_home()
        kiosk.view.show_flow(kiosk.flow)
        await asyncio.sleep(0.2)  # let the new tiles show, and the server settle
        tile = next(t for t in kiosk.view.findChildren(TileButton, "service-reg") if t.isVisible())
        start = time.perf_counter()
        QTest.mouseClick(tile, Qt.MouseButton.LeftButton)
        finished = await asyncio.wait_for(done.get(), 30)
        if index >= WARM_UP:
            times.append((finished - start) * 1000)
    await controller.close()
    kiosk.window.close()
    return 0


if __name__ == "__main__":
    print_figures("kiosk tap", run())
