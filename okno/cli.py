"""The `okno` console command: builds the parser from each part's commands and runs one.

Each part contributes its sub-commands through an `add_commands(subparsers)` function that sets
`func` on its parsers; `func(args) -> int` is the exit code. Imports are lazy inside each part so
that `okno --help` stays quick and nothing heavy (Qt, SQLAlchemy) loads at import.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    """The full parser: server commands, configuration, hardware checks."""
    from hardware.cli import add_commands as add_hardware_commands
    from hardware.config import check_device_sections
    from queue_server.cli import add_commands as add_server_commands

    parser = argparse.ArgumentParser(prog="okno", description="Okno electronic queue")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_server_commands(subparsers)
    add_hardware_commands(subparsers)
    # The office file's device sections are the hardware's settings: let it check them.
    parser.set_defaults(check_device=check_device_sections)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` and run the command; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
