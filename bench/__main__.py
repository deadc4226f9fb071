"""`python -m bench`: every benchmark in turn, then one summary table (figure, goal, met)."""

from __future__ import annotations

import platform
import sys
import time
import traceback
from collections.abc import Callable
from datetime import datetime

from bench import (
    booking_pages,
    desk_click,
    estimate_cost,
    issue_throughput,
    kiosk_tap,
    read_cost,
    simulate_day,
    status_live,
    turn_near_cost,
    ws_latency,
    ws_memory,
)
from bench._common import Figure, print_figures

BENCHMARKS: list[tuple[str, Callable[[], list[Figure]]]] = [
    ("issue throughput", issue_throughput.run),
    ("estimate cost", estimate_cost.run),
    ("read cost", read_cost.run),
    ("WebSocket latency", ws_latency.run),
    ("WebSocket memory", ws_memory.run),
    ("kiosk tap", kiosk_tap.run),
    ("desk click", desk_click.run),
    ("status pages live", status_live.run),
    ("booking pages", booking_pages.run),
    ("turn-near notice cost", turn_near_cost.run),
    ("simulated day", simulate_day.run),
]
# bench/estimator_accuracy.py runs many simulated days (minutes each): `python -m
# bench.estimator_accuracy` on its own.


def main() -> int:
    import os

    print(
        f"Okno benchmarks, {datetime.now():%Y-%m-%d %H:%M}, Python {platform.python_version()},"
        f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    figures: list[Figure] = []
    failed = 0
    start = time.monotonic()
    for name, bench in BENCHMARKS:
        t0 = time.monotonic()
        try:
            figures.extend(bench())
        except Exception:
            failed += 1
            print(f"!! {name} failed:", file=sys.stderr)
            traceback.print_exc()
        print(f"({name}: {time.monotonic() - t0:.0f} s)", flush=True)
    print_figures(f"summary ({time.monotonic() - start:.0f} s)", figures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
