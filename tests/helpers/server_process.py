"""A real `okno server` process on 127.0.0.1, port 0, with the test office applied first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from tests.helpers.office import OFFICE_YAML

STARTUP_TIMEOUT = 60.0  # a loaded 2-core CI machine can take long to import and migrate
TEST_PUBLIC_URL = "http://okno.test"  # a reserved name: never a real host


def live_office_yaml(now: datetime | None = None) -> str:
    """The test office in a time zone where it is about noon now.

    A real server uses the real clock, and numbers restart at the office's midnight: with the
    office near noon, a test run never sees the service day change under it.
    """
    now = now or datetime.now(UTC)
    offset = max(-12, min(14, 12 - now.hour))  # hours east of UTC
    zone = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # POSIX signs are inverted
    return OFFICE_YAML.replace("timezone: Europe/Moscow", f"timezone: {zone}", 1)


class ServerProcess:
    """Start with `start()`; `url` is set once it listens. `kill()` is a kill -9."""

    def __init__(
        self,
        workdir: Path,
        db: Path | str | None = None,
        demo: bool = False,
        public_url: str | None = TEST_PUBLIC_URL,
        env: dict[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.env = env or {}  # more OKNO_* settings
        self.db = db or workdir / "okno.db"
        self.demo = demo
        # The address in QR codes; a production server needs one (the demo's is its own address).
        self.public_url = None if demo else public_url
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.port = 0
        self.log = workdir / "server.log"

    def apply_test_office(self) -> None:
        config = self.workdir / "office.yaml"
        config.write_text(live_office_yaml(), encoding="utf-8")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "okno.cli",
                "config",
                "apply",
                str(config),
                "--db",
                f"{self.db}",
            ],
            check=True,
            capture_output=True,
        )

    def start(self) -> ServerProcess:
        port_file = self.workdir / f"port-{time.monotonic_ns()}"
        args = [
            sys.executable,
            "-m",
            "okno.cli",
            "server",
            "--db",
            str(self.db),
            "--port",
            str(self.port),
            "--port-file",
            str(port_file),
        ]
        if self.demo:
            args.append("--demo")
        if self.public_url is not None:
            args += ["--public-url", self.public_url]
        env = dict(os.environ, OKNO_LOG_LEVEL="warning", **self.env)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not port_file.exists() or not port_file.read_text():
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("server did not start in time")
            time.sleep(0.05)
        self.port = int(port_file.read_text())
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def kill(self) -> None:
        """kill -9: no shutdown handlers run."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
