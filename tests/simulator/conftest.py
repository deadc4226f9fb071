"""Fixtures of the simulator tests: a small scenario on the test office, written to a folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.office import OFFICE_YAML

# One hour of the test office (services reg, vac, ben; operators alice, bob, carol).
SMALL_SCENARIO = """\
name: small
office: office.yaml
date: 2026-03-10
day: {start: "09:00", end: "10:00"}
arrivals:
  per_hour: {"09:00": 30, "09:30": 20}
  mix: {reg: 0.5, vac: 0.3, ben: 0.2}
service_times:
  reg: {median: 4, sigma: 0.3}
  vac: {median: 2, sigma: 0.3}
  ben: {median: 5, sigma: 0.3}
operators:
  - {login: alice, workplace: "1", shift: "09:00-10:00", breaks: ["09:30-09:35"]}
  - {login: bob, workplace: "2"}
  - {login: carol, workplace: "3", shift: "09:10-10:00", speed: 1.2}
transfers:
  - {from: vac, to: ben, probability: 0.3}
returns: {probability: 0.1, minutes: 5}
walk_in_no_show: 0.1
"""


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    """A folder holding office.yaml (the test office) and small.yaml (the scenario)."""
    (tmp_path / "office.yaml").write_text(OFFICE_YAML, encoding="utf-8")
    (tmp_path / "small.yaml").write_text(SMALL_SCENARIO, encoding="utf-8")
    return tmp_path
