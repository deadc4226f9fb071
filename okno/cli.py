"""The `okno` console command: builds the parser from each part's commands and runs one.

Each part contributes its sub-commands through an `add_commands(subparsers)` function that sets
`func` on its parsers; `func(args) -> int` is the exit code. Imports are lazy inside each part so
that `okno --help` stays quick and nothing heavy (Qt, SQLAlchemy) loads at import.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from okno.logs import configure_logging


def build_parser() -> argparse.ArgumentParser:
    """The full parser: server commands, configuration, hardware checks."""
    from display_board.cli import add_commands as add_display_commands
    from hardware.cli import add_commands as add_hardware_commands
    from hardware.config import check_device_sections
    from kiosk_app.cli import add_commands as add_kiosk_commands
    from operator_desk.cli import add_commands as add_desk_commands
    from queue_server.cli import add_commands as add_server_commands
    from queue_server.notify.cli import add_commands as add_notices_commands
    from simulator.cli import add_commands as add_simulator_commands
    from simulator.staffing import add_commands as add_staffing_commands

    parser = argparse.ArgumentParser(prog="okno", description="Okno electronic queue")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=os.environ.get("OKNO_LOG_FORMAT", "text"),
        help="log lines as text or as JSON objects (default: $OKNO_LOG_FORMAT or text)",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_server_commands(subparsers)
    add_hardware_commands(subparsers)
    add_kiosk_commands(subparsers)
    add_desk_commands(subparsers)
    add_display_commands(subparsers)
    add_simulator_commands(subparsers)
    add_staffing_commands(subparsers)
    add_notices_commands(subparsers)
    # The office file's device sections are the hardware's settings: let it check them.
    parser.set_defaults(check_device=check_device_sections)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` and run the command; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(logging.DEBUG if args.verbose else logging.INFO, args.log_format)
    if args.command == "demo":  # the apps join the demo server when there is a display
        from display_board.cli import with_demo_display
        from kiosk_app.cli import with_demo_kiosk
        from operator_desk.cli import with_demo_desk
        from simulator.cli import with_demo_simulation

        return with_demo_kiosk(
            args,
            lambda a: with_demo_desk(
                a, lambda b: with_demo_display(b, lambda c: with_demo_simulation(c, args.func))
            ),
        )
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
