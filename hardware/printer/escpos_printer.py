"""The ticket printer on python-escpos: renders a ticket to ESC/POS bytes and sends them.

The ticket is first rendered into an in-memory `Dummy` printer, then the bytes go to the device in
one write, so a ticket is never half-built on a slow connection. Text is encoded to CP866 here (not
by python-escpos's code-page guessing) so that the code table is exactly the model's.
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hardware.config import PrinterBackend, PrinterSettings
from hardware.printer.base import PrinterStatus, TicketPrinter
from hardware.printer.errors import (
    CoverOpen,
    PaperOut,
    PrinterConfigError,
    PrinterError,
    PrinterOffline,
    PrintFailed,
)
from hardware.printer.profiles import PrinterModel, resolve_model
from hardware.printer.ticket import Align, LineKind, TicketData, layout_ticket, number_scale

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["EscposTicketPrinter", "render_ticket_bytes", "status_from_replies"]

logger = logging.getLogger("okno.printer")

ESC = b"\x1b"
GS = b"\x1d"
DLE_EOT = b"\x10\x04"
INIT = ESC + b"@"
ALIGN = {Align.LEFT: ESC + b"a\x00", Align.CENTER: ESC + b"a\x01"}
BOLD_ON = ESC + b"E\x01"
BOLD_OFF = ESC + b"E\x00"
FEED_BEFORE_CUT = ESC + b"d\x04"


def _size_command(scale: int) -> bytes:
    """GS ! n: width and height multiplied by `scale` (1..8)."""
    return GS + b"!" + bytes([(scale - 1) << 4 | (scale - 1)])


def qr_image(content: str, box_size: int) -> Image.Image:
    """A black-on-white QR code of `content`, `box_size` pixels per module, 2-module margin."""
    import qrcode
    import qrcode.constants

    code = qrcode.QRCode(
        box_size=box_size, border=2, error_correction=qrcode.constants.ERROR_CORRECT_M
    )
    code.add_data(content)
    code.make(fit=True)
    image: Image.Image = code.make_image().get_image().convert("1")
    return image


def render_ticket_bytes(ticket: TicketData, model: PrinterModel) -> bytes:
    """The ESC/POS bytes of `ticket` for `model`: what the printer receives, byte for byte."""
    from escpos.printer import Dummy

    out = Dummy(profile=model.profile)
    raw = out._raw
    raw(INIT)
    raw(ESC + b"t" + bytes([model.code_table]))
    for line in layout_ticket(ticket, model.columns):
        raw(ALIGN[line.align])
        if line.kind is LineKind.NUMBER:
            raw(BOLD_ON + _size_command(number_scale(line.text, model.columns)))
            raw(line.text.encode("cp866") + b"\n")
            raw(_size_command(1) + BOLD_OFF)
        elif line.kind is LineKind.TITLE:
            raw(BOLD_ON + line.text.encode("cp866") + b"\n" + BOLD_OFF)
        elif line.kind is LineKind.QR:
            # QR size: module dots; a phone reads 4-dot modules well at arm's length
            if model.native_qr:
                out.qr(line.text, size=6 if model.paper_width == 80 else 5, native=True)
            else:
                # not escpos's qr(native=False): it writes "\n" through its code-page guessing,
                # which switches the printer away from CP866 for the rest of the ticket
                out.image(qr_image(line.text, 5 if model.paper_width == 80 else 4))
                raw(b"\n")
        else:
            raw(line.text.encode("cp866") + b"\n")
    raw(ALIGN[Align.LEFT])
    if model.cutter:
        raw(FEED_BEFORE_CUT + GS + b"V\x00")  # feed past the cutter, then a full cut
    else:
        raw(ESC + b"d\x05")  # no cutter: feed so the ticket can be torn off
    data: bytes = out.output
    out.close()
    return data


def _valid_status_byte(reply: bytes | None) -> int | None:
    # Every DLE EOT reply has bits 1 and 4 set and bits 0 and 7 clear.
    if not reply or (reply[0] & 0x93) != 0x12:
        return None
    return reply[0]


def status_from_replies(
    printer: bytes | None, offline_cause: bytes | None, paper: bytes | None
) -> PrinterStatus:
    """Map the replies to DLE EOT 1, 2 and 4 (None: no reply) to a status."""
    printer_byte = _valid_status_byte(printer)
    cause_byte = _valid_status_byte(offline_cause)
    paper_byte = _valid_status_byte(paper)
    if cause_byte is not None and cause_byte & 0x04:
        return PrinterStatus.COVER_OPEN
    if (paper_byte is not None and paper_byte & 0x60) or (
        cause_byte is not None and cause_byte & 0x20
    ):
        return PrinterStatus.PAPER_OUT
    if printer_byte is None:
        return PrinterStatus.UNKNOWN
    if printer_byte & 0x08:
        return PrinterStatus.OFFLINE
    if paper_byte is not None and paper_byte & 0x0C:
        return PrinterStatus.PAPER_NEAR_END
    return PrinterStatus.ONLINE


def _file_status(path: Path | None) -> PrinterStatus:
    """A device file's status without writing to it: UNKNOWN when writable, else OFFLINE."""
    if path is None:
        return PrinterStatus.OFFLINE
    writable = os.access(path, os.W_OK) if path.exists() else os.access(path.parent, os.W_OK)
    return PrinterStatus.UNKNOWN if writable else PrinterStatus.OFFLINE


_STATUS_ERRORS: dict[PrinterStatus, type[PrinterError]] = {
    PrinterStatus.OFFLINE: PrinterOffline,
    PrinterStatus.PAPER_OUT: PaperOut,
    PrinterStatus.COVER_OPEN: CoverOpen,
}


class EscposTicketPrinter(TicketPrinter):
    """A real ESC/POS printer on the backend chosen in `PrinterSettings`.

    Each call opens the connection and closes it again: a kiosk prints a few tickets a minute, and
    a fresh connection survives printer restarts without any reconnect logic.
    """

    def __init__(self, settings: PrinterSettings) -> None:
        self.settings = settings
        self.model = resolve_model(
            settings.profile, settings.paper_width, settings.code_table, settings.cut
        )
        #: bytes of the last ticket sent; the dummy backend keeps them for tests and the CLI
        self.last_output: bytes = b""

    @property
    def can_query_status(self) -> bool:
        """Whether the connection is two-way, so DLE EOT can be answered."""
        return self.settings.backend in {
            PrinterBackend.NETWORK,
            PrinterBackend.USB,
            PrinterBackend.SERIAL,
        }

    def render(self, ticket: TicketData) -> bytes:
        """The ESC/POS bytes this printer would receive for `ticket`."""
        return render_ticket_bytes(ticket, self.model)

    def print_ticket(self, ticket: TicketData) -> None:
        """Check the status (two-way backends), then send the whole ticket in one write."""
        data = self.render(ticket)
        device = self._open()
        try:
            if self.can_query_status:
                status = self._query_status(device)
                if status in _STATUS_ERRORS:
                    raise _STATUS_ERRORS[status](detail=f"status {status.value}")
                if status is PrinterStatus.PAPER_NEAR_END:
                    logger.warning("paper near end on %s printer", self.settings.backend.value)
            try:
                device._raw(data)
                if hasattr(device, "flush"):
                    device.flush()
            except Exception as error:
                if isinstance(error, PrinterError):
                    raise
                raise PrintFailed(detail=repr(error)) from error
            if self.settings.backend is PrinterBackend.DUMMY:
                self.last_output = device.output
            logger.info(
                "ticket %s printed (%d bytes, %s)",
                ticket.number,
                len(data),
                self.settings.backend.value,
            )
        finally:
            self._close(device)

    def status(self) -> PrinterStatus:
        """DLE EOT status on two-way backends; ONLINE/UNKNOWN by whether one-way ones open."""
        if self.settings.backend is PrinterBackend.FILE:
            # escpos's File opens with "wb": opening it just to look would truncate a file that
            # holds the ticket just printed (a spool file, or a capture for tests).
            return _file_status(self.settings.file_path)
        try:
            device = self._open()
        except PrinterOffline:
            return PrinterStatus.OFFLINE
        try:
            if self.settings.backend is PrinterBackend.DUMMY:
                return PrinterStatus.ONLINE
            if not self.can_query_status:
                return PrinterStatus.UNKNOWN  # a file/device node opened, but it cannot answer
            return self._query_status(device)
        finally:
            self._close(device)

    def _query_status(self, device: Any) -> PrinterStatus:
        replies: list[bytes | None] = []
        for request in (b"\x01", b"\x02", b"\x04"):
            try:
                device._raw(DLE_EOT + request)
                replies.append(bytes(device._read()))
            except Exception as error:  # timeouts differ by backend (socket, usb, serial)
                logger.debug("no reply to DLE EOT %r: %r", request, error)
                replies.append(None)
                if isinstance(error, (ConnectionError, BrokenPipeError)):
                    return PrinterStatus.OFFLINE
        status = status_from_replies(*replies)
        logger.debug("printer status %s from replies %r", status.value, replies)
        return status

    def _open(self) -> Any:
        """Open the backend's connection or raise PrinterOffline / PrinterConfigError."""
        from escpos import printer as escpos_printer

        settings = self.settings
        backend = settings.backend
        kwargs: dict[str, Any] = {"profile": self.model.profile}
        device: Any
        try:
            if backend is PrinterBackend.DUMMY:
                return escpos_printer.Dummy(**kwargs)
            if backend is PrinterBackend.NETWORK:
                device = escpos_printer.Network(
                    host=settings.host or "", port=settings.port, timeout=settings.timeout, **kwargs
                )
                # Connect ourselves: escpos's Network.open() leaks the socket when the connection
                # is refused; create_connection closes it and honours the timeout.
                device.device = socket.create_connection(
                    (settings.host or "", settings.port), timeout=settings.timeout
                )
                return device
            elif backend is PrinterBackend.FILE:
                device = escpos_printer.File(devfile=str(settings.file_path), **kwargs)
            elif backend is PrinterBackend.SERIAL:
                device = escpos_printer.Serial(
                    devfile=settings.serial_device or "",
                    baudrate=settings.baudrate,
                    timeout=settings.timeout,
                    **kwargs,
                )
            else:
                vendor, product = settings.usb_ids
                device = escpos_printer.Usb(
                    vendor, product, timeout=int(settings.timeout * 1000), **kwargs
                )
            device.open()
        except PrinterError:
            raise
        except Exception as error:  # escpos raises its own errors, OSError and usb.core errors
            logger.warning(
                "cannot open %s printer: %s %s", backend.value, type(error).__name__, error
            )
            if type(error).__name__ in {"USBNotFoundError", "DeviceNotFoundError"} or isinstance(
                error, (OSError, socket.timeout)
            ):
                raise PrinterOffline(detail=repr(error)) from error
            raise PrinterConfigError(detail=repr(error)) from error
        return device

    @staticmethod
    def _close(device: Any) -> None:
        try:
            device.close()
        except Exception as error:  # closing a broken connection must not hide the real error
            logger.debug("closing the printer failed: %r", error)
