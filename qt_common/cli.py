"""Pieces of the apps' `okno` sub-commands (no Qt: the commands load Qt only when they run)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable


def window_size(example: str) -> Callable[[str], tuple[int, int]]:
    """An argparse `type` reading `WIDTHxHEIGHT`; its error shows `example` (e.g. "1920x1080")."""

    def parse(text: str) -> tuple[int, int]:
        width, _, height = text.lower().partition("x")
        try:
            return int(width), int(height)
        except ValueError:
            raise argparse.ArgumentTypeError(f"use WIDTHxHEIGHT, e.g. {example}") from None

    return parse


def refuse(ru: str, en: str) -> int:
    """Tell the administrator what is wrong, in Russian and English; the exit code to return."""
    print(f"Ошибка: {ru}\nError: {en}", file=sys.stderr)
    return 2
