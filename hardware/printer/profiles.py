"""Printer models: which CP866 code table, QR support, cutter and line width each one has.

The data come from python-escpos's capabilities database; where a profile lists CP866 under several
numbers we choose the one the real printers of that model use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hardware.printer.errors import PrinterConfigError

__all__ = ["COLUMNS_BY_PAPER", "PrinterModel", "resolve_model"]

#: Font A characters per line on each paper width
COLUMNS_BY_PAPER: dict[int, int] = {58: 32, 80: 48}

# Cheap 58 mm printers (POS-5890 and its clones) list CP866 as both 17 and 59, but print
# Cyrillic only with 59; Epson printers use 17.
_PREFERRED_CP866: dict[str, int] = {"POS-5890": 59, "NT-5890K": 59, "NT-80-V-UL": 59, "P822D": 59}


@dataclass(frozen=True)
class PrinterModel:
    """What the renderer needs to know about one printer model on one paper width."""

    profile: str
    code_table: int
    columns: int
    native_qr: bool
    cutter: bool
    paper_width: int


def _capabilities_profile(name: str) -> Any:
    from escpos import capabilities

    try:
        return capabilities.get_profile(name)
    except KeyError as error:
        known = ", ".join(sorted(capabilities.CAPABILITIES["profiles"]))
        raise PrinterConfigError(
            f"Неизвестная модель принтера {name!r}.",
            f"Unknown printer model {name!r}. Known profiles: {known}",
            detail=str(error),
        ) from error


def resolve_model(
    profile: str, paper_width: int, code_table: int | None = None, cut: bool | None = None
) -> PrinterModel:
    """The model for `profile` on `paper_width` mm paper, with optional overrides from settings."""
    if paper_width not in COLUMNS_BY_PAPER:
        raise PrinterConfigError(
            f"Ширина бумаги {paper_width} мм не поддерживается (58 или 80).",
            f"Paper width {paper_width} mm is not supported (58 or 80).",
        )
    caps = _capabilities_profile(profile)
    cp866_tables = sorted(
        int(number) for number, name in caps.codePages.items() if str(name).upper() == "CP866"
    )
    if code_table is None:
        if profile in _PREFERRED_CP866:
            code_table = _PREFERRED_CP866[profile]
        elif cp866_tables:
            code_table = cp866_tables[0]
        else:
            raise PrinterConfigError(
                f"Модель {profile!r} не умеет печатать кириллицу (нет CP866). Укажите code_table.",
                f"Model {profile!r} has no CP866 code table; set code_table in the settings.",
            )
    columns = COLUMNS_BY_PAPER[paper_width]
    font_a_columns = caps.fonts.get("0", {}).get("columns")
    if isinstance(font_a_columns, int) and font_a_columns < columns and paper_width == 80:
        # e.g. TM-T88V prints 42 columns on 80 mm paper (180 dpi); a longer line would wrap
        columns = font_a_columns
    cutter = caps.supports("paperFullCut") or caps.supports("paperPartCut")
    return PrinterModel(
        profile=profile,
        code_table=code_table,
        columns=columns,
        native_qr=bool(caps.supports("qrCode")),
        cutter=cutter if cut is None else cut,
        paper_width=paper_width,
    )
