"""`okno simulate`: run a scenario's day against a real server and report what happened."""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    simulate.set_defaults(func=run_simulate)


def _fail(message: str) -> int:
    print(f"okno simulate: {message}", file=sys.stderr)
    return 2


def run_simulate(args: argparse.Namespace) -> int:
    import logging

    from simulator.client import SimulationError
    from simulator.scenario import ScenarioError, load_scenario

    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request

    if args.speed is not None and not (math.isfinite(args.speed) and 0 < args.speed <= 10_000):
        return _fail(
            f"--speed {args.speed:g}: нужно число больше 0 и не больше 10000 / "
            "give a number above 0 and at most 10000"
        )
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        return _fail(str(exc))
    out = args.out or DEFAULT_OUT / f"{scenario.name}-{args.seed}"
    try:
        figures, written = simulate(
            scenario, args.seed, args.speed, args.server, args.sim_token, out
        )
    except SimulationError as exc:
        return _fail(str(exc))
    from simulator.report import render_table

    print(render_table(figures))
    print("written: " + ", ".join(str(p) for p in written))
    return 0


def simulate(
    scenario: Any,
    seed: int,
    speed: float | None,
    server_url: str | None,
    sim_token: str | None,
    out: Path | None,
) -> tuple[dict[str, Any], list[Path]]:
    """Run the day (own server unless `server_url`); the figures and the files written."""
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
        else:
            passwords, kiosk, url, token = (
                server.passwords, server.kiosk_token, server.url, server.sim_token,
            )  # fmt: skip
        client = ServerClient(url, scenario.office.id, kiosk, token)
        try:
            if speed is None and client.clock() is None:
                raise SimulationError(
                    f"{url} is not a simulation server (OKNO_SIMULATION is off), so its clock "
                    "cannot be moved: run with --speed 1 (real time), or leave out --server"
                )
            with _progress(scenario) as progress:
                day = Simulation(
                    scenario, client, passwords, seed=seed, speed=speed, progress=progress
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
