"""A printer for tests and demos: records tickets, and fails on request like a real one would."""

from __future__ import annotations

import logging

from hardware.printer.base import PrinterStatus, TicketPrinter
from hardware.printer.errors import PrinterError
from hardware.printer.ticket import TicketData

__all__ = ["FakePrinter"]

logger = logging.getLogger("okno.printer")


class FakePrinter(TicketPrinter):
    """Keeps printed tickets in `printed`; set `fail_with` to make the next prints raise it."""

    def __init__(
        self, status: PrinterStatus = PrinterStatus.ONLINE, fail_with: PrinterError | None = None
    ) -> None:
        self.printed: list[TicketData] = []
        self.current_status = status
        self.fail_with = fail_with

    def print_ticket(self, ticket: TicketData) -> None:
        """Record `ticket`, or raise `fail_with` (the ticket is then not recorded)."""
        if self.fail_with is not None:
            logger.info("fake printer refuses ticket %s: %s", ticket.number, self.fail_with)
            raise self.fail_with
        self.printed.append(ticket)
        logger.info("fake printer printed ticket %s", ticket.number)

    def status(self) -> PrinterStatus:
        """The status set by the test (ONLINE by default)."""
        return self.current_status
