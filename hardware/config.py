"""Settings of a device's printer and speech: the `printer:` and `speech:` YAML sections."""

from __future__ import annotations

import os
import re
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

__all__ = [
    "PaperWidth",
    "PlayerKind",
    "PrinterBackend",
    "PrinterSettings",
    "SpeechSettings",
    "check_device_sections",
]


class PrinterBackend(StrEnum):
    """How the ticket printer is connected."""

    USB = "usb"
    NETWORK = "network"
    SERIAL = "serial"
    FILE = "file"
    DUMMY = "dummy"


PaperWidth = Literal[58, 80]

_USB_ID = re.compile(r"^(0x)?[0-9a-fA-F]{1,4}$")


class PrinterSettings(BaseModel):
    """Where the ticket printer is and what model it is.

    Only the address fields of the chosen `backend` are used; the validator refuses a backend whose
    address is missing, so a typo is reported when the configuration is loaded, not at the first
    ticket.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: PrinterBackend = PrinterBackend.DUMMY
    profile: str = Field(
        default="TM-T20II",
        description="printer model: a python-escpos capabilities profile name",
    )
    paper_width: PaperWidth = 80
    code_table: int | None = Field(
        default=None,
        ge=0,
        le=255,
        description="ESC t number of CP866 when the profile's default is wrong for this printer",
    )
    cut: bool | None = Field(
        default=None, description="cut after each ticket; None: ask the profile"
    )
    # usb
    usb_vendor: str | None = Field(default=None, description="USB vendor id, hex, e.g. 04b8")
    usb_product: str | None = Field(default=None, description="USB product id, hex, e.g. 0e15")
    # network
    host: str | None = None
    port: int = Field(default=9100, ge=1, le=65535)
    timeout: float = Field(default=3.0, gt=0, le=30, description="seconds to connect or answer")
    # serial
    serial_device: str | None = None
    baudrate: int = Field(default=9600, gt=0)
    # file
    file_path: Path | None = Field(default=None, description="e.g. /dev/usb/lp0")

    @field_validator("usb_vendor", "usb_product")
    @classmethod
    def _hex_id(cls, value: str | None) -> str | None:
        if value is not None and not _USB_ID.match(value):
            raise ValueError("USB ids are 1 to 4 hex digits, e.g. 04b8")
        return value

    @model_validator(mode="after")
    def _address_present(self) -> PrinterSettings:
        missing = {
            PrinterBackend.USB: self.usb_vendor is None or self.usb_product is None,
            PrinterBackend.NETWORK: not self.host,
            PrinterBackend.SERIAL: not self.serial_device,
            PrinterBackend.FILE: self.file_path is None,
            PrinterBackend.DUMMY: False,
        }[self.backend]
        if missing:
            fields = {
                PrinterBackend.USB: "usb_vendor and usb_product",
                PrinterBackend.NETWORK: "host",
                PrinterBackend.SERIAL: "serial_device",
                PrinterBackend.FILE: "file_path",
            }[self.backend]
            raise ValueError(f"backend {self.backend.value!r} needs {fields}")
        return self

    @property
    def usb_ids(self) -> tuple[int, int]:
        """(vendor, product) as integers; only meaningful for the USB backend."""
        if self.usb_vendor is None or self.usb_product is None:
            raise ValueError("usb_vendor and usb_product are not set")
        return int(self.usb_vendor, 16), int(self.usb_product, 16)


def _default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/okno/speech`, falling back to `~/.cache/okno/speech`."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "okno" / "speech"


class PlayerKind(StrEnum):
    """Which audio player announces calls; `auto` takes the first that works."""

    AUTO = "auto"
    QT = "qt"
    APLAY = "aplay"
    NULL = "null"


class SpeechSettings(BaseModel):
    """Voice announcements of a display board or a desk."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: Literal["ru", "en"] = "ru"
    voice: str | None = Field(
        default=None, description="eSpeak voice id or name overriding the language's default"
    )
    rate: int = Field(default=150, ge=60, le=400, description="words per minute")
    volume: float = Field(default=1.0, ge=0.0, le=1.0)
    cache_dir: Path = Field(
        default_factory=lambda: _default_cache_dir(), description="where rendered phrases are kept"
    )
    player: PlayerKind = PlayerKind.AUTO
    chime: bool = True


DeviceSectionError = tuple[tuple[str | int, ...], str]


def check_device_sections(
    printer: dict[str, object] | None, speech: dict[str, object] | None
) -> list[DeviceSectionError]:
    """Validate a device's `printer:` and `speech:` sections of the office file.

    Returns (location within the device, message) pairs, empty when both are valid; the office
    configuration turns the locations into line numbers.
    """
    problems: list[DeviceSectionError] = []
    for name, model, section in (
        ("printer", PrinterSettings, printer),
        ("speech", SpeechSettings, speech),
    ):
        if section is None:
            continue
        try:
            model.model_validate(section)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                problems.append(((name, *error["loc"]), error["msg"]))
    return problems
