"""The ticket preview image."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from hardware.printer.errors import PaperOut
from hardware.printer.fake import FakePrinter
from hardware.printer.preview import render_preview, save_preview
from hardware.printer.ticket import TicketData


@pytest.mark.parametrize(("width", "pixels"), [(58, 384), (80, 576)])
def test_preview_width_matches_the_paper(
    width: int, pixels: int, sample_ticket: TicketData
) -> None:
    """The printable area is the printer's dot width (plus a 24-pixel margin on each side)."""
    image = render_preview(sample_ticket, width)
    assert image.width == pixels + 48


def test_preview_grows_with_the_documents(sample_ticket: TicketData) -> None:
    """More documents make a longer ticket; the image has dark ink on it."""
    short = render_preview(dataclasses.replace(sample_ticket, documents=[]), 58)
    long = render_preview(sample_ticket, 58)
    assert long.height > short.height
    assert short.convert("L").getextrema()[0] < 50


def test_save_preview_writes_png(tmp_path: Path, sample_ticket: TicketData) -> None:
    """save_preview creates the folder and writes a PNG."""
    path = save_preview(sample_ticket, tmp_path / "sub" / "ticket.png", 80, scale=2)
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_fake_printer_records_and_fails(sample_ticket: TicketData) -> None:
    """FakePrinter keeps printed tickets and raises the configured error instead when told."""
    printer = FakePrinter()
    printer.print_ticket(sample_ticket)
    printer.fail_with = PaperOut()
    with pytest.raises(PaperOut):
        printer.print_ticket(sample_ticket)
    assert printer.printed == [sample_ticket]
