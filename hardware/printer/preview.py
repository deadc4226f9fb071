"""Draws a ticket as a Pillow image: for the kiosk screen (when printing fails) and the docs.

The same `layout_ticket` lines as on paper, in a monospaced Cyrillic font at the printer's 203 dpi
geometry (Font A: 12 x 24 dots), so a line that fits on screen fits on paper.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from hardware.printer.errors import PrinterConfigError
from hardware.printer.profiles import COLUMNS_BY_PAPER
from hardware.printer.ticket import Align, LineKind, TicketData, layout_ticket, number_scale

if TYPE_CHECKING:
    from PIL import Image, ImageFont

__all__ = ["FONT_DIR", "render_preview", "save_preview"]

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_CHAR_WIDTH = 12  # Font A dots
_LINE_HEIGHT = 30  # 24-dot glyphs plus the default line spacing
_MARGIN = 24  # white paper around the printable area


@lru_cache(maxsize=16)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    try:
        return ImageFont.truetype(str(FONT_DIR / name), size)
    except OSError as error:
        raise PrinterConfigError(
            "Не найден шрифт DejaVu: установите пакет fonts-dejavu-core.",
            "The DejaVu font is missing: install the fonts-dejavu-core package.",
            detail=str(error),
        ) from error


def render_preview(ticket: TicketData, paper_width: int = 80, scale: int = 1) -> Image.Image:
    """The ticket as an RGB image, `scale` times the printer's dot size (use 2 on a kiosk)."""
    from PIL import Image, ImageDraw

    from hardware.printer.escpos_printer import qr_image

    columns = COLUMNS_BY_PAPER[paper_width]
    printable = columns * _CHAR_WIDTH
    # Font size whose monospaced advance is one Font A column (DejaVu Sans Mono: 0.602 em).
    text_size = round(_CHAR_WIDTH / 0.602)
    lines = layout_ticket(ticket, columns)

    # First pass: heights, so the canvas is exactly as long as the ticket.
    qr_images = {
        index: qr_image(line.text, 5 if paper_width == 80 else 4)
        for index, line in enumerate(lines)
        if line.kind is LineKind.QR
    }
    heights = []
    for index, line in enumerate(lines):
        if line.kind is LineKind.NUMBER:
            heights.append(_LINE_HEIGHT * number_scale(line.text, columns))
        elif line.kind is LineKind.QR:
            heights.append(qr_images[index].height + _LINE_HEIGHT // 2)
        elif line.kind is LineKind.BLANK:
            heights.append(_LINE_HEIGHT // 2)
        else:
            heights.append(_LINE_HEIGHT)
    tear = 28
    width = printable + 2 * _MARGIN
    height = sum(heights) + 2 * _MARGIN + tear
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    ink = (20, 20, 20)

    y = _MARGIN
    for index, (line, line_height) in enumerate(zip(lines, heights, strict=True)):
        if line.kind is LineKind.QR:
            code = qr_images[index].convert("RGB")
            image.paste(code, (_MARGIN + (printable - code.width) // 2, y))
        elif line.kind is LineKind.RULE:
            middle = y + line_height // 2
            draw.line([(_MARGIN, middle), (_MARGIN + printable, middle)], fill=(120, 120, 120))
        elif line.kind is not LineKind.BLANK:
            if line.kind is LineKind.NUMBER:
                # Proportional bold for the number: the monospaced zero has a distracting dot.
                font = _font("DejaVuSans-Bold.ttf", text_size * number_scale(line.text, columns))
            elif line.kind is LineKind.TITLE:
                font = _font("DejaVuSansMono-Bold.ttf", text_size)
            else:
                font = _font("DejaVuSansMono.ttf", text_size)
            text_width = draw.textlength(line.text, font=font)
            x = _MARGIN
            if line.align is Align.CENTER:
                x += round((printable - text_width) / 2)
            # Glyphs sit in the middle of the line box, like on paper.
            top, bottom = font.getbbox("ЁДу")[1::2]
            draw.text(
                (x, y + (line_height - (bottom - top)) // 2 - top), line.text, fill=ink, font=font
            )
        y += line_height

    # A dashed line where the cutter (or the tear bar) separates the ticket.
    cut_y = height - tear // 2
    for x in range(0, width, 12):
        draw.line([(x, cut_y), (x + 6, cut_y)], fill=(160, 160, 160))
    draw.rectangle([(0, 0), (width - 1, height - 1)], outline=(200, 200, 200))
    if scale != 1:
        image = image.resize((width * scale, height * scale), Image.Resampling.LANCZOS)
    return image


def save_preview(ticket: TicketData, path: Path, paper_width: int = 80, scale: int = 1) -> Path:
    """Render the preview and save it as PNG at `path`; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    render_preview(ticket, paper_width, scale).save(path, format="PNG")
    return path
