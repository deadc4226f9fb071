"""`okno demo`'s launcher of the client apps (qt_common/demo.py): apps start beside the server
once it listens, get their stdin, stop with it, and none starts after it stopped."""

from __future__ import annotations

import argparse
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

import pytest

from kiosk_app.cli import with_demo_kiosk
from okno.demo import DemoApp, beside_server


class FakeProcess:
    """Stands in for `subprocess.Popen`: records the command, its stdin and its end."""

    started: ClassVar[list[FakeProcess]] = []

    def __init__(self, argv: list[str], stdin: Any = None, **_: Any) -> None:
        self.argv = argv
        self.written = b""
        self.stdin_closed = False
        self.ended = ""
        self.stdin = self if stdin is subprocess.PIPE else None
        FakeProcess.started.append(self)

    def write(self, data: bytes) -> None:
        self.written += data

    def close(self) -> None:
        self.stdin_closed = True

    def terminate(self) -> None:
        self.ended = "terminated"

    def wait(self, _timeout: float) -> int:
        return 0


@pytest.fixture
def fake_popen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[FakeProcess]:
    FakeProcess.started = []
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(subprocess, "Popen", FakeProcess)
    return FakeProcess.started


def _serve_until(port_file: Path, condition: Any) -> Any:
    def run_server(_: argparse.Namespace) -> int:
        port_file.write_text("8123")
        deadline = time.monotonic() + 10
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.01)
        return 3

    return run_server


def test_apps_start_on_the_servers_port_with_their_stdin_and_stop_with_it(
    tmp_path: Path, fake_popen: list[FakeProcess]
) -> None:
    port_file = tmp_path / "port"
    args = argparse.Namespace(port_file=port_file)

    def apps(url: str) -> list[DemoApp]:
        return [DemoApp("desk", ["desk", url], b"demo\n"), DemoApp("board", ["board", url])]

    run_server = _serve_until(port_file, lambda: len(fake_popen) == 2)
    assert beside_server(args, run_server, apps, "test-demo") == 3
    desk, board = fake_popen
    assert desk.argv == ["desk", "http://127.0.0.1:8123"] and board.argv[0] == "board"
    assert (desk.written, desk.stdin_closed) == (b"demo\n", True)
    assert board.stdin is None  # keeps the demo's own stdin
    assert desk.ended == board.ended == "terminated"


def test_no_app_starts_after_the_server_stopped(
    tmp_path: Path, fake_popen: list[FakeProcess]
) -> None:
    """The server stops while the launcher is still working out the apps: the app it then
    reaches must not start (it would outlive the demo, nothing left to stop it)."""
    port_file = tmp_path / "port"
    inside, release = threading.Event(), threading.Event()

    def apps(url: str) -> list[DemoApp]:
        inside.set()
        release.wait(10)
        return [DemoApp("late", ["late", url])]

    run_server = _serve_until(port_file, inside.is_set)
    assert beside_server(argparse.Namespace(port_file=port_file), run_server, apps, "late") == 3
    release.set()
    for thread in threading.enumerate():
        if thread.name == "late":
            thread.join(10)
    assert fake_popen == []


def test_the_kiosk_of_the_demo_prints_to_a_file_beside_the_server(
    tmp_path: Path, fake_popen: list[FakeProcess]
) -> None:
    args = argparse.Namespace(port_file=None)

    def run_server(given: argparse.Namespace) -> int:
        assert given.port_file is not None, "the kiosk's wrapper chose a port file"
        return _serve_until(given.port_file, lambda: bool(fake_popen))(given)

    assert with_demo_kiosk(args, run_server) == 3
    (kiosk,) = fake_popen
    argv = kiosk.argv
    assert argv[argv.index("--server") + 1] == "http://127.0.0.1:8123"
    assert argv[argv.index("--printer") + 1] == "file:var/kiosk-tickets.bin"
    assert kiosk.ended == "terminated"


def test_without_a_display_only_the_server_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    ran: list[argparse.Namespace] = []
    assert with_demo_kiosk(argparse.Namespace(port_file=None), lambda a: ran.append(a) or 0) == 0
    assert len(ran) == 1 and "DISPLAY" in capsys.readouterr().err
