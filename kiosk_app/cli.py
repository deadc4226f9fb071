"""`okno kiosk`: the lobby kiosk. Qt and the printer libraries load only when it runs."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_commands", "run_kiosk"]

from qt_common.cli import refuse, window_size

logger = logging.getLogger("okno.kiosk")


def add_commands(subparsers: Any) -> None:
    """Add `okno kiosk` to the `okno` command."""
    kiosk = subparsers.add_parser(
        "kiosk",
        help="the lobby kiosk (touchscreen, ticket printer)",
        description="Settings also come from OKNO_* variables (OKNO_SERVER, OKNO_TOKEN, "
        "OKNO_PRINTER, ...) and a YAML settings file (--settings or OKNO_SETTINGS_FILE).",
    )
    kiosk.add_argument("--server", help="server URL, e.g. http://127.0.0.1:8000")
    kiosk.add_argument("--token", help="the kiosk's device token")
    kiosk.add_argument("--office", help="office id (default: the token's office)")
    kiosk.add_argument(
        "--printer",
        help="none, dummy, file:PATH, network:HOST[:PORT], usb:VENDOR:PRODUCT, serial:DEV[:BAUD]",
    )
    kiosk.add_argument("--printer-profile", help="python-escpos profile, e.g. TM-T20II")
    kiosk.add_argument("--paper-width", type=int, choices=[58, 80])
    side = kiosk.add_mutually_exclusive_group()
    side.add_argument("--portrait", dest="orientation", action="store_const", const="portrait")
    side.add_argument("--landscape", dest="orientation", action="store_const", const="landscape")
    kiosk.add_argument("--lang", choices=["ru", "en"], help="default language (ru)")
    kiosk.add_argument("--large-text", action="store_true", default=None)
    kiosk.add_argument("--high-contrast", action="store_true", default=None)
    kiosk.add_argument("--windowed", action="store_true", default=None, help="not full screen")
    kiosk.add_argument(
        "--speech", action="store_true", default=None, help="spoken guidance (off by default)"
    )
    kiosk.add_argument("--admin-pin", help="PIN that closes the full-screen kiosk (4-8 digits)")
    kiosk.add_argument("--idle-seconds", type=float, help="any screen goes home after (60)")
    kiosk.add_argument("--ticket-seconds", type=float, help="the ticket screen stays (20)")
    kiosk.add_argument("--state-file", type=Path, help="where the last event seq is kept")
    kiosk.add_argument("--settings", type=Path, help="YAML settings file")
    kiosk.add_argument("--screenshot", type=Path, help="save the window to PNG and exit")
    kiosk.add_argument("--after", type=float, dest="screenshot_after", help="max wait, s (10)")
    kiosk.add_argument(
        "--size", type=window_size("1080x1920"), dest="screen_size", help="window size WxH"
    )
    kiosk.set_defaults(func=run_kiosk)


def run_kiosk(args: argparse.Namespace) -> int:
    """Validate everything an administrator can get wrong, then open the kiosk."""
    from hardware.printer import PrinterConfigError, make_printer
    from kiosk_app.settings import KioskSettings
    from qt_common.settings import SettingsError, load_settings

    names = ["server", "token", "office", "printer", "printer_profile", "paper_width",
             "orientation", "lang", "large_text", "high_contrast", "windowed", "admin_pin",
             "idle_seconds", "ticket_seconds", "state_file", "screenshot", "screenshot_after",
             "screen_size", "speech"]  # fmt: skip
    flags = {name: getattr(args, name, None) for name in names}
    try:
        settings = load_settings(KioskSettings, flags, args.settings)
    except SettingsError as exc:
        return refuse(f"неверные настройки киоска: {exc}", f"bad kiosk settings: {exc}")
    try:
        printer_settings = settings.printer_settings()
        printer = make_printer(printer_settings) if printer_settings is not None else None
    except PrinterConfigError as exc:
        return refuse(exc.message_ru, f"{exc.message_en} ({exc})")
    except ValueError as exc:
        return refuse(f"неверный принтер: {exc}", f"bad printer: {exc}")
    from kiosk_app.main import kiosk_main
    from qt_common.app import run_qt

    logger.info("kiosk starting: server %s, printer %s", settings.server, settings.printer)
    return run_qt(lambda app: kiosk_main(app, settings, printer), "okno-kiosk")


def with_demo_kiosk(args: argparse.Namespace, run_server: Any) -> int:
    """`okno demo`: the server, and beside it a windowed kiosk when there is a display.

    The kiosk prints into `var/kiosk-tickets.bin` (ESC/POS bytes) and closes with PIN 0000.
    """
    import tempfile

    from okno.demo import DemoApp, beside_server, has_display, okno_command

    if not has_display():
        print(
            "okno demo: киоску и другим приложениям нужен экран (DISPLAY не задан) — "
            "запускается только сервер.\n"
            "okno demo: the kiosk and the other apps need a display (DISPLAY is not set); "
            "running the server alone.",
            file=sys.stderr,
        )
        result: int = run_server(args)
        return result
    if args.port_file is None:
        args.port_file = Path(tempfile.mkdtemp(prefix="okno-demo-")) / "port"

    def apps(url: str) -> list[DemoApp]:
        command = okno_command("kiosk", "--server", url, "--token", "demo-kiosk", "--windowed",
                               "--portrait", "--size", "720x1280",
                               "--printer", "file:var/kiosk-tickets.bin", "--admin-pin", "0000",
                               "--state-file", "var/demo-kiosk.json")  # fmt: skip
        return [DemoApp("kiosk", command)]

    return beside_server(args, run_server, apps, "okno-demo-apps")
