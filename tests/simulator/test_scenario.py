"""Scenario files: the standard ones load; every fault is named by file:line, nothing runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from okno.cli import main
from simulator.cli import standard_scenario
from simulator.scenario import ScenarioError, clock_minutes, load_scenario
from tests.simulator.conftest import SMALL_SCENARIO


def _write(folder: Path, text: str) -> Path:
    path = folder / "small.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(folder: Path, text: str) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_write(folder, text))
    return str(caught.value)


def test_standard_scenarios_load() -> None:
    """Both shipped scenarios are valid against their offices (5 and 20 windows)."""
    centre = load_scenario(standard_scenario("employment-centre.yaml"))
    mfc = load_scenario(standard_scenario("mfc-busy.yaml"))
    assert centre.office.id == "demo" and len(centre.office.workplaces) == 5
    assert mfc.office.id == "mfc" and len(mfc.office.workplaces) == 20
    assert {p.workplace for p in mfc.spec.operators} == {str(n) for n in range(1, 21)}


@pytest.mark.parametrize("name", ["employment-afternoon.yaml", "employment-two-peaks.yaml"])
def test_the_varied_profiles_of_the_accuracy_figures_load(name: str) -> None:
    """docs/estimator.md's varied profiles: the employment centre with other arrivals."""
    varied = load_scenario(Path(__file__).parents[2] / "bench" / "scenarios" / name)
    centre = load_scenario(standard_scenario("employment-centre.yaml"))
    assert varied.office.id == centre.office.id
    assert varied.spec.arrivals.per_hour != centre.spec.arrivals.per_hour
    assert varied.spec.operators == centre.spec.operators


def test_small_scenario_loads(scenario_dir: Path) -> None:
    """The test scenario loads with its office's levels for operators that give none."""
    scenario = load_scenario(scenario_dir / "small.yaml")
    bob = scenario.spec.operators[1]
    assert scenario.levels(bob) == {"vac": 1, "reg": 2, "ben": 3}
    assert scenario.shift(bob) == (9 * 60, 10 * 60)


def test_unknown_service_names_the_line(scenario_dir: Path) -> None:
    """A service the office lacks is refused with the file and the line of the mix entry."""
    text = SMALL_SCENARIO.replace("mix: {reg: 0.5,", "mix: {passport: 0.5,")
    message = _error(scenario_dir, text)
    assert f"{scenario_dir / 'small.yaml'}:7: arrivals.mix.passport:" in message
    assert "has no service 'passport'" in message


def test_negative_rate_is_refused(scenario_dir: Path) -> None:
    """A negative arrival rate names its line."""
    message = _error(scenario_dir, SMALL_SCENARIO.replace('"09:30": 20', '"09:30": -5'))
    assert "small.yaml:6: arrivals.per_hour:" in message
    assert "0 or more" in message


def test_shift_outside_the_day_is_refused(scenario_dir: Path) -> None:
    """A shift beyond the day's end names the operator's line."""
    text = SMALL_SCENARIO.replace('shift: "09:10-10:00"', 'shift: "09:10-11:00"')
    message = _error(scenario_dir, text)
    assert "small.yaml:15: operators.2.shift: the shift 09:10-11:00 is outside the day" in message


def test_unknown_operator_is_refused(scenario_dir: Path) -> None:
    """An operator the office lacks names the line and the office's operators."""
    message = _error(scenario_dir, SMALL_SCENARIO.replace("login: bob", "login: boris"))
    assert "small.yaml:14: operators.1.login: unknown operator 'boris'" in message
    assert "alice, bob, carol" in message


def test_several_faults_are_all_named(scenario_dir: Path) -> None:
    """Two faults in one file give two lines, each with its own line number."""
    text = SMALL_SCENARIO.replace("from: vac, to: ben", "from: vac, to: nope").replace(
        "login: carol", "login: dora"
    )
    lines = _error(scenario_dir, text).splitlines()
    assert len(lines) == 2
    assert any(":17: transfers.0.to:" in line for line in lines)
    assert any(":15: operators.2.login:" in line for line in lines)


def test_yaml_syntax_error_names_the_line(scenario_dir: Path) -> None:
    """Broken YAML names the line where the parser stopped."""
    message = _error(scenario_dir, SMALL_SCENARIO.replace("mix: {reg: 0.5,", "mix: {reg: [0.5,"))
    assert message.startswith(f"{scenario_dir / 'small.yaml'}:")
    assert "YAML syntax error" in message


def test_missing_office_file_is_named(scenario_dir: Path) -> None:
    """An office path that does not exist is named with the scenario's office line."""
    message = _error(scenario_dir, SMALL_SCENARIO.replace("office: office.yaml", "office: x.yaml"))
    assert "small.yaml:2: office: cannot read" in message


def test_times_of_day() -> None:
    """HH:MM strings and YAML 1.1's base-60 numbers both read as minutes; nonsense is refused."""
    assert clock_minutes("09:30") == 570
    assert clock_minutes(600) == 600  # YAML 1.1 reads an unquoted 10:00 as 600
    for bad in ("9.30", "25:00", "10:75", True):
        with pytest.raises(ValueError):
            clock_minutes(bad)


def test_cli_refuses_a_bad_scenario_before_running(
    scenario_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`okno simulate` on a faulty file exits 2 with file:line and writes no output folder."""
    path = _write(scenario_dir, SMALL_SCENARIO.replace("login: bob", "login: boris"))
    out = scenario_dir / "out"
    code = main(["simulate", "--scenario", str(path), "--out", str(out)])
    assert code == 2
    assert "small.yaml:14: operators.1.login: unknown operator 'boris'" in capsys.readouterr().err
    assert not out.exists()


def test_cli_refuses_a_bad_speed(scenario_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A zero speed is refused in Russian and English."""
    code = main(["simulate", "--scenario", str(scenario_dir / "small.yaml"), "--speed", "0"])
    assert code == 2
    err = capsys.readouterr().err
    assert "нужно число больше 0" in err and "give a number above 0" in err
