"""`okno display`: the waiting-hall board. Qt and the speech engine load only when it runs."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

__all__ = ["add_commands", "run_display"]

from qt_common.cli import refuse, window_size

logger = logging.getLogger("okno.display")


def add_commands(subparsers: Any) -> None:
    """Add `okno display` to the `okno` command."""
    display = subparsers.add_parser(
        "display",
        help="the waiting-hall display board with voice calls",
        description="Settings also come from OKNO_* variables (OKNO_SERVER, OKNO_TOKEN, "
        "OKNO_AUDIO, ...) and a YAML settings file (--settings or OKNO_SETTINGS_FILE), where "
        "`ticker:` lists the messages of the ticker line.",
    )
    display.add_argument("--server", help="server URL, e.g. http://127.0.0.1:8000")
    display.add_argument("--token", help="the display's device token")
    display.add_argument("--office", help="office id (default: the token's office)")
    display.add_argument(
        "--zone",
        action="append",
        help="show only workplaces=1,2 and/or services=reg,ben (repeatable)",
    )
    display.add_argument("--audio", help="default (sound device) or file:DIR (a WAV per call)")
    display.add_argument(
        "--english",
        dest="speak_english",
        action="store_true",
        default=None,
        help="say every call in English too (English tickets always are)",
    )
    display.add_argument("--ticker", action="append", help="a message of the ticker line")
    display.add_argument("--lang", choices=["ru", "en"], help="screen language (ru)")
    display.add_argument("--blink-seconds", type=float, help="a new call blinks for (10)")
    display.add_argument(
        "--max-age",
        type=float,
        dest="speak_max_age",
        help="replayed calls older than this many seconds are not spoken (60)",
    )
    display.add_argument("--windowed", action="store_true", default=None, help="not full screen")
    display.add_argument("--admin-pin", help="PIN that closes the full-screen board (4-8 digits)")
    display.add_argument("--state-file", type=Path, help="where the last event seq is kept")
    display.add_argument("--settings", type=Path, help="YAML settings file")
    display.add_argument("--screenshot", type=Path, help="save the window to PNG and exit")
    display.add_argument("--after", type=float, dest="screenshot_after", help="max wait, s (10)")
    display.add_argument(
        "--size", type=window_size("1920x1080"), dest="screen_size", help="window size WxH"
    )
    display.set_defaults(func=run_display)


def run_display(args: argparse.Namespace) -> int:
    """Validate everything an administrator can get wrong, then open the board."""
    from display_board.settings import DisplaySettings
    from qt_common.settings import SettingsError, load_settings

    names = [
        "server",
        "token",
        "office",
        "zone",
        "audio",
        "speak_english",
        "ticker",
        "lang",
        "blink_seconds",
        "speak_max_age",
        "windowed",
        "admin_pin",
        "state_file",
        "screenshot",
        "screenshot_after",
        "screen_size",
    ]
    flags = {name: getattr(args, name, None) for name in names}
    try:
        settings = load_settings(DisplaySettings, flags, args.settings)
    except SettingsError as exc:
        return refuse(f"неверные настройки табло: {exc}", f"bad display settings: {exc}")
    from display_board.main import display_main
    from qt_common.app import run_qt

    logger.info("display starting: server %s, audio %s", settings.server, settings.audio)
    return run_qt(lambda app: display_main(app, settings), "okno-display")


DEMO_TICKER = (
    "Демонстрационный офис: пароли и токены открыты, только для демонстрации",
    "Документы для регистрации: паспорт, СНИЛС, документ об образовании",
)


def with_demo_display(args: argparse.Namespace, run_server: Any) -> int:
    """`okno demo`: beside the server, a windowed hall board once the server listens. Called
    inside the kiosk's demo launcher, which has checked for a display and set the port file."""
    from okno.demo import DemoApp, beside_server, okno_command

    def apps(url: str) -> list[DemoApp]:
        command = okno_command("display", "--server", url, "--token", "demo-display",
                               "--windowed", "--size", "1280x720",
                               "--state-file", "var/demo-display.json")  # fmt: skip
        for message in DEMO_TICKER:
            command += ["--ticker", message]
        return [DemoApp("hall board", command)]

    return beside_server(args, run_server, apps, "okno-demo-display")
