"""What the wait estimate costs a command, in-process: the recorded replay against a full replay.

No server, no disk: the CPU the estimate takes per command, which is what grew with the queue
(docs/benchmarks.md). The test office of `tests/helpers/office.py` (alice reg 1 / vac 2, bob
vac 1 / reg 2 / ben 3, carol ben 1 / reg 3; reg 10 min, vac 5, ben 15), its three operators
available, the duration model the server builds with no history (configured figures). The queue
holds 0 / 1,000 / 5,000 walk-ins of reg and vac alternately; then `ISSUES` walk-ins are issued
a few milliseconds apart, each asking what an issue asks: the new ticket's position and every
service's estimate for `queue.changed`.

- baseline: `estimate_all` over the same queue, once per issue (what every command did before);
- recorded: `EstimateKeeper` (domain/incremental.py), which adds each new ticket to its record;
- call-next: `order.next_for` (a pass over every waiting ticket) against the record's look at the
  lines' heads, and the replay recorded again after the call (a call is not patched).

Figures are medians of per-command times; the ratios to the baseline in the same run matter.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

from bench._common import Figure, print_figures
from queue_server.domain.durations import LearnedDurations
from queue_server.domain.estimate import estimate_all
from queue_server.domain.incremental import EstimateKeeper, IncrementalEstimate
from queue_server.domain.model import (
    Operator,
    ServiceRule,
    Ticket,
    TicketClass,
    TicketStatus,
)
from queue_server.domain.order import next_for

QUEUE_SIZES = (0, 1000, 5000)
ISSUES = 200
BASELINE_ISSUES = 20  # the full replay is slow at 5,000: fewer samples suffice
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
RULES = {
    "reg": ServiceRule("reg", "А", expected_minutes=10, max_wait_minutes=15),
    "vac": ServiceRule("vac", "В", expected_minutes=5, max_wait_minutes=15),
    "ben": ServiceRule("ben", "Б", expected_minutes=15, max_wait_minutes=15),
}
OPERATORS = [
    Operator("alice", "1", {"reg": 1, "vac": 2}),
    Operator("bob", "2", {"vac": 1, "reg": 2, "ben": 3}),
    Operator("carol", "3", {"ben": 1, "reg": 3}),
]


def _ticket(ticket_id: int, at: datetime) -> Ticket:
    return Ticket(
        id=ticket_id,
        number=f"А{ticket_id % 1000:03d}",
        service=("reg", "vac")[ticket_id % 2],
        ticket_class=TicketClass.WALK_IN,
        status=TicketStatus.WAITING,
        issued_at=at,
        due_at=at,
    )


def _queue(size: int) -> list[Ticket]:
    return [_ticket(i + 1, NOW - timedelta(seconds=size - i)) for i in range(size)]


def measure(size: int) -> dict[str, float]:
    """Median milliseconds per command at `size` waiting."""
    durations = LearnedDurations.learn([], RULES)
    tickets = _queue(size)
    now = NOW
    baseline: list[float] = []
    for i in range(BASELINE_ISSUES):
        now += timedelta(milliseconds=3)
        tickets.append(_ticket(size + 1 + i, now))
        t0 = time.perf_counter()
        estimate_all(tickets, OPERATORS, RULES, durations, now)
        baseline.append(time.perf_counter() - t0)
    keeper = EstimateKeeper()
    keeper.estimate(tickets, OPERATORS, RULES, durations, now)
    recorded: list[float] = []
    next_id = len(tickets) + 1
    for _ in range(ISSUES):
        now += timedelta(milliseconds=3)
        ticket = _ticket(next_id, now)
        next_id += 1
        tickets.append(ticket)
        t0 = time.perf_counter()
        keeper.issued(ticket)
        record = keeper.estimate(tickets, OPERATORS, RULES, durations, now)
        assert record is not None
        record.position(ticket.id, now)
        for service in RULES:
            record.waiting_count(service)
            record.latest_minutes(service, now)
        recorded.append(time.perf_counter() - t0)
    record = keeper.estimate(tickets, OPERATORS, RULES, durations, now)
    assert record is not None
    alice = OPERATORS[0]
    t0 = time.perf_counter()
    scanned = next_for(alice, tickets, RULES, now)
    scan = time.perf_counter() - t0
    t0 = time.perf_counter()
    looked = record.next_for(alice, now)
    look = time.perf_counter() - t0
    assert scanned is looked
    t0 = time.perf_counter()
    IncrementalEstimate.build(tickets, OPERATORS, RULES, durations, now)
    rebuild = time.perf_counter() - t0
    return {
        "baseline": statistics.median(baseline) * 1000,
        "recorded": statistics.median(recorded) * 1000,
        "recorded_p99": sorted(recorded)[int(len(recorded) * 0.99) - 1] * 1000,
        "rebuilds": keeper.rebuilds,
        "scan": scan * 1000,
        "look": look * 1000,
        "rebuild": rebuild * 1000,
    }


def run() -> list[Figure]:
    """Measure and print; returns the headline figures."""
    print("== estimate cost per command, in-process (no server, no disk)", flush=True)
    figures: list[Figure] = []
    for size in QUEUE_SIZES:
        m = measure(size)
        ratio = m["baseline"] / m["recorded"] if m["recorded"] else 0.0
        print(
            f"{size:>5} waiting: full replay {m['baseline']:8.3f} ms  recorded {m['recorded']:7.3f}"
            f" ms (p99 {m['recorded_p99']:7.3f}, replays {m['rebuilds']:.0f})  x{ratio:7.1f}"
            f"  | call: scan {m['scan']:7.3f} ms  heads {m['look']:6.3f} ms"
            f"  replay again {m['rebuild']:8.3f} ms",
            flush=True,
        )
        figures.append(
            Figure(f"full replay per issue, {size} waiting", m["baseline"], "ms", "", None)
        )
        figures.append(Figure(f"recorded per issue, {size} waiting", m["recorded"], "ms", "", None))
        figures.append(Figure(f"  speed-up at {size} waiting", ratio, "x", "", None))
    return figures


def main() -> None:
    print_figures("estimate cost", run())


if __name__ == "__main__":
    main()
