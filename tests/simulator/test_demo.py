"""`okno demo` with the simulated office day: flags, the faster clock, a living office."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from okno.cli import build_parser
from queue_server.cli import _server_settings
from queue_server.settings import ServerSettings
from simulator.cli import with_demo_simulation

T = TypeVar("T")


def _record(into: list[T], item: T, result: int = 0) -> int:
    into.append(item)
    return result


def _demo_args(*flags: str) -> argparse.Namespace:
    return build_parser().parse_args(["demo", "--port", "0", *flags])


def test_no_simulation_runs_the_server_alone() -> None:
    """--no-simulation: the server runs as before, with no clock token and no port file asked."""
    args = _demo_args("--no-simulation")
    seen: list[argparse.Namespace] = []
    assert with_demo_simulation(args, lambda a: _record(seen, a, 7)) == 7
    assert seen == [args]
    assert args.port_file is None
    assert getattr(args, "simulation_token", None) is None


def test_faster_demo_gets_a_simulation_clock(tmp_path: Path) -> None:
    """--speed 60: the demo server's settings turn the simulation clock on, with a token."""
    args = _demo_args("--speed", "60", "--port-file", str(tmp_path / "port"))
    settings: list[ServerSettings] = []
    with_demo_simulation(args, lambda a: _record(settings, _server_settings(a)))
    (server,) = settings
    assert server.simulation is True and server.demo is True
    assert server.simulation_token is not None and len(server.simulation_token) >= 16


def test_real_speed_demo_keeps_the_real_clock(tmp_path: Path) -> None:
    """Speed 1: no simulation clock (the office lives in real time)."""
    args = _demo_args("--port-file", str(tmp_path / "port"))
    settings: list[ServerSettings] = []
    with_demo_simulation(args, lambda a: _record(settings, _server_settings(a)))
    assert settings[0].simulation is False


def test_bad_demo_speed_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """A negative speed is refused in Russian and English and no server runs."""
    args = _demo_args("--speed", "-2")
    ran: list[argparse.Namespace] = []
    assert with_demo_simulation(args, lambda a: _record(ran, a)) == 2
    assert not ran
    assert "нужно число больше 0" in capsys.readouterr().err


@pytest.mark.e2e
@pytest.mark.slow
def test_demo_office_lives(tmp_path: Path) -> None:
    """A real `okno demo --speed 600`: simulated visitors get tickets; stopping it stops all."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["OKNO_LOG_LEVEL"] = "warning"
    port_file = tmp_path / "port"
    demo = subprocess.Popen(
        [sys.executable, "-m", "okno.cli", "demo", "--db", str(tmp_path / "demo.db"),
         "--port", "0", "--port-file", str(port_file), "--speed", "600"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not (port_file.exists() and port_file.read_text()):
            assert demo.poll() is None and time.monotonic() < deadline, "demo did not start"
            time.sleep(0.2)
        url = f"http://127.0.0.1:{port_file.read_text().strip()}"
        kiosk = {"Authorization": "Bearer demo-kiosk"}
        others = 0
        mine = 0
        while others == 0:
            assert time.monotonic() < deadline, "no simulated visitor came"
            time.sleep(2)
            answer = httpx.post(
                f"{url}/api/v1/offices/demo/tickets", json={"service": "certificates"},
                headers=kiosk, timeout=30,
            )  # fmt: skip
            assert answer.status_code == 201, answer.text
            mine += 1
            others = int(answer.json()["id"]) - mine  # tickets someone else issued
        children = _children(demo.pid)
        assert any("simulate" in command for command in children.values())
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(60)
    time.sleep(1)
    for pid in children:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in _state(pid)


def _children(parent: int) -> dict[int, str]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found[int(entry.name)] = command
    return found


def _state(pid: int) -> str:
    try:
        return (Path(f"/proc/{pid}") / "status").read_text().lower()
    except OSError:
        return "zombie"
