"""The simulation's own arithmetic: the naive estimator, arrivals, the visitors of a seed."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from simulator.engine import Episode, Visitor, naive_estimate, piecewise_poisson, plan_visitors
from simulator.report import accuracy, booked_figures, percentile, wait_figures
from simulator.scenario import load_scenario


def test_naive_estimate_formula() -> None:
    """People ahead × mean service time ÷ operators serving: 6 × 10 ÷ 3 = 20 minutes."""
    assert naive_estimate(6, 10.0, 3) == pytest.approx(20.0)
    assert naive_estimate(0, 10.0, 3) == 0.0
    assert naive_estimate(5, 12.0, 1) == pytest.approx(60.0)


def test_naive_estimate_without_operators_is_none() -> None:
    """Nobody serving the service: no estimate, as the kiosk would say."""
    assert naive_estimate(4, 10.0, 0) is None


def test_poisson_arrivals_follow_the_profile() -> None:
    """A rate of 120/h for one hour gives about 120 arrivals, none in a zero-rate hour."""
    rng = random.Random(7)
    times = list(piecewise_poisson(rng, [(540, 120.0), (600, 0.0)], 660))
    assert 90 <= len(times) <= 150
    assert all(540 <= t < 600 for t in times)
    assert times == sorted(times)


def test_same_seed_same_visitors(scenario_dir: Path) -> None:
    """A seed fixes the day's visitors; another seed gives another day."""
    scenario = load_scenario(scenario_dir / "small.yaml")
    first, _ = plan_visitors(scenario, 3)
    again, _ = plan_visitors(scenario, 3)
    other, _ = plan_visitors(scenario, 4)
    key = [(round(v.arrive, 6), v.service, v.gone_when_called) for v in first]
    assert key == [(round(v.arrive, 6), v.service, v.gone_when_called) for v in again]
    assert key != [(round(v.arrive, 6), v.service, v.gone_when_called) for v in other]
    assert all(9 * 60 <= v.arrive < 10 * 60 for v in first)


def test_accuracy_figures() -> None:
    """MAE, p90 of the absolute error and the bias of known pairs."""
    figures = accuracy([(10.0, 12.0), (5.0, 5.0), (20.0, 10.0)])
    assert figures["n"] == 3
    assert figures["mae"] == pytest.approx(4.0)
    assert figures["bias"] == pytest.approx((-2 + 0 + 10) / 3)
    assert figures["p90_abs_error"] == pytest.approx(8.4)  # between 2 and 10 at 0.9


def test_wait_figures() -> None:
    """Mean, p90, max and the share within 15 minutes."""
    figures = wait_figures([0.0, 10.0, 20.0, 30.0])
    assert figures["wait_mean"] == pytest.approx(15.0)
    assert figures["wait_max"] == 30.0
    assert figures["within_15_share"] == pytest.approx(0.5)
    assert percentile([], 0.9) is None


def test_booked_wait_counts_from_the_slot_or_the_late_check_in() -> None:
    """Early: from the slot (a call before it is 0); late: from the check-in; walk-ins and
    visitors whose booking was refused (they came as walk-ins) ignored."""

    def visitor(kind: str, slot: float | None, issued: float, called: float) -> Visitor:
        return Visitor(
            0, "reg", issued, kind=kind, slot=slot, issued=issued,
            checked_in=kind == "appointment", episodes=[Episode("reg", issued, called=called)],
        )  # fmt: skip

    figures = booked_figures(
        [
            visitor("appointment", 600, 580, 608),  # early, called 8 min past the slot
            visitor("appointment", 600, 590, 595),  # called before its slot: 0
            visitor("appointment", 600, 606, 609),  # came 6 min late: 3 min from check-in
            visitor("walk_in", None, 500, 560),
            replace(visitor("appointment", 600, 580, 640), checked_in=False),  # booking refused
        ]
    )
    assert figures["n"] == 3
    assert figures["after_slot_max"] == 8.0
    assert figures["after_slot_mean"] == pytest.approx((8 + 0 + 3) / 3)
    assert figures["within_5_share"] == pytest.approx(2 / 3)
