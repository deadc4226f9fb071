"""The first calls of busy operators: when, in expectation, a desk frees up first.

The replay (`estimate.py`) gives each busy operator one figure: the expected minutes left of the
visitor at its desk. A ticket that the first operator to free up will take then waits, in the
replay, the least of those figures; but what it really waits is the least of the times left,
and the expected least of several uncertain times is well below the least of their expectations
(five desks each with 0–10 minutes left, evenly: the first one frees up after 1.7 minutes on
average, not after 5). So a visitor with nobody ahead while every desk is busy was told a wait
several minutes too long (measured on simulated light days: 2–4 minutes too long, every time).

The fix keeps the replay and moves only the tickets taken at busy operators' first calls:

- Operators compete for a ticket when each of them, at its own first call, would have taken it
  had it still been there: the one that took it, and each later one eligible for it that took
  nothing, or something the ticket comes before in its order (`order.order_key`). Competition
  joins operators into groups (transitively).
- Within a group, what its first calls take goes in the replay's order to the expected first,
  second, … order statistic of the group's times left (each operator's `spread`): the first
  ticket gets the expected least time, the next the expected second least, and so on. Their sum
  is the replay's (the order statistics of a set add up to its sum), so what comes after is as
  the replay has it.

The order statistics are averaged over `DRAWS` fixed draws (the same every time: estimates do
not flicker) of one value of each operator's spread, each value drawn equally often.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import functools
import itertools
import operator
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from queue_server.domain.durations import SPREAD_POINTS
from queue_server.domain.model import Operator, ServiceRule, Ticket
from queue_server.domain.order import OrderKey, is_eligible, order_key

#: Draws the order statistics are averaged over.
DRAWS = 64


@dataclass(slots=True)
class FirstCall:
    """A busy operator's first call in the replay: at `at` it took `ticket` (a real one; None
    for a forecast arrival or nothing) with `key`, its order key for that operator (None when it
    took nothing)."""

    op: Operator
    at: datetime
    ticket: Ticket | None = None
    key: OrderKey | None = None


def spread_first_calls(
    popped: Sequence[FirstCall],
    unreached: Iterable[FirstCall],
    rules: Mapping[str, ServiceRule],
    spread: Callable[[Operator], Sequence[float]],
) -> dict[int, float]:
    """Minutes until each ticket taken at one of the `popped` first calls (in the replay's
    order) is called, by ticket id, for those whose group holds more than one operator (see the
    module docstring). `unreached` are the busy operators the replay ended before (in the
    operators' order), each at the time it would have been free: it would have found nothing
    left to take. `spread` gives an operator's equally likely minutes until it is free (asked
    only of the operators of such groups; a group with an operator it gives nothing for is left
    as it is)."""
    if not popped:
        return {}
    calls = sorted([*popped, *unreached], key=lambda call: call.at)
    parent = list(range(len(calls)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, first in enumerate(calls):
        ticket = first.ticket
        if ticket is None:
            continue
        service = ticket.service
        for j in range(i + 1, len(calls)):
            later = calls[j]
            level = later.op.levels.get(service)
            if level is None or (later.key is not None and level > later.key[0]):
                continue  # it would not take it: not served, or it took a better level
            if root(i) == root(j) or not is_eligible(ticket, later.op, later.at):
                continue
            if later.key is None or order_key(ticket, later.op, rules, later.at) < later.key:
                parent[root(j)] = root(i)
    groups: dict[int, list[FirstCall]] = {}
    for i, first in enumerate(calls):
        groups.setdefault(root(i), []).append(first)
    result: dict[int, float] = {}
    for members in groups.values():
        taken = [first.ticket for first in members if first.ticket is not None]
        if len(members) < 2 or not taken:
            continue
        spreads = [spread(first.op) for first in members]
        if not all(spreads):
            continue
        means = order_means(spreads, len(taken))
        for ticket, minutes in zip(taken, means, strict=True):
            result[ticket.id] = minutes
    return result


def order_means(spreads: Sequence[Sequence[float]], count: int) -> list[float]:
    """The expected least, second least, … `count`-th least of independent times, one drawn
    from each of `spreads` (equally likely values each: one, or `SPREAD_POINTS`)."""
    getters = _getters(len(spreads))
    columns = [
        getter(spread) if len(spread) > 1 else (spread[0],) * DRAWS
        for spread, getter in zip(spreads, getters, strict=True)
    ]
    rows = [sorted(row) for row in zip(*columns, strict=True)]
    return [sum(ranked) / DRAWS for ranked in itertools.islice(zip(*rows, strict=True), count)]


@functools.cache
def _getters(operators: int) -> tuple[Callable[[Sequence[float]], tuple[float, ...]], ...]:
    """For each of `operators`, what picks its `DRAWS` values out of a spread of
    `SPREAD_POINTS`: every value equally often (`SPREAD_POINTS` divides `DRAWS`), in an order of
    the operator's own (a fixed seed: the same estimates every time)."""
    rng = random.Random(20261203 + operators)
    getters = []
    for _ in range(operators):
        column = [u % SPREAD_POINTS for u in range(DRAWS)]
        rng.shuffle(column)
        getters.append(operator.itemgetter(*column))
    return tuple(getters)
