"""Printer errors, each carrying a message a visitor or an administrator understands.

Hierarchy::

    PrinterError
    ├── PrinterOffline      the printer does not answer (power, cable, network)
    ├── PaperOut            no paper left
    ├── CoverOpen           the cover is open
    ├── PrinterConfigError  the settings cannot work (unknown profile, bad address)
    └── PrintFailed         the printer stopped answering in the middle of a ticket

`str(error)` is the Russian message; `message_en` holds the English one. When a print fails the
caller should show the ticket on screen (see `hardware.printer.preview`) so that it is not lost.
"""

from __future__ import annotations

from hardware.errors import DeviceError

__all__ = [
    "CoverOpen",
    "PaperOut",
    "PrintFailed",
    "PrinterConfigError",
    "PrinterError",
    "PrinterOffline",
]


class PrinterError(DeviceError):
    """Root of every printer failure; `message_ru` / `message_en` are for people."""

    default_ru = "Ошибка принтера."
    default_en = "Printer error."


class PrinterOffline(PrinterError):
    """The printer cannot be reached or reports itself offline."""

    default_ru = "Принтер не отвечает. Проверьте, что он включён и подключён."
    default_en = "The printer does not answer. Check that it is switched on and connected."


class PaperOut(PrinterError):
    """The paper roll is empty."""

    default_ru = "В принтере закончилась бумага. Вставьте новый рулон."
    default_en = "The printer is out of paper. Insert a new roll."


class CoverOpen(PrinterError):
    """The printer cover is open."""

    default_ru = "Открыта крышка принтера. Закройте её."
    default_en = "The printer cover is open. Close it."


class PrinterConfigError(PrinterError):
    """The printer settings cannot work; an administrator must fix the configuration."""

    default_ru = "Принтер настроен неверно. Обратитесь к администратору."
    default_en = "The printer is misconfigured. Contact the administrator."


class PrintFailed(PrinterError):
    """The connection broke while the ticket was being sent."""

    default_ru = "Талон не напечатан: связь с принтером прервалась."
    default_en = "The ticket was not printed: the connection to the printer broke."
