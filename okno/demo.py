"""`okno demo`'s companions: the client apps and the simulated day, each started beside the
server once it listens (its port file is written), and stopped with it.

The kiosk's wrapper is the outermost: it checks for a display and sets the port file; the other
wrappers run inside it. uvicorn re-raises the SIGTERM it caught, so the server's caller may never
get to stop the companions: each is started with a parent-death signal (Linux), which the kernel
ties to the thread that started it, so that thread lives as long as the demo.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DemoApp", "beside_server", "has_display", "okno_command"]

logger = logging.getLogger("okno.demo")

STOP_SECONDS = 5.0  # a companion asked to stop gets this long before it is killed


@dataclass(frozen=True)
class DemoApp:
    """One companion: a name for the log, its argv; what to write to its stdin (None: it keeps
    the demo's stdin; bytes: written, then the pipe is closed); a file its output is appended
    to (None: the demo's own); variables added to its environment."""

    name: str
    argv: list[str]
    stdin: bytes | None = None
    log: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict)


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def okno_command(*arguments: str) -> list[str]:
    """`python -m okno.cli ARGUMENTS...` with this interpreter."""
    return [sys.executable, "-m", "okno.cli", *arguments]


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it when its parent dies (Linux prctl)."""
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _start(app: DemoApp) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}  # a real window
    env.update(app.env)
    stdin = None if app.stdin is None else subprocess.PIPE
    death = _die_with_parent if sys.platform == "linux" else None
    if app.log is None:
        return subprocess.Popen(app.argv, env=env, stdin=stdin, preexec_fn=death)
    with app.log.open("ab") as log:
        return subprocess.Popen(
            app.argv, env=env, stdin=stdin, stdout=log, stderr=subprocess.STDOUT, preexec_fn=death
        )


def beside_server(
    args: argparse.Namespace,
    run_server: Callable[[argparse.Namespace], int],
    apps: Callable[[str], list[DemoApp]],
    name: str,
    need_display: bool = True,
) -> int:
    """Run `run_server(args)`; meanwhile start `apps(url)` once the server's port file says
    where it listens, and stop them when it returns. Without a port file, or a display when
    `need_display`, only the server runs."""
    port_file: Path | None = args.port_file
    if port_file is None or (need_display and not has_display()):
        return run_server(args)
    started: list[subprocess.Popen[bytes]] = []
    # Held while a companion starts and while the demo stops: none can start after the stop (it
    # would outlive the demo).
    lock = threading.Lock()
    stop = threading.Event()

    def launch() -> None:
        while not stop.is_set() and not (port_file.exists() and port_file.read_text()):
            time.sleep(0.1)
        if stop.is_set():
            return
        url = f"http://127.0.0.1:{port_file.read_text().strip()}"
        Path("var").mkdir(exist_ok=True)
        for app in apps(url):
            with lock:
                if stop.is_set():
                    return
                logger.info("demo: starting the %s on %s", app.name, url)
                process = _start(app)
                started.append(process)
            if app.stdin is not None and process.stdin is not None:
                if app.stdin:
                    process.stdin.write(app.stdin)
                process.stdin.close()
        stop.wait()  # the parent-death signal of the companions follows this thread

    threading.Thread(target=launch, name=name, daemon=True).start()
    try:
        return run_server(args)
    finally:
        with lock:
            stop.set()
        for process in started:
            process.terminate()
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
