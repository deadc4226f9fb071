"""A throw-away `okno server` process for one simulation: temporary SQLite, simulation clock.

The office of the scenario is applied to a fresh database first, with the scenario's operator
levels and passwords the simulator knows, and a kiosk device when the office file has none.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from argon2 import PasswordHasher

from queue_server.domain.hours import breaks_by_days
from queue_server.service.bookings import add_api_client
from queue_server.service.config import DeviceConfig, OfficeConfig, apply_config
from queue_server.storage.db import make_engine, migrate, sqlite_url
from simulator.client import SimulationError
from simulator.scenario import Scenario, hhmm

STARTUP_TIMEOUT = 120.0  # a loaded machine can take long to import and migrate
SIM_KIOSK = "sim-kiosk"
# A reserved name (RFC 2606): QR codes of a simulation never point at a real host.
PUBLIC_URL = "http://okno.test"


def throwaway_hash(password: str) -> str:
    """The simulated operators' passwords are made up for one run, on a database thrown away
    after it: hashed with argon2 at its least cost (the server verifies an argon2 hash at the
    cost it names), the day's logins take about a millisecond each instead of ~110 ms."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(password)


def simulated_office(scenario: Scenario) -> tuple[OfficeConfig, dict[str, str], str]:
    """The office to apply, the password of each simulated operator, and the kiosk token."""
    office = scenario.office
    passwords: dict[str, str] = {}
    plans = {plan.login: plan for plan in scenario.spec.operators}
    operators = []
    for operator in office.operators:
        plan = plans.get(operator.login)
        if plan is None:
            operators.append(operator)
            continue
        password = plan.password or operator.password or secrets.token_urlsafe(12)
        passwords[operator.login] = password
        # The office file tells the server of the operators' planned breaks and shifts, as a
        # real one would: the wait estimate counts on them.
        breaks = ",".join(f"{hhmm(start)}-{hhmm(end)}" for start, end in plan.breaks)
        start, end = scenario.shift(plan)
        operators.append(
            operator.model_copy(
                update={
                    "password": password,
                    "services": scenario.levels(plan),
                    "breaks": breaks_by_days(breaks) if breaks else None,
                    "shift": breaks_by_days(f"{hhmm(start)}-{hhmm(end)}"),
                }
            )
        )
    devices = list(office.devices)
    kiosk = scenario.kiosk_token()
    if kiosk is None:
        kiosk = secrets.token_urlsafe(16)
        devices.append(DeviceConfig(id=SIM_KIOSK, kind="kiosk", token=kiosk))
    return office.model_copy(update={"operators": operators, "devices": devices}), passwords, kiosk


class SimulationServer:
    """`start()` applies the office and runs the server; `url` and `sim_token` are then set."""

    def __init__(self, workdir: Path, scenario: Scenario) -> None:
        self.workdir = workdir
        self.scenario = scenario
        self.db = workdir / "simulation.db"
        self.log = workdir / "server.log"
        self.sim_token = secrets.token_urlsafe(24)
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.passwords: dict[str, str] = {}
        self.kiosk_token = ""
        self.booking_token = ""  # an API client's: appointments are booked through the API

    def start(self) -> SimulationServer:
        office, self.passwords, self.kiosk_token = simulated_office(self.scenario)
        engine = make_engine(sqlite_url(self.db))
        try:
            migrate(engine)
            apply_config(engine, office, hash_password=throwaway_hash)
            _, self.booking_token = add_api_client(engine, office.id, "okno simulate")
        finally:
            engine.dispose()
        port_file = self.workdir / "port"
        args = [
            sys.executable, "-m", "okno.cli", "server",
            "--db", str(self.db), "--port", "0", "--port-file", str(port_file),
            "--public-url", PUBLIC_URL,
        ]  # fmt: skip
        env = dict(
            os.environ,
            OKNO_LOG_LEVEL="warning",
            OKNO_ENVIRONMENT="test",
            OKNO_SIMULATION="true",
            OKNO_SIMULATION_TOKEN=self.sim_token,
            # A database thrown away after the run: commits need not wait for the disk.
            OKNO_SQLITE_SYNCHRONOUS="normal",
            # every simulated operator logs in from this one address
            OKNO_LOGIN_RATE_PER_MINUTE="100000",
            OKNO_LOGIN_RATE_BURST="100000",
            # and books every appointment of the day from the same address
            OKNO_PUBLIC_RATE_PER_MINUTE="1000000",
            OKNO_PUBLIC_RATE_BURST="100000",
        )
        env.pop("OKNO_DATABASE_URL", None)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            self._wait_for(port_file)
        except BaseException:  # a stop (Ctrl-C, SIGTERM) while it starts: never an orphan
            self.stop()
            raise
        self.url = f"http://127.0.0.1:{int(port_file.read_text())}"
        return self

    def _wait_for(self, port_file: Path) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not port_file.exists() or not port_file.read_text():
            if self.process.poll() is not None:
                raise SimulationError(
                    f"the simulation server exited: {self.log.read_text(errors='replace')[-2000:]}"
                )
            if time.monotonic() > deadline:
                raise SimulationError("the simulation server did not start in time")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def __enter__(self) -> SimulationServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
