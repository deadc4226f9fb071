"""The ticket printer: the `TicketPrinter` interface, its ESC/POS implementation, preview and fake.

Typical use by the kiosk (from a worker thread)::

    printer = make_printer(settings.printer)
    try:
        printer.print_ticket(ticket)
    except PrinterError as error:
        show_on_screen(render_preview(ticket), error.message_ru)

Importing this package loads neither python-escpos nor Pillow; they load on first use.
"""

from __future__ import annotations

from hardware.config import PrinterSettings
from hardware.printer.base import PrinterStatus, TicketPrinter
from hardware.printer.errors import (
    CoverOpen,
    PaperOut,
    PrinterConfigError,
    PrinterError,
    PrinterOffline,
    PrintFailed,
)
from hardware.printer.fake import FakePrinter
from hardware.printer.ticket import TicketData

__all__ = [
    "CoverOpen",
    "FakePrinter",
    "PaperOut",
    "PrintFailed",
    "PrinterConfigError",
    "PrinterError",
    "PrinterOffline",
    "PrinterSettings",
    "PrinterStatus",
    "TicketData",
    "TicketPrinter",
    "make_printer",
]


def make_printer(settings: PrinterSettings) -> TicketPrinter:
    """The ESC/POS printer described by `settings` (raises PrinterConfigError on a bad profile)."""
    from hardware.printer.escpos_printer import EscposTicketPrinter

    return EscposTicketPrinter(settings)
