"""The kiosk's settings (flags, `OKNO_*` variables, settings file) and its printer option."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from hardware.config import PrinterSettings
from qt_common.settings import ClientSettings, default_state_dir

__all__ = ["KioskSettings", "parse_printer"]


def parse_printer(spec: str, profile: str, paper_width: int) -> PrinterSettings | None:
    """`--printer` as PrinterSettings; None for `none` (tickets only on screen).

    Forms: `none`, `dummy`, `file:/dev/usb/lp0`, `network:HOST[:PORT]`, `usb:VENDOR:PRODUCT`,
    `serial:/dev/ttyUSB0[:BAUD]`. Raises ValueError (pydantic's, naming the field) when wrong.
    """
    kind, _, rest = spec.partition(":")
    fields: dict[str, object] = {"backend": kind, "profile": profile, "paper_width": paper_width}
    if kind == "none":
        return None
    if kind == "dummy" and not rest:
        return PrinterSettings.model_validate(fields)
    if kind == "file" and rest:
        return PrinterSettings.model_validate({**fields, "file_path": rest})
    if kind == "network" and rest:
        host, _, port = rest.partition(":")
        return PrinterSettings.model_validate({**fields, "host": host, "port": port or 9100})
    if kind == "usb" and rest.count(":") == 1:
        vendor, product = rest.split(":")
        return PrinterSettings.model_validate(
            {**fields, "usb_vendor": vendor, "usb_product": product}
        )
    if kind == "serial" and rest:
        device, _, baud = rest.partition(":")
        return PrinterSettings.model_validate(
            {**fields, "serial_device": device, "baudrate": baud or 9600}
        )
    raise ValueError(
        f"unknown printer {spec!r}: use none, dummy, file:PATH, network:HOST[:PORT], "
        "usb:VENDOR:PRODUCT or serial:DEVICE[:BAUD]"
    )


class KioskSettings(ClientSettings):
    """Everything `okno kiosk` needs; see `okno kiosk --help`."""

    printer: str = Field(default="none", description="none, dummy, file:PATH, network:HOST, ...")
    printer_profile: str = "TM-T20II"
    paper_width: Literal[58, 80] = 80
    orientation: Literal["portrait", "landscape", "auto"] = "auto"
    idle_seconds: float = Field(default=60, ge=5, le=3600)
    ticket_seconds: float = Field(default=20, ge=3, le=600)
    disable_unserved: bool = Field(
        default=True, description="a service nobody is serving now is shown disabled"
    )
    speech: bool = Field(default=False, description="spoken guidance through hardware speech")

    @field_validator("printer")
    @classmethod
    def _printer_form(cls, value: str) -> str:
        parse_printer(value, "TM-T20II", 80)  # the form only; the profile is checked at start
        return value

    def printer_settings(self) -> PrinterSettings | None:
        return parse_printer(self.printer, self.printer_profile, self.paper_width)

    def state_path(self) -> Path:
        return self.state_file or default_state_dir() / "kiosk.json"
