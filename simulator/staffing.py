"""Staffing advice (`okno staffing`): how many windows each hour needs so that 90% of visitors
wait at most 15 minutes, from a forecast of arrivals and service times.

Erlang C gives the start (each hour alone, as if in steady state, every window serving every
service); a simulation of the day then checks it hour by hour — queues carry over from one
hour into the next, service times are log-normal, not exponential — and adds a window where an
hour's simulated p90 is over the target, until every hour meets it. `check_with_server` finally
runs the recommended day through the simulator's engine against a real server (`okno simulate`).

The forecast (YAML), every fault reported as `file:line: what`, nothing run:

    office: demo                 # optional: the services must be the office's
    day: {start: "09:00", end: "18:00"}
    target: {wait_minutes: 15, percentile: 90}       # optional, these are the defaults
    service_times:               # minutes: log-normal median and sigma (or mean: exponential)
      registration: {median: 17, sigma: 0.35}
      certificates: {mean: 4}
    arrivals:                    # visitors per hour of each service, by the hour they begin
      "09:00": {registration: 6, certificates: 4}
      "10:00": {registration: 9, certificates: 5}
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

import yaml

MINUTES_PER_DAY = 24 * 60
MAX_WINDOWS = 200


class ForecastError(ValueError):
    """The forecast cannot be used; the message names the file and line of each fault."""


# -- Erlang C ----------------------------------------------------------------------------------


def erlang_c(servers: int, load: float) -> float:
    """The probability that an arrival waits (Erlang C), `servers` windows offered `load`
    Erlangs (arrival rate x mean service time); 1.0 when the load is not below the servers."""
    if load < 0 or servers < 0:
        raise ValueError("servers and load must not be negative")
    if load == 0:
        return 0.0
    if servers <= load:
        return 1.0
    # Erlang B by its stable recurrence, then C from B.
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return servers * b / (servers - load * (1 - b))


def wait_above(servers: int, rate: float, mean_service: float, minutes: float) -> float:
    """P(wait > `minutes`) in an M/M/c queue: C * exp(-(c/s - rate) * t); rates per minute."""
    load = rate * mean_service
    waits = erlang_c(servers, load)
    if waits >= 1.0:
        return 1.0
    return waits * math.exp(-(servers / mean_service - rate) * minutes)


def wait_quantile(servers: int, rate: float, mean_service: float, share: float) -> float:
    """The wait in minutes that a `share` (0.9) of visitors stays within (M/M/c); inf when the
    load is not below the servers."""
    load = rate * mean_service
    waits = erlang_c(servers, load)
    if waits >= 1.0:
        return math.inf
    above = 1 - share
    if waits <= above:
        return 0.0
    return math.log(waits / above) / (servers / mean_service - rate)


def erlang_windows(rate_per_hour: float, mean_service: float, target: float, share: float) -> int:
    """The fewest windows whose Erlang C quantile `share` of the wait is within `target` min."""
    if rate_per_hour <= 0:
        return 0
    rate = rate_per_hour / 60
    servers = max(1, math.floor(rate * mean_service) + 1)
    while wait_quantile(servers, rate, mean_service, share) > target:
        servers += 1
        if servers > MAX_WINDOWS:
            raise ValueError(f"more than {MAX_WINDOWS} windows needed")
    return servers


# -- the forecast ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceTime:
    median: float
    sigma: float  # 0 with `exponential`: then median is the mean
    exponential: bool = False

    @property
    def mean(self) -> float:
        if self.exponential:
            return self.median
        return self.median * math.exp(self.sigma**2 / 2)

    def draw(self, rng: random.Random) -> float:
        if self.exponential:
            return rng.expovariate(1 / self.median)
        return self.median * math.exp(rng.gauss(0.0, self.sigma))


@dataclass
class Forecast:
    start: int  # minutes since midnight
    end: int
    times: dict[str, ServiceTime]
    # (hour start minute) -> service -> visitors per hour
    arrivals: dict[int, dict[str, float]]
    target_minutes: float = 15.0
    share: float = 0.9
    office: str | None = None
    hours: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.hours = list(range(self.start, self.end, 60))

    def rate(self, hour: int) -> dict[str, float]:
        """Visitors per hour of each service in the hour beginning at minute `hour`."""
        known = [h for h in self.arrivals if h <= hour]
        return self.arrivals[max(known)] if known else {}

    def mean_service(self, hour: int) -> float:
        rates = self.rate(hour)
        total = sum(rates.values())
        if total <= 0:
            return 0.0
        return sum(r * self.times[s].mean for s, r in rates.items()) / total


def _clock(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a time of day HH:MM")
    if isinstance(value, int):  # YAML 1.1 reads an unquoted 10:00 as 600
        minutes = value
    elif isinstance(value, str):
        hours, sep, mins = value.strip().partition(":")
        if not (sep and hours.isdigit() and mins.isdigit() and len(mins) == 2 and int(mins) < 60):
            raise ValueError(f"{value!r} is not a time of day HH:MM")
        minutes = int(hours) * 60 + int(mins)
    else:
        raise ValueError(f"{value!r} is not a time of day HH:MM")
    if not 0 <= minutes <= MINUTES_PER_DAY:
        raise ValueError(f"{value!r} is not a time of day HH:MM")
    return minutes


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class _Lines:
    """Line numbers of a YAML document's keys, for messages."""

    def __init__(self, node: yaml.Node | None, name: str) -> None:
        self.node = node
        self.name = name

    def line(self, *path: Any) -> int:
        node = self.node
        line = 1 if node is None else node.start_mark.line + 1
        for key in path:
            if not isinstance(node, yaml.MappingNode):
                break
            for k, v in node.value:
                if str(k.value) == str(key) or (
                    isinstance(key, int) and _safe_clock(k.value) == key
                ):
                    node = v
                    line = k.start_mark.line + 1
                    break
            else:
                break
        return line

    def at(self, *path: Any) -> str:
        return f"{self.name}:{self.line(*path)}"


def _safe_clock(value: Any) -> int | None:
    try:
        return _clock(int(value) if isinstance(value, str) and value.isdigit() else value)
    except ValueError:
        return None


def parse_forecast(text: str, name: str, office_services: Sequence[str] | None = None) -> Forecast:
    """A Forecast from YAML `text`; raises ForecastError listing every fault as file:line.

    `office_services`, when given, are the services the office has: any other is unknown.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ForecastError(
            f"{name}{line}: ошибка синтаксиса YAML / YAML syntax error: {exc.problem}"
        ) from None
    lines = _Lines(node, name)
    if not isinstance(data, dict):
        raise ForecastError(f"{name}:1: ожидается словарь прогноза / expected a mapping")
    problems: list[str] = []

    def fail(where: str, ru: str, en: str) -> None:
        problems.append(f"{where}: {ru} / {en}")

    known_keys = {"office", "day", "target", "service_times", "arrivals"}
    for key in data:
        if key not in known_keys:
            fail(lines.at(key), f"неизвестный ключ «{key}»", f"unknown key '{key}'")
    start, end = 9 * 60, 18 * 60
    day = data.get("day")
    if not isinstance(day, dict) or "start" not in day or "end" not in day:
        fail(lines.at("day"), "нужен day: {start: ЧЧ:ММ, end: ЧЧ:ММ}", "day needs start and end")
    else:
        try:
            start, end = _clock(day["start"]), _clock(day["end"])
            if end <= start:
                fail(
                    lines.at("day"), "день кончается раньше начала", "the day ends before it starts"
                )
        except ValueError as exc:
            fail(lines.at("day"), "неверное время дня", str(exc))
    target_minutes, share = 15.0, 0.9
    target = data.get("target", {})
    if not isinstance(target, dict):
        fail(lines.at("target"), "нужен словарь", "expected a mapping")
    else:
        wait = target.get("wait_minutes", 15)
        pct = target.get("percentile", 90)
        if not _number(wait) or not 0 < wait <= 240:
            fail(
                lines.at("target", "wait_minutes"),
                "ожидание — число минут от 0 до 240",
                "wait_minutes must be above 0 and at most 240",
            )
        else:
            target_minutes = float(wait)
        if not _number(pct) or not 50 <= pct < 100:
            fail(
                lines.at("target", "percentile"),
                "процентиль от 50 до 99.9",
                "percentile must be from 50 to below 100",
            )
        else:
            share = float(pct) / 100
    times: dict[str, ServiceTime] = {}
    raw_times = data.get("service_times")
    if not isinstance(raw_times, dict) or not raw_times:
        fail(
            lines.at("service_times"), "нужны времена услуг", "service_times must list the services"
        )
        raw_times = {}
    for service, spec in raw_times.items():
        where = lines.at("service_times", service)
        if office_services is not None and service not in office_services:
            fail(where, f"в офисе нет услуги «{service}»", f"the office has no service '{service}'")
            continue
        if not isinstance(spec, dict):
            fail(where, "нужен {median, sigma} или {mean}", "expected {median, sigma} or {mean}")
            continue
        if "mean" in spec:
            mean = spec["mean"]
            if not _number(mean) or not 0 < mean <= 480:
                fail(
                    where,
                    "mean — минуты от 0 до 480",
                    "mean must be above 0 and at most 480 minutes",
                )
                continue
            times[service] = ServiceTime(float(mean), 0.0, exponential=True)
        else:
            median, sigma = spec.get("median"), spec.get("sigma", 0.4)
            if not _number(median) or not 0 < median <= 480:
                fail(
                    where,
                    "median — минуты от 0 до 480",
                    "median must be above 0 and at most 480 minutes",
                )
                continue
            if not _number(sigma) or not 0 <= sigma <= 3:
                fail(where, "sigma от 0 до 3", "sigma must be from 0 to 3")
                continue
            times[service] = ServiceTime(float(median), float(sigma))
    arrivals: dict[int, dict[str, float]] = {}
    raw_arrivals = data.get("arrivals")
    if not isinstance(raw_arrivals, dict) or not raw_arrivals:
        fail(lines.at("arrivals"), "нужны приходы по часам", "arrivals must give visitors per hour")
        raw_arrivals = {}
    for hour, rates in raw_arrivals.items():
        where = lines.at("arrivals", hour)
        try:
            minute = _clock(hour)
        except ValueError as exc:
            fail(where, "неверное время", str(exc))
            continue
        if not start <= minute < end:
            fail(
                where,
                f"час {_hhmm(minute)} вне дня {_hhmm(start)}–{_hhmm(end)}",
                f"hour {_hhmm(minute)} is outside the day {_hhmm(start)}-{_hhmm(end)}",
            )
            continue
        if not isinstance(rates, dict):
            fail(
                where,
                "нужен словарь услуга: посетителей в час",
                "expected service: visitors per hour",
            )
            continue
        arrivals[minute] = {}
        for service, rate in rates.items():
            at = f"{name}:{_rate_line(lines, hour, service)}"
            if service not in raw_times or (
                office_services is not None and service not in office_services
            ):
                fail(
                    at,
                    f"неизвестная услуга «{service}»",
                    f"unknown service '{service}' (not in service_times)",
                )
                continue
            if not _number(rate) or rate < 0 or not math.isfinite(rate):
                fail(
                    at,
                    f"поток {rate!r} должен быть числом не меньше 0",
                    f"the rate {rate!r} must be a number of at least 0",
                )
                continue
            arrivals[minute][service] = float(rate)
    if problems:
        raise ForecastError("\n".join(problems))
    return Forecast(
        start,
        end,
        times,
        arrivals,
        target_minutes,
        share,
        office=data.get("office") if isinstance(data.get("office"), str) else None,
    )


def _rate_line(lines: _Lines, hour: Any, service: str) -> int:
    return lines.line("arrivals", hour, service)


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def load_forecast(path: Path, office_services: Sequence[str] | None = None) -> Forecast:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ForecastError(f"{path}: не читается / cannot read: {exc.strerror}") from None
    return parse_forecast(text, str(path), office_services)


# -- the simulation check ----------------------------------------------------------------------


def simulate_waits(
    forecast: Forecast, windows: Mapping[int, int], seed: int
) -> dict[int, list[float]]:
    """One simulated day: the waits (minutes) of the visitors arriving in each hour.

    Poisson arrivals at the forecast's rates, one queue served first come first served by the
    windows open in each hour (a window finishes its visitor when its hour ends), log-normal
    service times. Visitors still waiting at the day's end wait until served after it.
    """
    rng = random.Random(seed)
    visitors: list[tuple[float, str]] = []
    for hour in forecast.hours:
        for service, rate in sorted(forecast.rate(hour).items()):
            t = float(hour)
            while rate > 0:
                t += rng.expovariate(rate / 60)
                if t >= hour + 60:
                    break
                visitors.append((t, service))
    visitors.sort()
    # Each window: a heap of the times it is free; windows open and close with the hours.
    waits: dict[int, list[float]] = {h: [] for h in forecast.hours}
    free: list[float] = []  # free times of the windows open in the current hour
    hour_index = 0
    open_count = 0
    for arrive, service in visitors:
        hour = forecast.start + int((arrive - forecast.start) // 60) * 60
        while forecast.hours[hour_index] < hour:
            hour_index += 1
        # Open or close windows as the hours pass (by the arrival's hour: the FCFS line is one).
        wanted = max(windows.get(hour, 0), 1)
        if wanted > open_count:
            free.extend([float(hour)] * (wanted - open_count))
            heapq.heapify(free)
        elif wanted < open_count:
            # The windows that become free first close (they finish what they have).
            free.sort()
            free = free[open_count - wanted :]
            heapq.heapify(free)
        open_count = wanted
        start_at = max(arrive, heapq.heappop(free))
        waits[hour].append(start_at - arrive)
        heapq.heappush(free, start_at + forecast.times[service].draw(rng))
    return waits


def p90(values: Sequence[float], share: float = 0.9) -> float:
    """The `share` quantile (nearest rank) of `values`; 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


@dataclass
class HourAdvice:
    hour: int
    arrivals: float
    load: float  # Erlangs
    erlang: int  # windows by Erlang C
    windows: int  # recommended after the simulation check
    simulated_p90: float


#: The share of simulated days on which an hour must meet the target (4 days in 5): a staffing
#: that only meets it on an average day fails on every busier-than-average one.
DAYS_MEETING = 0.8


def _simulated_p90(
    forecast: Forecast, windows: Mapping[int, int], runs: int, seed: int
) -> dict[int, float]:
    """Per hour: the p90 wait that `DAYS_MEETING` of the simulated days stay within."""
    per_day: dict[int, list[float]] = {h: [] for h in forecast.hours}
    for run in range(runs):
        for hour, waits in simulate_waits(forecast, windows, seed * 1000 + run).items():
            per_day[hour].append(p90(waits, forecast.share))
    return {h: p90(per_day[h], DAYS_MEETING) for h in forecast.hours}


def recommend(
    forecast: Forecast, runs: int = 20, seed: int = 1, max_rounds: int = 60
) -> list[HourAdvice]:
    """Windows per hour: Erlang C, then corrected by simulation (`runs` days, the same days for
    every candidate; an hour meets the target when its p90 wait does on 4 days in 5): a window
    is added to the earliest hour whose p90 is over the
    target until none is, then each hour in turn gives up a window if every hour still meets
    the target without it (Erlang C treats each hour alone and in steady state; a day starts
    with an empty hall and its queues carry over)."""
    erlang: dict[int, int] = {}
    for hour in forecast.hours:
        rate = sum(forecast.rate(hour).values())
        erlang[hour] = erlang_windows(
            rate, forecast.mean_service(hour), forecast.target_minutes, forecast.share
        )
    windows = dict(erlang)
    target = forecast.target_minutes
    figures = _simulated_p90(forecast, windows, runs, seed)
    for _ in range(max_rounds):
        late = [h for h in forecast.hours if figures[h] > target]
        if not late:
            break
        # The earliest late hour gets a window (its queue also makes later hours late).
        windows[late[0]] += 1
        if windows[late[0]] > MAX_WINDOWS:
            raise ValueError(f"more than {MAX_WINDOWS} windows needed at {_hhmm(late[0])}")
        figures = _simulated_p90(forecast, windows, runs, seed)
    else:
        raise ValueError(f"no staffing met the target within {max_rounds} corrections")
    for hour in sorted(forecast.hours, key=lambda h: figures[h]):
        if windows[hour] <= 1:
            continue
        windows[hour] -= 1
        trial = _simulated_p90(forecast, windows, runs, seed)
        if all(v <= target for v in trial.values()):
            figures = trial
        else:
            windows[hour] += 1
    return [
        HourAdvice(
            hour=h,
            arrivals=sum(forecast.rate(h).values()),
            load=sum(forecast.rate(h).values()) * forecast.mean_service(h) / 60,
            erlang=erlang[h],
            windows=windows[h],
            simulated_p90=figures[h],
        )
        for h in forecast.hours
    ]


def render_table(forecast: Forecast, advice: Sequence[HourAdvice]) -> str:
    pct = round(forecast.share * 100)
    lines = [
        f"Окна по часам для p{pct} ожидания ≤ {forecast.target_minutes:g} мин / "
        f"windows per hour for a p{pct} wait within {forecast.target_minutes:g} min",
        f"{'hour':<6} {'arrivals/h':>10} {'load (Erl)':>10} {'Erlang C':>9} {'windows':>8} "
        f"{'sim p' + str(pct) + ' min':>11}",
    ]
    for a in advice:
        lines.append(
            f"{_hhmm(a.hour):<6} {a.arrivals:>10.1f} {a.load:>10.2f} {a.erlang:>9d} "
            f"{a.windows:>8d} {a.simulated_p90:>11.1f}"
        )
    hours = sum(a.windows for a in advice)
    lines.append(f"window-hours: {hours} (Erlang C alone: {sum(a.erlang for a in advice)})")
    return "\n".join(lines)


def plot(forecast: Forecast, advice: Sequence[HourAdvice], path: Path) -> None:
    """A PNG: windows per hour (Erlang C and recommended) and the simulated p90 wait."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [_hhmm(a.hour) for a in advice]
    x = range(len(advice))
    fig, left = plt.subplots(figsize=(9, 4.5), dpi=100)
    left.bar([i - 0.2 for i in x], [a.erlang for a in advice], width=0.4, label="Erlang C")
    left.bar([i + 0.2 for i in x], [a.windows for a in advice], width=0.4, label="recommended")
    left.set_ylabel("windows / окна")
    left.set_xticks(list(x), labels)
    right = left.twinx()
    right.plot(list(x), [a.simulated_p90 for a in advice], "o-", color="black", label="sim p90")
    right.axhline(forecast.target_minutes, color="red", linestyle="--", linewidth=1)
    right.set_ylabel("p90 wait, min / ожидание")
    right.set_ylim(0, max(forecast.target_minutes * 1.5, *(a.simulated_p90 for a in advice)))
    handles = left.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    names = left.get_legend_handles_labels()[1] + right.get_legend_handles_labels()[1]
    left.legend(handles, names, loc="upper left")
    left.set_title("Staffing: windows per hour / окна по часам")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# -- the check by the simulator's engine against a real server ---------------------------------


def check_scenario(
    forecast: Forecast, advice: Sequence[HourAdvice], office_text: str
) -> tuple[str, str]:
    """A scenario of the simulator (YAML text) and its office (YAML text) for the recommended
    day: windows `w1`… and operators `staff1`… serving every service of the forecast at level 1;
    operator i works the hours that need at least i windows (a gap is a break).

    The simulator's scenario has one service mix for the day, so the forecast's per-hour mix is
    averaged over the day (weighted by arrivals); exponential service times become log-normal
    with the same mean (sigma 0.8).
    """
    office = yaml.safe_load(office_text)
    most = max((a.windows for a in advice), default=1)
    services = sorted(forecast.times)
    office["workplaces"] = [
        {"id": f"w{i}", "name": {"ru": f"Окно {i}", "en": f"Window {i}"}, "kind": "window"}
        for i in range(1, most + 1)
    ]
    office["operators"] = [
        {
            "login": f"staff{i}",
            "name": f"Специалист {i}",
            "roles": ["operator"],
            "services": {s: 1 for s in services},
        }
        for i in range(1, most + 1)
    ]
    office.pop("devices", None)
    totals: dict[str, float] = {}
    for hour in forecast.hours:
        for service, rate in forecast.rate(hour).items():
            totals[service] = totals.get(service, 0.0) + rate
    operators = []
    for i in range(1, most + 1):
        hours = [a.hour for a in advice if a.windows >= i]
        if not hours:
            continue
        first, last = hours[0], hours[-1] + 60
        breaks = [f"{_hhmm(h)}-{_hhmm(h + 60)}" for h in range(first, last, 60) if h not in hours]
        operators.append(
            {
                "login": f"staff{i}",
                "workplace": f"w{i}",
                "shift": f"{_hhmm(first)}-{_hhmm(last)}",
                "breaks": breaks,
            }
        )
    times = {}
    for service, t in forecast.times.items():
        if t.exponential:
            times[service] = {"median": t.mean / math.exp(0.32), "sigma": 0.8}
        else:
            times[service] = {"median": t.median, "sigma": t.sigma}
    scenario = {
        "name": "staffing-check",
        "office": "office.yaml",
        "day": {"start": _hhmm(forecast.start), "end": _hhmm(forecast.end)},
        "arrivals": {
            "per_hour": {_hhmm(h): sum(forecast.rate(h).values()) for h in forecast.hours},
            "mix": {s: r for s, r in totals.items() if r > 0},
        },
        "service_times": times,
        "operators": operators,
        "walk_in_no_show": 0.0,
        "walk_minutes": 0.0,
    }
    return yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False), yaml.safe_dump(
        office, allow_unicode=True, sort_keys=False
    )


def office_source(office: str | None, forecast_path: Path) -> tuple[str, str]:
    """The office YAML text and name a forecast names (`demo` or a path beside it)."""
    from importlib import resources

    if office is None or office == "demo":
        source = resources.files("queue_server").joinpath("demo_office.yaml")
        return source.read_text("utf-8"), "demo_office.yaml"
    path = (forecast_path.parent / office).resolve()
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except OSError as exc:
        raise ForecastError(
            f"{forecast_path}: office {office}: cannot read: {exc.strerror}"
        ) from None


def check_with_server(
    forecast: Forecast, advice: Sequence[HourAdvice], office_text: str, out: Path, seed: int
) -> dict[int, float]:
    """Run the recommended day through `okno simulate`'s engine against a real server; the p90
    wait of the visitors issued in each hour (minutes)."""
    from simulator.cli import simulate
    from simulator.scenario import load_scenario

    scenario_text, office_yaml = check_scenario(forecast, advice, office_text)
    out.mkdir(parents=True, exist_ok=True)
    (out / "office.yaml").write_text(office_yaml, encoding="utf-8")
    (out / "scenario.yaml").write_text(scenario_text, encoding="utf-8")
    scenario = load_scenario(out / "scenario.yaml")
    simulate(scenario, seed, None, None, None, out / "simulation")
    import csv

    waits: dict[int, list[float]] = {h: [] for h in forecast.hours}
    with (out / "simulation" / "tickets.csv").open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            if not row.get("wait"):
                continue
            minute = _clock(row["issued"])
            hour = forecast.start + (minute - forecast.start) // 60 * 60
            if hour in waits:
                waits[hour].append(float(row["wait"]))
    return {h: p90(w, forecast.share) for h, w in waits.items()}


# -- okno staffing -----------------------------------------------------------------------------


def add_commands(subparsers: Any) -> None:
    """Register `okno staffing` on the `okno` parser."""
    staffing = subparsers.add_parser(
        "staffing",
        help="windows needed per hour for a p90 wait within 15 minutes, from a forecast",
    )
    staffing.add_argument("--forecast", type=Path, required=True, help="forecast YAML file")
    staffing.add_argument(
        "--out", type=Path, default=None, help="folder for staffing.png and staffing.json"
    )
    staffing.add_argument(
        "--runs", type=int, default=20, help="simulated days per check (default 20)"
    )
    staffing.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    staffing.add_argument(
        "--check",
        action="store_true",
        help="confirm the advice with the simulator's engine against a real server",
    )
    staffing.add_argument(
        "--check-rounds",
        type=int,
        default=6,
        help="with --check: server runs to correct the advice with (default 6)",
    )
    staffing.set_defaults(func=run_staffing)


def _fail(message: str) -> int:
    import sys

    print(f"okno staffing: {message}", file=sys.stderr)
    return 2


def run_staffing(args: Any) -> int:
    import json

    if not 1 <= args.runs <= 1000:
        return _fail(f"--runs {args.runs}: от 1 до 1000 / from 1 to 1000")
    if args.check and not 1 <= args.check_rounds <= 20:
        return _fail(f"--check-rounds {args.check_rounds}: от 1 до 20 / from 1 to 20")
    try:
        text = args.forecast.read_text(encoding="utf-8")
    except OSError as exc:
        return _fail(f"{args.forecast}: не читается / cannot read: {exc.strerror}")
    try:
        office = yaml.safe_load(text).get("office") if text.strip() else None
    except (yaml.YAMLError, AttributeError):
        office = None
    try:
        office_text, office_name = office_source(
            office if isinstance(office, str) else None, args.forecast
        )
        from queue_server.service.config import ConfigError, parse_config

        try:
            config = parse_config(office_text, office_name)
        except ConfigError as exc:
            return _fail(f"{args.forecast}: office: {exc}")
        forecast = parse_forecast(text, str(args.forecast), [s.id for s in config.services])
    except ForecastError as exc:
        return _fail(str(exc))
    try:
        advice = recommend(forecast, runs=args.runs, seed=args.seed)
    except ValueError as exc:
        return _fail(str(exc))
    print(render_table(forecast, advice))
    out = args.out
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        plot(forecast, advice, out / "staffing.png")
        (out / "staffing.json").write_text(
            json.dumps([a.__dict__ | {"hour": _hhmm(a.hour)} for a in advice], indent=2),
            encoding="utf-8",
        )
        print(f"written: {out / 'staffing.png'}, {out / 'staffing.json'}")
    if args.check:
        import logging

        from simulator.client import SimulationError
        from simulator.scenario import ScenarioError

        logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
        folder = (out or Path("var/staffing")) / "check"
        overall_ok = False
        for round_ in range(1, args.check_rounds + 1):
            for attempt in range(3):  # a loaded machine may start the server too slowly
                try:
                    figures = check_with_server(forecast, advice, office_text, folder, args.seed)
                    break
                except SimulationError as exc:
                    if attempt == 2 or "did not start" not in str(exc):
                        return _fail(f"check: {exc}")
                except ScenarioError as exc:
                    return _fail(f"check: {exc}")
            print(
                f"check {round_} against a real server (okno simulate's engine, seed "
                f"{args.seed}), p90 wait per hour:"
            )
            for a in advice:
                value = figures.get(a.hour, 0.0)
                mark = "ok" if value <= forecast.target_minutes else "OVER"
                print(f"  {_hhmm(a.hour)}  {a.windows:>3} windows  {value:5.1f} min  {mark}")
            late = [h for h, v in figures.items() if v > forecast.target_minutes]
            overall_ok = not late
            if overall_ok:
                break
            # Corrected hour by hour: the first hour of each late stretch gets a window (the later
            # ones are often late by its queue alone), and the day is run again.
            for a in advice:
                if a.hour in late and a.hour - 60 not in late:
                    a.windows += 1
        print("check: " + ("met" if overall_ok else "NOT met") + f" (files in {folder})")
        print(render_table(forecast, advice))
        if out is not None:
            plot(forecast, advice, out / "staffing.png")
        return 0 if overall_ok else 1
    return 0
