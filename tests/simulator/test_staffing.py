"""Staffing advice (simulator/staffing.py): Erlang C, the forecast's errors, the table."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from simulator.staffing import (
    ForecastError,
    erlang_c,
    erlang_windows,
    parse_forecast,
    recommend,
    render_table,
    run_staffing,
    simulate_waits,
    wait_above,
    wait_quantile,
)

SMALL = """\
office: demo
day: {start: "09:00", end: "12:00"}
service_times:
  registration: {median: 10, sigma: 0.3}
  certificates: {mean: 4}
arrivals:
  "09:00": {registration: 6, certificates: 6}
  "10:00": {registration: 15, certificates: 10}
  "11:00": {registration: 3}
"""


# -- Erlang C ----------------------------------------------------------------------------------


def test_erlang_c_of_one_server_is_its_utilisation():
    """M/M/1: the chance to wait is the load itself (0.7)."""
    assert erlang_c(1, 0.7) == pytest.approx(0.7)


def test_erlang_c_two_servers_one_erlang_is_one_third():
    """M/M/2 at 1 Erlang: 2ρ²/(1+ρ) with ρ = 0.5, i.e. 1/3."""
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)


def test_erlang_c_three_servers_two_erlangs_is_four_ninths():
    """The textbook value C(3, 2) = 4/9."""
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9)


def test_erlang_c_call_centre_example():
    """The call-centre example: 10 Erlangs on 11 agents wait with 0.6821 chance, on 12 0.4494."""
    assert erlang_c(11, 10.0) == pytest.approx(0.6821, abs=5e-4)
    assert erlang_c(12, 10.0) == pytest.approx(0.4494, abs=5e-4)


def test_erlang_c_overloaded_is_certain_wait():
    """A load at or over the servers: everyone waits."""
    assert erlang_c(3, 3.0) == 1.0


def test_wait_above_m_m_1_matches_the_closed_form():
    """M/M/1, λ = 0.5/min, s = 1 min: P(W > 2) = ρ·e^(−(μ−λ)·2) = 0.5·e^(−1)."""
    assert wait_above(1, 0.5, 1.0, 2.0) == pytest.approx(0.5 * math.exp(-1))


def test_wait_quantile_inverts_wait_above():
    """The p90 wait is where 10% still wait longer."""
    t = wait_quantile(4, 0.3, 10.0, 0.9)
    assert wait_above(4, 0.3, 10.0, t) == pytest.approx(0.1)


def test_erlang_windows_is_the_fewest_meeting_the_target():
    """18 visitors an hour of 14 minutes: the count meets p90 ≤ 15 min, one fewer does not."""
    n = erlang_windows(18, 14.0, 15.0, 0.9)
    assert wait_quantile(n, 18 / 60, 14.0, 0.9) <= 15.0
    assert wait_quantile(n - 1, 18 / 60, 14.0, 0.9) > 15.0


# -- the forecast ------------------------------------------------------------------------------


def test_forecast_reads_rates_per_hour():
    """The 10:00 hour holds 25 visitors an hour; a service's exponential mean is kept."""
    forecast = parse_forecast(SMALL, "f.yaml", ["registration", "certificates"])
    assert sum(forecast.rate(600).values()) == 25
    assert forecast.times["certificates"].mean == 4


def test_negative_rate_is_refused_with_its_line():
    """A negative rate names the file and its line, in Russian and English."""
    text = SMALL.replace("registration: 3}", "registration: -3}")
    with pytest.raises(ForecastError, match=r"f\.yaml:9: .*не меньше 0.*at least 0"):
        parse_forecast(text, "f.yaml")


def test_unknown_service_is_refused_with_its_line():
    """A service with no service time is unknown, at its line."""
    text = SMALL.replace('"11:00": {registration: 3}', '"11:00": {passports: 3}')
    with pytest.raises(ForecastError, match=r"f\.yaml:9: .*passports"):
        parse_forecast(text, "f.yaml")


def test_service_the_office_lacks_is_refused():
    """A service time for a service the office does not have is refused at its line."""
    with pytest.raises(ForecastError, match=r"f\.yaml:5: .*certificates"):
        parse_forecast(SMALL, "f.yaml", ["registration"])


def test_hour_outside_the_day_is_refused():
    """Arrivals at 13:00 in a day ending at 12:00 are refused, naming the hour and the line."""
    text = SMALL + '  "13:00": {registration: 2}\n'
    with pytest.raises(ForecastError, match=r"f\.yaml:10: .*13:00"):
        parse_forecast(text, "f.yaml")


def test_every_fault_is_listed_at_once():
    """Two faults, two lines in the message."""
    text = SMALL.replace("registration: 3}", "registration: -3}") + '  "13:00": {x: 1}\n'
    with pytest.raises(ForecastError) as caught:
        parse_forecast(text, "f.yaml")
    assert str(caught.value).count("\n") == 1


# -- the advice --------------------------------------------------------------------------------


def test_recommendation_meets_the_target_in_every_hour():
    """After the simulation check, every hour's simulated p90 is within 15 minutes."""
    forecast = parse_forecast(SMALL, "f.yaml")
    advice = recommend(forecast, runs=10)
    assert [a.hour for a in advice] == [540, 600, 660]
    assert all(a.simulated_p90 <= 15.0 for a in advice)
    assert advice[1].windows >= 3  # 25 an hour of ~8 min: over 3 Erlangs


def test_one_window_fewer_in_the_busy_hour_misses_the_target():
    """The advice is lean: taking a window from the 10:00 hour breaks the target there."""
    forecast = parse_forecast(SMALL, "f.yaml")
    advice = recommend(forecast, runs=10)
    windows = {a.hour: a.windows for a in advice}
    windows[600] -= 1
    pooled: list[float] = []
    for run in range(10):
        pooled += simulate_waits(forecast, windows, 1000 + run)[600]
    pooled.sort()
    assert pooled[math.ceil(0.9 * len(pooled)) - 1] > 15.0


def test_table_lists_each_hour():
    """The printed table has a row per hour and the window-hours total."""
    forecast = parse_forecast(SMALL, "f.yaml")
    table = render_table(forecast, recommend(forecast, runs=5))
    assert "10:00" in table and "11:00" in table and "window-hours" in table


def test_command_refuses_bad_forecast_and_writes_nothing(tmp_path: Path, capsys):
    """okno staffing on a bad forecast: exit 2, the file:line message, no files."""
    bad = tmp_path / "f.yaml"
    bad.write_text(SMALL.replace("registration: 3}", "registration: -3}"), encoding="utf-8")
    out = tmp_path / "out"

    class Args:
        forecast = bad
        runs = 5
        seed = 1
        check = False

    Args.out = out  # type: ignore[attr-defined]
    assert run_staffing(Args) == 2
    assert f"{bad}:9:" in capsys.readouterr().err
    assert not out.exists()


def test_command_writes_table_and_plot(tmp_path: Path, capsys):
    """okno staffing on a good forecast prints the table and writes the PNG and JSON."""
    good = tmp_path / "f.yaml"
    good.write_text(SMALL, encoding="utf-8")

    class Args:
        forecast = good
        out = tmp_path / "out"
        runs = 5
        seed = 1
        check = False

    assert run_staffing(Args) == 0
    assert "window-hours" in capsys.readouterr().out
    assert (tmp_path / "out" / "staffing.png").stat().st_size > 1000
    assert (tmp_path / "out" / "staffing.json").exists()
