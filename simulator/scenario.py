"""A simulation scenario (YAML): its schema, errors naming file:line, and the office it runs in.

A scenario names its office (`office: demo` for the server's demo office, else an office YAML
path relative to the scenario file) and says how the day goes: the hours, walk-in arrivals per
hour (Poisson, a daily profile) and the mix of services, appointments (no-show rate,
punctuality spread), service times per service (log-normal: median and sigma), the operators
(login, services with levels, shift, breaks, speed factor), transfers and returns. Everything
the office must hold (services, operators) is checked against it, and every fault is reported as
`file:line: where: what`, nothing run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from queue_server.service.config import ConfigError, OfficeConfig, line_of, parse_config

DEMO_OFFICE = "demo"
MINUTES_PER_DAY = 24 * 60


class ScenarioError(ValueError):
    """The scenario cannot run; the message names the file and line of each fault."""


def clock_minutes(value: Any) -> int:
    """Minutes since midnight of "HH:MM" (an int is YAML 1.1's reading of an unquoted 10:00)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a time of day HH:MM")
    if isinstance(value, int):  # YAML 1.1 reads 10:00 as the base-60 number 600: the minutes
        minutes = value
    elif isinstance(value, str):
        hours, sep, mins = value.strip().partition(":")
        if not sep or not hours.isdigit() or not mins.isdigit() or len(mins) != 2:
            raise ValueError(f"{value!r} is not a time of day HH:MM")
        minutes = int(hours) * 60 + int(mins)
        if int(mins) >= 60:
            raise ValueError(f"{value!r} is not a time of day HH:MM")
    else:
        raise ValueError(f"{value!r} is not a time of day HH:MM")
    if not 0 <= minutes <= MINUTES_PER_DAY:
        raise ValueError(f"{value!r} is not a time of day HH:MM")
    return minutes


def span_minutes(value: Any) -> tuple[int, int]:
    """(start, end) minutes of "HH:MM-HH:MM"; the end must be after the start."""
    if not isinstance(value, str) or value.count("-") != 1:
        raise ValueError(f"{value!r} is not a span HH:MM-HH:MM")
    first, second = value.split("-")
    start, end = clock_minutes(first), clock_minutes(second)
    if end <= start:
        raise ValueError(f"{value!r} ends before it starts")
    return start, end


def hhmm(minutes: float) -> str:
    whole = round(minutes)
    return f"{whole // 60:02d}:{whole % 60:02d}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Day(_Strict):
    start: int
    end: int

    @field_validator("start", "end", mode="before")
    @classmethod
    def _time(cls, value: Any) -> int:
        return clock_minutes(value)


class Profile(_Strict):
    """Arrivals per hour: a constant, or a rate from each time given until the next."""

    per_hour: float | dict[str | int, float]

    @field_validator("per_hour")
    @classmethod
    def _rates(cls, value: float | dict[str | int, float]) -> float | dict[str | int, float]:
        rates = value.values() if isinstance(value, dict) else [value]
        for rate in rates:
            if not math.isfinite(rate) or rate < 0:
                raise ValueError(f"an arrival rate must be 0 or more per hour, not {rate:g}")
        if isinstance(value, dict):
            for key in value:
                clock_minutes(key)
        return value

    def steps(self, day: Day) -> list[tuple[int, float]]:
        """(from minute, rate per hour) in time order; the first covers the day's start."""
        if not isinstance(self.per_hour, dict):
            return [(day.start, float(self.per_hour))]
        steps = sorted((clock_minutes(k), float(v)) for k, v in self.per_hour.items())
        if steps[0][0] > day.start:
            steps.insert(0, (day.start, 0.0))
        return steps


def _probabilities(value: dict[str, float]) -> dict[str, float]:
    for service, weight in value.items():
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"the share of {service} must be 0 or more, not {weight:g}")
    if value and sum(value.values()) <= 0:
        raise ValueError("the shares add up to nothing")
    return value


class Arrivals(Profile):
    mix: dict[str, float] = Field(min_length=1)

    _mix = field_validator("mix")(_probabilities)


class Appointments(Profile):
    per_hour: float | dict[str | int, float] = 0.0
    services: dict[str, float] = Field(default_factory=dict)
    no_show: float = Field(default=0.0, ge=0, le=1)
    # Standard deviation of arrival around the slot time (normal), minutes.
    punctuality_minutes: float = Field(default=5.0, ge=0, le=120)

    _services = field_validator("services")(_probabilities)


class ServiceTime(_Strict):
    median: float = Field(gt=0, le=480)
    sigma: float = Field(default=0.4, ge=0, le=3)

    @property
    def mean(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)


class OperatorPlan(_Strict):
    login: str
    workplace: str | None = None
    password: str | None = None
    # Service levels for this day (1 = primary); the office's own levels when left out.
    services: dict[str, int] | None = None
    shift: tuple[int, int] | None = None
    breaks: list[tuple[int, int]] = Field(default_factory=list)
    speed: float = Field(default=1.0, gt=0, le=10)

    @field_validator("shift", mode="before")
    @classmethod
    def _shift(cls, value: Any) -> tuple[int, int] | None:
        return None if value is None else span_minutes(value)

    @field_validator("breaks", mode="before")
    @classmethod
    def _breaks(cls, value: Any) -> list[tuple[int, int]]:
        if not isinstance(value, list):
            raise ValueError("breaks are a list of spans HH:MM-HH:MM")
        return [span_minutes(item) for item in value]

    @field_validator("services")
    @classmethod
    def _levels(cls, value: dict[str, int] | None) -> dict[str, int] | None:
        for service, level in (value or {}).items():
            if not 1 <= level <= 9:
                raise ValueError(f"level of {service} must be 1…9")
        return value


class TransferRule(_Strict):
    from_service: str = Field(alias="from")
    to_service: str = Field(alias="to")
    probability: float = Field(ge=0, le=1)


class Returns(_Strict):
    probability: float = Field(default=0.0, ge=0, le=1)
    minutes: float = Field(default=10.0, ge=0, le=240)


class ScenarioFile(_Strict):
    name: str = ""
    office: str = DEMO_OFFICE
    # The simulated day (default: today in the office's time zone).
    day_date: date | None = Field(default=None, alias="date")
    day: Day
    arrivals: Arrivals
    appointments: Appointments = Field(default_factory=Appointments)
    service_times: dict[str, ServiceTime] = Field(default_factory=dict)
    operators: list[OperatorPlan] = Field(min_length=1)
    transfers: list[TransferRule] = Field(default_factory=list)
    returns: Returns = Field(default_factory=Returns)
    # A called walk-in who has gone: the operator waits, then marks a no-show.
    walk_in_no_show: float = Field(default=0.0, ge=0, le=1)
    no_show_after_minutes: float = Field(default=2.0, ge=0, le=30)
    # From the call to the desk.
    walk_minutes: float = Field(default=0.5, ge=0, le=10)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with its office (services, operators, passwords)."""

    path: Path
    spec: ScenarioFile
    office: OfficeConfig
    office_text: str
    office_name: str

    @property
    def name(self) -> str:
        return self.spec.name or self.path.stem

    def service_time(self, service: str) -> ServiceTime:
        """The scenario's service time, else one around the office's expected minutes."""
        known = self.spec.service_times.get(service)
        if known is not None:
            return known
        expected = next((s.expected_minutes for s in self.office.services if s.id == service), 15)
        return ServiceTime(median=expected, sigma=0.4)

    def expected_minutes(self, service: str) -> float:
        return next((s.expected_minutes for s in self.office.services if s.id == service), 15.0)

    def levels(self, plan: OperatorPlan) -> dict[str, int]:
        if plan.services is not None:
            return dict(plan.services)
        operator = next(o for o in self.office.operators if o.login == plan.login)
        return dict(operator.services)

    def shift(self, plan: OperatorPlan) -> tuple[int, int]:
        return plan.shift or (self.spec.day.start, self.spec.day.end)

    def kiosk_token(self) -> str | None:
        """The office's first kiosk with a token in the file (None: the simulator adds one)."""
        return next((d.token for d in self.office.devices if d.kind == "kiosk" and d.token), None)


def load_scenario(path: Path) -> Scenario:
    """Parse and check `path` against its office; raises ScenarioError naming file:line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_scenario(text, path)


def parse_scenario(text: str, path: Path) -> Scenario:
    name = str(path)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ScenarioError(f"{name}{line}: YAML syntax error: {exc.problem}") from None
    if not isinstance(data, dict) or node is None:
        raise ScenarioError(f"{name}:1: expected a mapping with the scenario's settings")
    try:
        spec = ScenarioFile.model_validate(data)
    except ValidationError as exc:
        problems = [
            (tuple(e["loc"]), str(e["msg"]).removeprefix("Value error, "))
            for e in exc.errors(include_url=False)
        ]
        raise ScenarioError(_describe(node, name, problems)) from None
    office_text, office_name = _office_source(spec.office, path, node, name)
    try:
        office = parse_config(office_text, office_name)
    except ConfigError as exc:
        raise ScenarioError(f"{name}:{line_of(node, ('office',))}: office: {exc}") from None
    problems = _check_against_office(spec, office)
    if problems:
        raise ScenarioError(_describe(node, name, problems))
    return Scenario(path, spec, office, office_text, office_name)


def _office_source(office: str, path: Path, node: yaml.Node, name: str) -> tuple[str, str]:
    if office == DEMO_OFFICE:
        source = resources.files("queue_server").joinpath("demo_office.yaml")
        return source.read_text("utf-8"), "demo_office.yaml"
    office_path = (path.parent / office).resolve()
    try:
        return office_path.read_text(encoding="utf-8"), str(office_path)
    except OSError as exc:
        raise ScenarioError(
            f"{name}:{line_of(node, ('office',))}: office: cannot read {office_path}: "
            f"{exc.strerror} (give `demo` or an office YAML path relative to the scenario)"
        ) from None


Problem = tuple[tuple[Any, ...], str]


def _check_against_office(spec: ScenarioFile, office: OfficeConfig) -> list[Problem]:
    """Everything that names the office's services or operators, and times outside the day."""
    services = {s.id for s in office.services}
    operators = {o.login: o for o in office.operators}
    workplaces = {w.id for w in office.workplaces}
    known = ", ".join(sorted(services))
    problems: list[Problem] = []

    def service(loc: tuple[Any, ...], service_id: str) -> None:
        if service_id not in services:
            problems.append(
                (loc, f"the office {office.id} has no service {service_id!r} (it has: {known})")
            )

    day = spec.day
    if day.end <= day.start:
        problems.append((("day", "end"), "the day ends before it starts"))
    for key in spec.arrivals.mix:
        service(("arrivals", "mix", key), key)
    for key in spec.appointments.services:
        service(("appointments", "services", key), key)
    if spec.appointments.services == {} and _rates_positive(spec.appointments):
        problems.append((("appointments", "services"), "appointments need their service mix"))
    for key in spec.service_times:
        service(("service_times", key), key)
    for index, rule in enumerate(spec.transfers):
        service(("transfers", index, "from"), rule.from_service)
        service(("transfers", index, "to"), rule.to_service)
    seen: set[str] = set()
    used_workplaces: dict[str, list[tuple[int, int]]] = {}
    for index, plan in enumerate(spec.operators):
        loc = ("operators", index)
        if plan.login not in operators:
            problems.append(
                (
                    (*loc, "login"),
                    f"unknown operator {plan.login!r}: the office {office.id} has "
                    f"{', '.join(sorted(operators)) or 'no operators'}",
                )
            )
        if plan.login in seen:
            problems.append(((*loc, "login"), f"operator {plan.login!r} is listed twice"))
        seen.add(plan.login)
        if plan.workplace is not None:
            if plan.workplace not in workplaces:
                problems.append(((*loc, "workplace"), f"unknown workplace {plan.workplace!r}"))
            shift = plan.shift or (day.start, day.end)
            taken = used_workplaces.setdefault(plan.workplace, [])
            if any(shift[0] < end and start < shift[1] for start, end in taken):
                problems.append(
                    (
                        (*loc, "workplace"),
                        f"workplace {plan.workplace!r} is another operator's in this shift",
                    )
                )
            taken.append(shift)
        for key in plan.services or {}:
            service((*loc, "services", key), key)
        if plan.shift is not None and (plan.shift[0] < day.start or plan.shift[1] > day.end):
            problems.append(
                (
                    (*loc, "shift"),
                    f"the shift {hhmm(plan.shift[0])}-{hhmm(plan.shift[1])} is outside the day "
                    f"{hhmm(day.start)}-{hhmm(day.end)}",
                )
            )
        start, end = plan.shift or (day.start, day.end)
        for number, (b_start, b_end) in enumerate(plan.breaks):
            if b_start < start or b_end > end:
                problems.append(
                    ((*loc, "breaks", number), "the break is outside the operator's shift")
                )
    without_workplace = [p for p in spec.operators if p.workplace is None]
    if len(without_workplace) > len(workplaces - set(used_workplaces)):
        problems.append(
            (("operators",), f"more operators than the office's {len(workplaces)} workplaces")
        )
    for moment, _rate in _profile_keys(spec.arrivals):
        if not day.start <= clock_minutes(moment) < day.end:
            problems.append(
                (("arrivals", "per_hour", str(moment)), "this time is outside the day's hours")
            )
    return problems


def _profile_keys(profile: Profile) -> list[tuple[str | int, float]]:
    return list(profile.per_hour.items()) if isinstance(profile.per_hour, dict) else []


def _rates_positive(profile: Profile) -> bool:
    if isinstance(profile.per_hour, dict):
        return any(rate > 0 for rate in profile.per_hour.values())
    return profile.per_hour > 0


def _describe(node: yaml.Node, name: str, problems: list[Problem]) -> str:
    lines = []
    for loc, message in problems:
        where = ".".join(str(p) for p in loc) or "(top)"
        lines.append(f"{name}:{line_of(node, loc)}: {where}: {message}")
    return "\n".join(lines)
