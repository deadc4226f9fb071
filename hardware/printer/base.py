"""The abstract ticket printer the kiosk talks to, and the states a printer can be in."""

from __future__ import annotations

import abc
from enum import Enum

from hardware.printer.ticket import TicketData

__all__ = ["PrinterStatus", "TicketPrinter"]


class PrinterStatus(Enum):
    """What the printer says about itself; `UNKNOWN` when the connection cannot tell."""

    ONLINE = "online"
    OFFLINE = "offline"
    PAPER_OUT = "paper_out"
    PAPER_NEAR_END = "paper_near_end"
    COVER_OPEN = "cover_open"
    UNKNOWN = "unknown"

    @property
    def can_print(self) -> bool:
        """Whether a ticket may be sent (near-end still prints; unknown is tried)."""
        return self in {PrinterStatus.ONLINE, PrinterStatus.PAPER_NEAR_END, PrinterStatus.UNKNOWN}


class TicketPrinter(abc.ABC):
    """A ticket printer: one implementation per kind of device, plus `FakePrinter` for tests.

    Both methods block (a network printer may take up to its timeout); the kiosk calls them from a
    worker thread, never from the GUI thread.
    """

    @abc.abstractmethod
    def print_ticket(self, ticket: TicketData) -> None:
        """Print `ticket`, or raise a `PrinterError` subclass; then show the ticket on screen."""

    @abc.abstractmethod
    def status(self) -> PrinterStatus:
        """Ask the printer how it is; never raises for a device that is merely unreachable."""
