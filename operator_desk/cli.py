"""`okno desk` and `okno rating`. Qt loads only when one of them runs."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_commands", "demo_commands", "run_desk", "run_rating", "with_demo_desk"]

from qt_common.cli import refuse, window_size

logger = logging.getLogger("okno.desk")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", help="server URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--lang", choices=["ru", "en"], help="language (ru)")
    parser.add_argument("--state-file", type=Path, help="where the last event seq is kept")
    parser.add_argument("--settings", type=Path, help="YAML settings file")
    parser.add_argument("--screenshot", type=Path, help="save the window to PNG and exit")
    parser.add_argument("--after", type=float, dest="screenshot_after", help="max wait, s (10)")
    parser.add_argument(
        "--size", type=window_size("440x700"), dest="screen_size", help="window size WxH"
    )


def add_commands(subparsers: Any) -> None:
    """Add `okno desk` and `okno rating` to the `okno` command."""
    desk = subparsers.add_parser(
        "desk",
        help="the specialist's desk (and the floor administrator's hall view)",
        description="Settings also come from OKNO_* variables (OKNO_SERVER, OKNO_WORKPLACE, ...) "
        "and a YAML settings file (--settings or OKNO_SETTINGS_FILE). Without --login and "
        "--password-stdin a login window asks.",
    )
    _common(desk)
    desk.add_argument("--workplace", help="the workplace id (fixes it in the login window)")
    desk.add_argument("--login", help="sign in as LOGIN without the window (with --password-stdin)")
    desk.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    desk.add_argument("--on-top", action="store_true", default=None, dest="stay_on_top")
    desk.set_defaults(func=run_desk)

    rating = subparsers.add_parser(
        "rating",
        help="the rating terminal at a window",
        description="Settings also come from OKNO_* variables (OKNO_SERVER, OKNO_TOKEN, ...) "
        "and a YAML settings file (--settings or OKNO_SETTINGS_FILE).",
    )
    _common(rating)
    rating.add_argument("--token", help="the rating terminal's device token")
    rating.add_argument("--office", help="office id (default: the token's office)")
    rating.add_argument("--windowed", action="store_true", default=None, help="not full screen")
    rating.add_argument("--admin-pin", help="PIN that closes the full-screen terminal")
    rating.add_argument("--idle-seconds", type=float, help="back to idle after, s (60)")
    rating.add_argument(
        "--show",
        choices=["idle", "faces", "reasons", "effort", "thanks"],
        help="with --screenshot: the screen to show (a sample visit)",
    )
    rating.set_defaults(func=run_rating)


def run_desk(args: argparse.Namespace) -> int:
    """Validate the settings, read the password if asked, then open the desk."""
    from operator_desk.settings import DeskSettings
    from qt_common.settings import SettingsError, load_settings

    names = [
        "server",
        "lang",
        "state_file",
        "screenshot",
        "screenshot_after",
        "screen_size",
        "workplace",
        "login",
        "stay_on_top",
    ]
    flags = {name: getattr(args, name, None) for name in names}
    try:
        settings = load_settings(DeskSettings, flags, args.settings)
    except SettingsError as exc:
        return refuse(f"неверные настройки рабочего места: {exc}", f"bad desk settings: {exc}")
    password = None
    if args.password_stdin:
        if not settings.login or not settings.workplace:
            return refuse(
                "с --password-stdin укажите также --login и --workplace",
                "--password-stdin needs --login and --workplace too",
            )
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            return refuse("пустой пароль на стандартном вводе", "empty password on stdin")
    from operator_desk.desk_main import desk_main
    from qt_common.app import run_qt

    logger.info("desk starting: server %s", settings.server)
    return run_qt(lambda app: desk_main(app, settings, password), "okno-desk")


def run_rating(args: argparse.Namespace) -> int:
    """Validate the settings, then open the rating terminal."""
    from operator_desk.settings import RatingSettings
    from qt_common.settings import SettingsError, load_settings

    names = [
        "server",
        "lang",
        "state_file",
        "screenshot",
        "screenshot_after",
        "screen_size",
        "token",
        "office",
        "windowed",
        "admin_pin",
        "idle_seconds",
    ]
    flags = {name: getattr(args, name, None) for name in names}
    try:
        settings = load_settings(RatingSettings, flags, args.settings)
    except SettingsError as exc:
        return refuse(f"неверные настройки терминала оценки: {exc}", f"bad rating settings: {exc}")
    from operator_desk.rating_main import rating_main
    from qt_common.app import run_qt

    logger.info("rating terminal starting: server %s", settings.server)
    return run_qt(lambda app: rating_main(app, settings, args.show), "okno-rating")


def demo_commands(url: str) -> list[tuple[str, list[str]]]:
    """(name, argv) of the demo's desk (op1 at window 1) and the rating terminal of window 1."""
    okno = [sys.executable, "-m", "okno.cli"]
    return [
        (
            "desk",
            [
                *okno,
                "desk",
                "--server",
                url,
                "--login",
                "op1",
                "--workplace",
                "1",
                "--password-stdin",
                "--state-file",
                "var/demo-desk.json",
            ],
        ),
        (
            "rating",
            [
                *okno,
                "rating",
                "--server",
                url,
                "--token",
                "demo-rating-1",
                "--windowed",
                "--size",
                "800x500",
                "--admin-pin",
                "0000",
            ],
        ),
    ]


def with_demo_desk(args: argparse.Namespace, run_server: Any) -> int:
    """`okno demo`: beside the server, the desk of op1 at window 1 and that window's rating
    terminal, once the server listens. Called inside the kiosk's demo launcher, which has
    checked for a display and set the port file."""
    from okno.demo import DemoApp, beside_server

    def apps(url: str) -> list[DemoApp]:
        # The desk reads the demo office's public password on stdin; the terminal reads nothing.
        stdin = {"desk": b"demo\n"}
        return [DemoApp(name, argv, stdin.get(name, b"")) for name, argv in demo_commands(url)]

    return beside_server(args, run_server, apps, "okno-demo-desk")
