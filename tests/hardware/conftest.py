"""Shared fixtures of the hardware tests: sample tickets, a fake network printer, a fake clock."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from datetime import datetime

import pytest

from hardware.printer.ticket import TicketData
from hardware.speech.fake import FakeClock

DOCUMENTS = [
    "Паспорт гражданина Российской Федерации",
    "Трудовая книжка или сведения о трудовой деятельности",
    "СНИЛС",
    "Документ об образовании и квалификации",
    "Справка о среднем заработке за последние три месяца по последнему месту работы",
]


@pytest.fixture
def sample_ticket() -> TicketData:
    """A full Russian ticket: long office name, five documents, a status link, a footer."""
    return TicketData(
        office_name="Центр занятости населения — отдел «Северный»",
        service_name="Регистрация в качестве безработного",
        number="А042",
        issued_at=datetime(2025, 3, 12, 10, 42),
        ahead=3,
        estimate_minutes=12,
        documents=list(DOCUMENTS),
        status_url="https://okno.example.ru/t/A042?o=7",
        footer="Спасибо! Следите за вызовом на табло.",
    )


class FakeNetworkPrinter:
    """A TCP server on 127.0.0.1 that answers DLE EOT n with `replies[n]` and keeps other bytes."""

    def __init__(self, replies: dict[int, bytes]) -> None:
        self.replies = replies
        self.received = bytearray()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return  # closed by stop()
            with connection:
                while chunk := connection.recv(65536):
                    if len(chunk) == 3 and chunk[:2] == b"\x10\x04":
                        connection.sendall(self.replies.get(chunk[2], b""))
                    else:
                        self.received += chunk

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._server.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        self._server.close()
        self._thread.join(timeout=5)


@pytest.fixture
def network_printer_factory() -> Iterator[type[FakeNetworkPrinter]]:
    """Builds fake network printers and stops them all after the test."""
    started: list[FakeNetworkPrinter] = []

    class _Tracked(FakeNetworkPrinter):
        def __init__(self, replies: dict[int, bytes]) -> None:
            super().__init__(replies)
            started.append(self)

    yield _Tracked
    for server in started:
        server.stop()


@pytest.fixture
def fake_clock() -> FakeClock:
    """A clock that only moves when the test advances it."""
    return FakeClock()
