"""`okno simulate`: run a scenario's day against a real server and report what happened."""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEFAULT_OUT = Path("var/simulation")


def add_commands(subparsers: Any) -> None:
    """Register `okno simulate` on the `okno` parser."""
    simulate = subparsers.add_parser(
        "simulate",
        help="simulate an office day against a real server: KPIs and wait-estimate accuracy",
    )
    simulate.add_argument("--scenario", type=Path, required=True, help="scenario YAML file")
    simulate.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    simulate.add_argument(
        "--speed",
        type=float,
        default=None,
        help="run X times faster than real time (default: as fast as possible)",
    )
    simulate.add_argument(
        "--server",
        default=None,
        metavar="URL",
        help="drive this server (its office must be the scenario's) instead of starting one",
    )
    simulate.add_argument(
        "--sim-token",
        default=os.environ.get("OKNO_SIMULATION_TOKEN"),
        help="the --server's OKNO_SIMULATION_TOKEN (default: $OKNO_SIMULATION_TOKEN)",
    )
    simulate.add_argument(
        "--out", type=Path, default=None, help=f"output folder (default {DEFAULT_OUT}/NAME-SEED)"
    )
    simulate.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="LOGIN",
        help="leave this operator of the scenario to a person (the demo leaves op1)",
    )
    simulate.add_argument(
        "--repeat",
        action="store_true",
        help="with --speed: when the day ends, begin the next one (a living demo)",
    )
    simulate.set_defaults(func=run_simulate)


def _fail(message: str) -> int:
    print(f"okno simulate: {message}", file=sys.stderr)
    return 2


def run_simulate(args: argparse.Namespace) -> int:
    from simulator.client import SimulationError
    from simulator.scenario import ScenarioError, load_scenario

    if args.speed is not None and not (math.isfinite(args.speed) and 0 < args.speed <= 10_000):
        return _fail(
            f"--speed {args.speed:g}: нужно число больше 0 и не больше 10000 / "
            "give a number above 0 and at most 10000"
        )
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        return _fail(str(exc))
    unknown = sorted(set(args.skip) - {p.login for p in scenario.spec.operators})
    if unknown:
        return _fail(
            f"--skip {', '.join(unknown)}: в сценарии нет такого специалиста / "
            "the scenario has no such operator"
        )
    if args.repeat and args.speed is None:
        return _fail("--repeat: только вместе с --speed / only with --speed")
    out = args.out or DEFAULT_OUT / f"{scenario.name}-{args.seed}"
    from simulator.report import render_table

    _stop_on_sigterm()

    seed = args.seed
    while True:
        try:
            figures, written = simulate(
                scenario,
                seed,
                args.speed,
                args.server,
                args.sim_token,
                out,
                skip=frozenset(args.skip),
            )
        except SimulationError as exc:
            return _fail(str(exc))
        print(render_table(figures))
        print("written: " + ", ".join(str(p) for p in written), flush=True)
        if not args.repeat:
            return 0
        seed += 1  # the next day: other visitors


def _stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so the simulation's own server is stopped, never orphaned."""
    import signal

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def simulate(
    scenario: Any,
    seed: int,
    speed: float | None,
    server_url: str | None,
    sim_token: str | None,
    out: Path | None,
    skip: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], list[Path]]:
    """Run the day (own server unless `server_url`); the figures and the files written.

    As fast as possible the day is the scenario's date; at a `speed` it begins at the server's
    now (a living demo's office opens when it starts).
    """
    from simulator.client import ServerClient, SimulationError
    from simulator.engine import Simulation
    from simulator.report import kpis, write_outputs
    from simulator.server import simulated_office

    with (
        tempfile.TemporaryDirectory(prefix="okno-sim-") as tmp,
        _server(server_url, Path(tmp), scenario) as server,
    ):
        if server is None:
            assert server_url is not None
            _, passwords, kiosk = simulated_office(scenario)
            passwords = {
                o.login: o.password or "" for o in scenario.office.operators if o.password
            } | {p.login: p.password for p in scenario.spec.operators if p.password}
            url, token = server_url, sim_token
            booking_token = None  # a given server's appointments come as walk-ins
        else:
            passwords, kiosk, url, token = (
                server.passwords, server.kiosk_token, server.url, server.sim_token,
            )  # fmt: skip
            booking_token = server.booking_token
        client = ServerClient(url, scenario.office.id, kiosk, token)
        try:
            server_now = client.clock()
            if speed is None and server_now is None:
                raise SimulationError(
                    f"{url} is not a simulation server (OKNO_SIMULATION is off), so its clock "
                    "cannot be moved: run with --speed 1 (real time), or leave out --server"
                )
            if speed is not None and server_now is None and speed != 1:
                raise SimulationError(
                    f"{url} is not a simulation server (OKNO_SIMULATION is off): it keeps the "
                    f"real time, so only --speed 1 can run against it, not --speed {speed:g}"
                )
            origin = None if speed is None else server_now or datetime.now(UTC)
            with _progress(scenario) as progress:
                day = Simulation(
                    scenario,
                    client,
                    passwords,
                    seed=seed,
                    speed=speed,
                    origin=origin,
                    skip=skip,
                    progress=progress,
                    booking_token=booking_token,
                ).run()
        finally:
            client.close()
    figures = kpis(day)
    written = write_outputs(day, figures, out) if out is not None else []
    return figures, written


@contextmanager
def _server(url: str | None, workdir: Path, scenario: Any) -> Iterator[Any]:
    if url is not None:
        yield None
        return
    from simulator.server import SimulationServer

    with SimulationServer(workdir, scenario) as server:
        yield server


@contextmanager
def _progress(scenario: Any) -> Iterator[Callable[[float], None] | None]:
    """A progress bar over the simulated day on a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    day = scenario.spec.day
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[clock]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(scenario.name, total=day.end - day.start, clock="")

        def update(minute: float) -> None:
            from simulator.scenario import hhmm

            bar.update(task, completed=min(minute, day.end) - day.start, clock=hhmm(minute))

        yield update


DEMO_SCENARIO = "employment-centre.yaml"
DEMO_PERSON = "op1"  # the desk app's operator: a person, not the simulation


def standard_scenario(name: str) -> Path:
    """The path of a scenario shipped with the package."""
    from importlib import resources

    return Path(str(resources.files("simulator").joinpath("scenarios", name)))


def with_demo_simulation(args: argparse.Namespace, run_server: Callable[..., int]) -> int:
    """`okno demo`: the employment-centre day runs against the demo server in the background.

    Real speed unless `--speed X` (the server then keeps a simulation clock running X times
    faster); `--no-simulation` leaves the office quiet. op1 stays free for the desk app.
    """
    import secrets
    import tempfile

    from okno.demo import DemoApp, beside_server, okno_command

    speed = float(getattr(args, "speed", 1.0) or 1.0)
    if getattr(args, "no_simulation", False):
        return run_server(args)
    if not (math.isfinite(speed) and 0 < speed <= 10_000):
        return _fail(
            f"--speed {speed:g}: нужно число больше 0 и не больше 10000 / "
            "give a number above 0 and at most 10000"
        )
    if args.port_file is None:
        args.port_file = Path(tempfile.mkdtemp(prefix="okno-demo-")) / "port"
    env: dict[str, str] = {}
    if speed != 1:
        args.simulation_token = secrets.token_urlsafe(24)  # the server's clock runs faster
        env["OKNO_SIMULATION_TOKEN"] = args.simulation_token

    def apps(url: str) -> list[DemoApp]:
        command = okno_command(
            "simulate", "--scenario", str(standard_scenario(DEMO_SCENARIO)),
            "--server", url, "--speed", f"{speed:g}", "--skip", DEMO_PERSON, "--repeat",
            "--out", "var/demo-simulation",
        )  # fmt: skip
        return [DemoApp("simulated day", command, log=Path("var/demo-simulation.log"), env=env)]

    return beside_server(args, run_server, apps, "okno-demo-simulation", need_display=False)
