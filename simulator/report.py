"""The day's figures: KPIs, the accuracy of the wait estimates, a table, a JSON file, PNG plots."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulator.engine import DayResult, Visitor
from simulator.scenario import hhmm

SLA_MINUTES = 15.0
#: A booked visitor who came in time waits at most this long after the booked time (issue 10).
BOOKED_SLA_MINUTES = 5.0


def percentile(values: Sequence[float], share: float) -> float | None:
    """The `share` percentile (0…1) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _spread(values: Sequence[float], limit: float) -> tuple[float | None, ...]:
    """Mean, p90, max and the share within `limit` of `values` (None each for no values)."""
    if not values:
        return None, None, None, None
    within = sum(1 for v in values if v <= limit) / len(values)
    return _mean(values), percentile(values, 0.9), max(values), within


def wait_figures(waits: Sequence[float]) -> dict[str, Any]:
    mean, p90, most, within = _spread(waits, SLA_MINUTES)
    return {
        "n": len(waits),
        "wait_mean": mean,
        "wait_p90": p90,
        "wait_max": most,
        "within_15_share": within,
    }


def booked_figures(visitors: Sequence[Visitor]) -> dict[str, Any]:
    """How long visitors checked in for a booking waited past their slot (or past their
    check-in, when they came after it) until their first call; the goal is within 5 minutes."""
    late = []
    for v in visitors:
        if not v.checked_in or v.slot is None or v.issued is None:
            continue  # a refused booking came as a walk-in: not an appointment
        if v.episodes and v.episodes[0].called is not None:
            late.append(max(0.0, v.episodes[0].called - max(v.slot, v.issued)))
    mean, p90, most, within = _spread(late, BOOKED_SLA_MINUTES)
    return {
        "n": len(late),
        "after_slot_mean": mean,
        "after_slot_p90": p90,
        "after_slot_max": most,
        "within_5_share": within,
    }


def accuracy(pairs: Sequence[tuple[float, float]]) -> dict[str, Any]:
    """MAE, p90 absolute error and mean signed error (estimate − actual) of (estimate, actual)."""
    errors = [estimate - actual for estimate, actual in pairs]
    absolute = [abs(e) for e in errors]
    return {
        "n": len(pairs),
        "mae": _mean(absolute),
        "p90_abs_error": percentile(absolute, 0.9),
        "bias": _mean(errors),
    }


def kpis(day: DayResult) -> dict[str, Any]:
    """Everything measured of `day`, as plain JSON-able values (minutes)."""
    visitors = [v for v in day.visitors if v.issued is not None]
    episodes = [e for v in visitors for e in v.episodes]
    services: dict[str, Any] = {}
    for service in sorted({e.service for e in episodes}):
        mine = [e for e in episodes if e.service == service]
        waits = [e.called - e.enqueued for e in mine if e.called is not None]
        durations = [
            e.finished - e.started
            for e in mine
            if e.started is not None and e.finished is not None and e.outcome != "returned"
        ]
        services[service] = {
            "episodes": len(mine),
            **wait_figures(waits),
            "service_mean": _mean(durations),
            "service_p90": percentile(durations, 0.9),
            "left_waiting": sum(1 for e in mine if e.called is None),
        }
    all_waits = [e.called - e.enqueued for e in episodes if e.called is not None]
    operators = {}
    for op in day.operators:
        operators[op.login] = {
            "workplace": op.workplace,
            "served": op.served,
            "busy_minutes": op.busy_minutes,
            "present_minutes": op.present_minutes,
            "utilisation": op.busy_minutes / op.present_minutes if op.present_minutes else None,
        }
    server_pairs = _pairs(visitors, "estimate")
    naive_pairs = _pairs(visitors, "naive")
    both = _same_visitors(visitors)
    return {
        "scenario": day.scenario.name,
        "seed": day.seed,
        "day_start": day.origin.isoformat(),
        "arrivals": len(day.visitors),
        "tickets_issued": len(visitors),
        "walk_ins": sum(1 for v in visitors if v.kind == "walk_in"),
        "appointments_came": sum(1 for v in visitors if v.kind == "appointment"),
        "appointments_missed": day.appointments_missed,
        "bookings": day.bookings,
        "served": sum(1 for e in episodes if e.outcome in ("resolved", "transferred")),
        "transfers": sum(1 for e in episodes if e.outcome == "transferred"),
        "returns": sum(1 for e in episodes if e.outcome == "returned"),
        "no_shows": sum(1 for e in episodes if e.outcome == "no_show"),
        "left_waiting": sum(1 for e in episodes if e.called is None),
        "unknown_calls": day.unknown_calls,
        "overall": wait_figures(all_waits),
        "appointments": booked_figures(visitors),
        "services": services,
        "operators": operators,
        "accuracy": {
            "server": accuracy(server_pairs),
            "naive": accuracy(naive_pairs),
            # the same visitors for both: a fair comparison
            "server_same_visitors": accuracy([(server, wait) for server, _, wait in both]),
            "naive_same_visitors": accuracy([(naive, wait) for _, naive, wait in both]),
            "no_server_estimate": sum(1 for v in visitors if v.estimate is None),
        },
        "run": {"wall_seconds": day.wall_seconds, "requests": day.requests},
    }


def _same_visitors(visitors: Sequence[Visitor]) -> list[tuple[float, float, float]]:
    """(server's estimate, naive estimate, wait) of the tickets that have all three."""
    found = []
    for v in visitors:
        wait = v.first_wait
        if v.estimate is not None and v.naive is not None and wait is not None:
            found.append((v.estimate, v.naive, wait))
    return found


def _pairs(visitors: Sequence[Visitor], which: str) -> list[tuple[float, float]]:
    pairs = []
    for visitor in visitors:
        estimate = getattr(visitor, which)
        wait = visitor.first_wait
        if estimate is not None and wait is not None:
            pairs.append((float(estimate), wait))
    return pairs


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def render_table(figures: dict[str, Any]) -> str:
    """The figures as plain text: the day, waits per service, operators, estimate accuracy."""
    lines = [
        f"Scenario {figures['scenario']}, seed {figures['seed']}, day from {figures['day_start']}",
        f"tickets issued {figures['tickets_issued']} (arrivals {figures['arrivals']}, "
        f"appointments came {figures['appointments_came']}, missed "
        f"{figures['appointments_missed']}, booked through the API "
        f"{figures['bookings'].get('booked', 0)}); served {figures['served']}, transfers "
        f"{figures['transfers']}, returns {figures['returns']}, no-shows {figures['no_shows']}, "
        f"left waiting {figures['left_waiting']}",
        "",
        f"{'service':<18}{'n':>6}{'wait mean':>11}{'p90':>8}{'max':>8}{'≤15 min':>9}{'service':>9}",
    ]
    rows = [*figures["services"].items(), ("ALL", figures["overall"])]
    for name, row in rows:
        share = row.get("within_15_share")
        lines.append(
            f"{name:<18}{row['n']:>6}{_num(row['wait_mean']):>11}{_num(row['wait_p90']):>8}"
            f"{_num(row['wait_max']):>8}"
            f"{'—' if share is None else f'{share:.0%}':>9}{_num(row.get('service_mean')):>9}"
        )
    booked = figures["appointments"]
    if booked["n"]:
        lines += [
            "",
            f"appointments called {booked['n']}: wait past the slot mean "
            f"{_num(booked['after_slot_mean'])}, p90 {_num(booked['after_slot_p90'])}, max "
            f"{_num(booked['after_slot_max'])} min; within 5 min "
            f"{booked['within_5_share']:.0%}",
        ]
    lines += ["", f"{'operator':<12}{'window':>8}{'served':>8}{'busy min':>10}{'utilisation':>13}"]
    for login, row in figures["operators"].items():
        use = row["utilisation"]
        lines.append(
            f"{login:<12}{row['workplace']:>8}{row['served']:>8}{row['busy_minutes']:>10.0f}"
            f"{'—' if use is None else f'{use:.0%}':>13}"
        )
    acc = figures["accuracy"]
    lines += [
        "",
        "Wait estimate at issue vs the wait that followed (issue → called), minutes:",
        f"{'estimator':<24}{'n':>6}{'MAE':>8}{'p90 |err|':>11}{'bias':>8}",
    ]
    for label, key in (
        ("server (issued ticket)", "server"),
        ("naive", "naive"),
        ("server, same visitors", "server_same_visitors"),
        ("naive, same visitors", "naive_same_visitors"),
    ):
        row = acc[key]
        lines.append(
            f"{label:<24}{row['n']:>6}{_num(row['mae']):>8}{_num(row['p90_abs_error']):>11}"
            f"{_num(row['bias']):>8}"
        )
    run = figures["run"]
    lines += ["", f"simulated in {run['wall_seconds']:.1f} s wall, {run['requests']} requests"]
    return "\n".join(lines)


def write_outputs(day: DayResult, figures: dict[str, Any], out: Path) -> list[Path]:
    """kpis.json, tickets.csv and the two PNG plots in `out`; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "kpis.json", out / "tickets.csv"]
    written[0].write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    rows = ["number,service,kind,issued,ahead,estimate,naive,wait,outcome"]
    for v in day.visitors:
        if v.issued is None:
            continue
        wait = v.first_wait
        rows.append(
            ",".join(
                [
                    v.number,
                    v.service,
                    v.kind,
                    hhmm(v.issued),
                    str(v.ahead),
                    "" if v.estimate is None else f"{v.estimate:g}",
                    "" if v.naive is None else f"{v.naive:.2f}",
                    "" if wait is None else f"{wait:.2f}",
                    v.episodes[-1].outcome or "waiting",
                ]
            )
        )
    written[1].write_text("\n".join(rows) + "\n", encoding="utf-8")
    written += plot(day, out)
    return written


def plot(day: DayResult, out: Path) -> list[Path]:
    """estimate_vs_actual.png (both estimators) and queue_length.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    visitors = [v for v in day.visitors if v.issued is not None]
    server = _pairs(visitors, "estimate")
    naive = _pairs(visitors, "naive")
    fig, ax = plt.subplots(figsize=(7, 6), dpi=110)
    if naive:
        ax.scatter([a for _, a in naive], [e for e, _ in naive], s=9, alpha=0.5, label="naive")
    if server:
        ax.scatter([a for _, a in server], [e for e, _ in server], s=9, alpha=0.6, label="server")
    top = max([1.0, *(max(p) for p in server + naive)])
    ax.plot([0, top], [0, top], color="grey", linewidth=1, label="exact")
    ax.set_xlabel("actual wait, min (issue → called)")
    ax.set_ylabel("estimate at issue, min")
    ax.set_title(f"{day.scenario.name}, seed {day.seed}: estimate vs actual wait")
    ax.legend()
    fig.tight_layout()
    scatter = out / "estimate_vs_actual.png"
    fig.savefig(scatter)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(9, 4), dpi=110)
    samples = day.queue_samples or [(float(day.scenario.spec.day.start), 0)]
    ax.step([t / 60 for t, _ in samples], [n for _, n in samples], where="post")
    ax.set_xlabel("hour of the day")
    ax.set_ylabel("tickets waiting")
    ax.set_title(f"{day.scenario.name}, seed {day.seed}: queue length over the day")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    queue = out / "queue_length.png"
    fig.savefig(queue)
    plt.close(fig)
    return [scatter, queue]
