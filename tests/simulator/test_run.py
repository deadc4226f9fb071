"""A short scenario against a real server process: the figures agree with the events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.cli import simulate
from simulator.engine import plan_visitors
from simulator.scenario import load_scenario


@pytest.mark.e2e
@pytest.mark.integration
def test_small_day_against_a_real_server(scenario_dir: Path) -> None:
    """Every arrival gets a ticket, every episode ends once, and the files are written."""
    scenario = load_scenario(scenario_dir / "small.yaml")
    planned, missed = plan_visitors(scenario, 5)
    out = scenario_dir / "out"

    figures, written = simulate(scenario, 5, None, None, None, out)

    assert figures["arrivals"] == len(planned) > 10
    assert figures["tickets_issued"] == len(planned)
    assert figures["appointments_missed"] == missed == 0
    assert figures["unknown_calls"] == 0  # the server called only tickets the simulation issued
    episodes = sum(s["episodes"] for s in figures["services"].values())
    ended = figures["served"] + figures["no_shows"] + figures["returns"]
    assert ended + figures["left_waiting"] == episodes
    assert episodes == figures["tickets_issued"] + figures["transfers"] + figures["returns"]
    assert figures["overall"]["n"] == episodes - figures["left_waiting"]
    served = sum(op["served"] for op in figures["operators"].values())
    assert served == figures["served"]
    for row in figures["operators"].values():
        assert 0 < row["utilisation"] <= 1
    server, naive = figures["accuracy"]["server"], figures["accuracy"]["naive"]
    assert server["n"] > 10 and naive["n"] > 10
    assert server["mae"] >= 0 and naive["mae"] >= 0
    assert {p.name for p in written} == {
        "kpis.json", "tickets.csv", "estimate_vs_actual.png", "queue_length.png",
    }  # fmt: skip
    assert json.loads((out / "kpis.json").read_text())["tickets_issued"] == len(planned)
    rows = (out / "tickets.csv").read_text().splitlines()
    assert len(rows) == 1 + len(planned)
    assert (out / "estimate_vs_actual.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.e2e
@pytest.mark.integration
def test_same_seed_same_day(scenario_dir: Path) -> None:
    """Two runs of one seed against fresh servers give the same waits and estimates."""
    scenario = load_scenario(scenario_dir / "small.yaml")
    first, _ = simulate(scenario, 2, None, None, None, None)
    again, _ = simulate(scenario, 2, None, None, None, None)
    assert first["overall"] == again["overall"]
    assert first["accuracy"] == again["accuracy"]


APPOINTMENT_SCENARIO = """\
name: booked
office: demo
date: 2026-03-10
day: {start: "09:00", end: "10:30"}
arrivals:
  per_hour: 6
  mix: {certificates: 1}
appointments:
  per_hour: 8
  services: {registration: 0.5, benefit: 0.5}
  no_show: 0.2
  punctuality_minutes: 4
operators:
  - {login: op1, workplace: "1"}
  - {login: op4, workplace: "4"}
"""


@pytest.mark.e2e
@pytest.mark.integration
def test_appointments_are_booked_and_checked_in(tmp_path: Path) -> None:
    """Appointments are booked through the API the day before and checked in by code."""
    path = tmp_path / "booked.yaml"
    path.write_text(APPOINTMENT_SCENARIO, encoding="utf-8")
    scenario = load_scenario(path)
    planned, missed = plan_visitors(scenario, 1)
    coming = sum(1 for v in planned if v.kind == "appointment")
    assert coming > 3

    figures, _ = simulate(scenario, 1, None, None, None, None)

    assert figures["appointments_missed"] == missed
    assert figures["bookings"]["booked"] == coming
    assert figures["bookings"]["check_in_refused"] == 0
    assert figures["appointments_came"] == coming
    assert figures["appointments"]["n"] > 0 and figures["appointments"]["after_slot_max"] >= 0
    assert figures["tickets_issued"] == len(planned)
