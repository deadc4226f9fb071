"""`okno display` settings errors and the demo launcher of the board."""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from display_board.cli import with_demo_display
from okno.cli import main


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--zone", "rooms=1"], "unknown zone kind"),
        (["--audio", "speaker"], "default or file:DIR"),
        (["--blink-seconds", "0"], "blink_seconds"),
    ],
)
def test_bad_settings_stop_with_a_message(
    flags: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad zone, audio or blink time stops `okno display` with exit 2 and a ru/en message."""
    code = main(["display", "--server", "http://127.0.0.1:9", "--token", "t", *flags])
    err = capsys.readouterr().err
    assert code == 2 and "Ошибка" in err and message in err


def test_demo_starts_the_board_beside_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a display, `okno demo` starts a windowed board on the server's port, and stops it."""
    started: list[list[str]] = []

    class FakeApp:
        def __init__(self, command: list[str], **_: Any) -> None:
            started.append(command)
            self.stopped = False

        def terminate(self) -> None:
            self.stopped = True

        def wait(self, _timeout: float) -> int:
            return 0

    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(subprocess, "Popen", FakeApp)
    args = argparse.Namespace(port_file=tmp_path / "port")

    def run_server(_: argparse.Namespace) -> int:
        (tmp_path / "port").write_text("8123")
        deadline = time.monotonic() + 10
        while not started and time.monotonic() < deadline:
            time.sleep(0.01)
        return 0

    assert with_demo_display(args, run_server) == 0
    command = started[0]
    assert command[command.index("--server") + 1] == "http://127.0.0.1:8123"
    assert "display" in command and "demo-display" in command and "--windowed" in command
