"""The office configuration file (YAML): its schema, errors that name the line, and applying it.

Applying is an upsert of the whole office in one transaction: services, the kiosk menu tree,
workplaces, operators with their service levels, and devices. A service missing from the file
is deactivated (its tickets keep their history); operators keep their password unless the file
gives one. The file is the whole list of the office's people and devices: an operator or device
left out of it is deactivated, never deleted (history keeps its name), and its sessions and
tokens are refused at once; a server running the office hears it through `config.changed`.
An operator or device of another office is refused, never moved.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import Engine

from queue_protocol.enums import OperatorState
from queue_protocol.events import EventType
from queue_protocol.payloads import ConfigChanged, OperatorStatus
from queue_server.domain.hours import breaks_by_days, parse_hours
from queue_server.domain.slots import parse_schedule
from queue_server.service.auth import PasswordHashing, hash_password, token_hash
from queue_server.storage.accounts import Accounts
from queue_server.storage.bookings import BookingStore
from queue_server.storage.configuration import Configuration
from queue_server.storage.repository import Repository

NO_PASSWORD = "!"  # never a valid argon2 hash: login is refused


class ConfigError(ValueError):
    """The file cannot be applied; the message names the file and line."""


Role = Literal["operator", "supervisor", "admin"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Text(_Strict):
    ru: str = Field(min_length=1)
    en: str = ""


class CategoryConfig(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: Text
    parent: str | None = None


class ServiceBookingConfig(_Strict):
    """A bookable service's `booking:` section: the weekly schedule of slots and their limits."""

    schedule: dict[str, str | list[str]] = Field(
        description='weekdays -> ranges, e.g. {"mon-fri": "09:00-13:00, 14:00-18:00"}'
    )
    slot_minutes: int = Field(default=30, ge=5, le=480)
    capacity: int = Field(default=1, ge=1, le=100)
    horizon_days: int = Field(default=30, ge=1, le=366)
    lead_minutes: int = Field(default=60, ge=0, le=10080)
    daily_limit: int | None = Field(default=None, ge=1)

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        if not parse_schedule(value):
            raise ValueError("the schedule opens on no day")
        return value


class CheckInConfig(_Strict):
    """When a booked visitor may check in: from `early_minutes` before the slot to
    `late_minutes` after it; later, `late_policy`."""

    early_minutes: int = Field(default=30, ge=0, le=240)
    late_minutes: int = Field(default=10, ge=0, le=240)
    late_policy: Literal["walk_in", "refuse"] = "walk_in"


class OfficeBookingConfig(_Strict):
    """The office's `booking:` section: closed dates, the check-in window, the purge delay."""

    holidays: list[date] = Field(default_factory=list)
    check_in: CheckInConfig = Field(default_factory=CheckInConfig)
    purge_days: int = Field(default=30, ge=1, le=3650)


class ServiceConfig(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
    prefix: str = Field(min_length=1, max_length=2)
    name: Text
    category: str | None = None
    description: Text | None = None
    documents: list[Text] = Field(default_factory=list)
    expected_minutes: float = Field(default=15, gt=0, le=480)
    max_wait_minutes: float = Field(default=15, gt=0, le=480)
    daily_limit: int | None = Field(default=None, ge=1)
    hours: dict[str, str] | None = None
    kiosk: bool = True
    booking: ServiceBookingConfig | None = None

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is not None:
            parse_hours(value)
        return value

    @field_validator("prefix")
    @classmethod
    def _letters(cls, value: str) -> str:
        if not re.fullmatch(r"[A-ZА-ЯЁ]{1,2}", value):
            raise ValueError("prefix must be one or two capital letters, e.g. А")
        return value


class WorkplaceConfig(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$", max_length=64)
    name: Text
    kind: Literal["window", "room"] = "window"


class OperatorConfig(_Strict):
    login: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)
    name: str = Field(min_length=1)
    password: str | None = Field(default=None, min_length=4)
    roles: list[Role] = Field(default_factory=lambda: list[Role](["operator"]))
    services: dict[str, int] = Field(default_factory=dict)
    # Planned breaks the wait estimate counts on: "13:00-13:45" every day, several ranges
    # separated by commas, or by days like the services' hours ({"mon-fri": "13:00-13:45"}).
    breaks: str | dict[str, str] | None = None
    # Working hours, written the same way ("10:00-18:00" every day, or by days): an operator
    # not signed in yet whose shift starts later today is expected at its start.
    shift: str | dict[str, str] | None = None

    @field_validator("services")
    @classmethod
    def _levels(cls, value: dict[str, int]) -> dict[str, int]:
        for service, level in value.items():
            if not 1 <= level <= 9:
                raise ValueError(f"level of {service} must be 1…9")
        return value

    @field_validator("breaks", "shift")
    @classmethod
    def _weekly(cls, value: str | dict[str, str] | None) -> dict[str, str] | None:
        """Kept by days ({"mon-sun": …} for a plain string), checked as the hours are."""
        if value is None:
            return None
        week = breaks_by_days(value)
        parse_hours(week)
        return week


class DeviceConfig(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$", max_length=64)
    kind: Literal["kiosk", "display", "rating"]
    token: str | None = Field(default=None, min_length=8)
    workplace: str | None = None
    printer: dict[str, Any] | None = None
    speech: dict[str, Any] | None = None


class OfficeConfig(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
    name: Text
    timezone: str = "Europe/Moscow"
    address: str = ""
    categories: list[CategoryConfig] = Field(default_factory=list)
    services: list[ServiceConfig] = Field(min_length=1)
    workplaces: list[WorkplaceConfig] = Field(default_factory=list)
    operators: list[OperatorConfig] = Field(default_factory=list)
    devices: list[DeviceConfig] = Field(default_factory=list)
    booking: OfficeBookingConfig = Field(default_factory=OfficeBookingConfig)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _references(self) -> OfficeConfig:
        categories = {c.id for c in self.categories}
        service_ids = [s.id for s in self.services]
        workplaces = {w.id for w in self.workplaces}
        _unique("services", service_ids)
        _unique("service prefixes", [s.prefix for s in self.services])
        _unique("workplaces", [w.id for w in self.workplaces])
        _unique("operators", [o.login for o in self.operators])
        _unique("devices", [d.id for d in self.devices])
        for category in self.categories:
            if category.parent is not None and category.parent not in categories:
                raise ValueError(f"category {category.id}: unknown parent {category.parent!r}")
        for service in self.services:
            if service.category is not None and service.category not in categories:
                raise ValueError(f"service {service.id}: unknown category {service.category!r}")
        for operator in self.operators:
            for service_id in operator.services:
                if service_id not in service_ids:
                    raise ValueError(f"operator {operator.login}: unknown service {service_id!r}")
        for device in self.devices:
            if device.workplace is not None and device.workplace not in workplaces:
                raise ValueError(f"device {device.id}: unknown workplace {device.workplace!r}")
        return self


def _unique(what: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what}: {value!r}")
        seen.add(value)


# -- loading with line numbers -----------------------------------------------------------------


# Checks a device's `printer:` and `speech:` sections: (location in the device, message) pairs.
# The hardware package knows them; the composition root (`okno` command) passes its checker.
DeviceCheck = Callable[
    [dict[str, Any] | None, dict[str, Any] | None], list[tuple[tuple[str | int, ...], str]]
]


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text: the schema parses them, so a bad date such as
    2026-13-01 is reported with its line instead of crashing the YAML constructor."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_config(path: Path, check_device: DeviceCheck | None = None) -> OfficeConfig:
    """Parse and validate `path`; raises ConfigError naming the file and line of the fault."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_config(text, str(path), check_device)


def parse_config(
    text: str, name: str = "<config>", check_device: DeviceCheck | None = None
) -> OfficeConfig:
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader: no arbitrary objects
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{name}{line}: YAML syntax error: {exc.problem}") from None
    if not isinstance(data, dict) or node is None:
        raise ConfigError(f"{name}:1: expected a mapping with the office's settings")
    try:
        config = OfficeConfig.model_validate(data)
    except ValidationError as exc:
        problems = [(tuple(e["loc"]), str(e["msg"])) for e in exc.errors(include_url=False)]
        raise ConfigError(_describe(node, name, problems)) from None
    if check_device is not None:
        problems = [
            (("devices", index, *loc), message)
            for index, device in enumerate(config.devices)
            for loc, message in check_device(device.printer, device.speech)
        ]
        if problems:
            raise ConfigError(_describe(node, name, problems))
    return config


def _describe(node: yaml.Node, name: str, problems: list[tuple[tuple[Any, ...], str]]) -> str:
    """`file:line: where: what` for each problem."""
    lines = []
    for loc, message in problems:
        where = ".".join(str(p) for p in loc) or "(top)"
        lines.append(f"{name}:{line_of(node, loc)}: {where}: {message}")
    return "\n".join(lines)


def line_of(node: yaml.Node, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the deepest YAML node along `loc` that exists."""
    line = node.start_mark.line + 1
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    child = value
                    line = key.start_mark.line + 1
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


# -- applying ----------------------------------------------------------------------------------


def apply_config(
    engine: Engine, config: OfficeConfig, *, hash_password: PasswordHashing = hash_password
) -> dict[str, int]:
    """Write `config` into the database in one transaction; returns counts of what it holds.

    `hash_password` makes the operators' password hashes (the default is the real one).
    """
    now = datetime.now(UTC)
    with engine.begin() as conn:
        store = Configuration(conn)
        store.upsert_office(
            config.id,
            now,
            name=config.name.model_dump(),
            timezone=config.timezone,
            address=config.address,
        )
        store.replace_categories(
            config.id,
            [
                {"id": c.id, "name": c.name.model_dump(), "parent": c.parent}
                for c in config.categories
            ],
        )
        store.replace_services(
            config.id,
            [
                {
                    "id": service.id,
                    "prefix": service.prefix,
                    "name": service.name.model_dump(),
                    "category": service.category,
                    "description": (
                        service.description.model_dump() if service.description else None
                    ),
                    "documents": [d.model_dump() for d in service.documents],
                    "expected_minutes": service.expected_minutes,
                    "max_wait_minutes": service.max_wait_minutes,
                    "daily_limit": service.daily_limit,
                    "hours": service.hours,
                    "kiosk": service.kiosk,
                    "booking": (
                        service.booking.model_dump(mode="json") if service.booking else None
                    ),
                }
                for service in config.services
            ],
        )
        BookingStore(conn).store_office_settings(config.id, config.booking.model_dump(mode="json"))
        store.upsert_workplaces(
            config.id,
            [{"id": w.id, "name": w.name.model_dump(), "kind": w.kind} for w in config.workplaces],
        )
        accounts = Accounts(conn)
        repository = Repository(conn)
        for operator in config.operators:
            upsert_operator(accounts, config.id, operator, hash_password)
        for device in config.devices:
            _upsert_device(accounts, config.id, device)
        gone, signed_out = _deactivate_operators(accounts, repository, config)
        gone_devices = _deactivate_devices(accounts, config)
        events: list[tuple[str, dict[str, Any]]] = [
            (EventType.OPERATOR_STATUS.value, status.to_json()) for status in signed_out
        ]
        # Clients reload the configuration, and servers drop what they cached of the office and
        # re-check the credentials of their open connections (a deactivated account's end).
        events.append(
            (
                EventType.CONFIG_CHANGED.value,
                ConfigChanged(
                    services=[s.id for s in config.services],
                    workplaces=[w.id for w in config.workplaces],
                    operators=[o.login for o in config.operators] + gone,
                    devices=[d.id for d in config.devices] + gone_devices,
                ).to_json(),
            )
        )
        repository.append_events(config.id, events, now)
    return {
        "services": len(config.services),
        "workplaces": len(config.workplaces),
        "operators": len(config.operators),
        "devices": len(config.devices),
        "operators_deactivated": len(gone),
        "devices_deactivated": len(gone_devices),
    }


def _deactivate_operators(
    accounts: Accounts, repository: Repository, config: OfficeConfig
) -> tuple[list[str], list[OperatorStatus]]:
    """Deactivate the office's operators left out of the file: they go offline and their
    sessions end. Returns their logins and the status events of those who were signed in.

    Refused (ConfigError) while such an operator has a visitor at the desk: the ticket would be
    stranded with nobody able to finish it.
    """
    listed = {o.login for o in config.operators}
    gone: list[str] = []
    signed_out: list[OperatorStatus] = []
    for row in accounts.operators_of(config.id):
        if not row.active or row.id in listed:
            continue
        if row.current_ticket is not None:
            ticket = repository.ticket(config.id, row.current_ticket)
            number = ticket.number if ticket is not None else str(row.current_ticket)
            raise ConfigError(
                f"operator {row.id} is left out of the file but has ticket {number} at "
                f"workplace {row.workplace}: finish or return it first, or keep {row.id} in "
                "the file; nothing was changed"
            )
        accounts.update_operator(
            row.id,
            active=False,
            state=OperatorState.OFFLINE.value,
            workplace=None,
            pause_reason=None,
            busy_since=None,
        )
        accounts.delete_sessions_of(row.id)
        gone.append(row.id)
        if row.state != OperatorState.OFFLINE.value:
            signed_out.append(
                OperatorStatus(
                    operator=row.id, name=row.name, workplace=None, state=OperatorState.OFFLINE
                )
            )
    return gone, signed_out


def _deactivate_devices(accounts: Accounts, config: OfficeConfig) -> list[str]:
    """Deactivate the office's devices left out of the file (their tokens are refused)."""
    listed = {d.id for d in config.devices}
    gone = [row.id for row in accounts.devices_of(config.id) if row.active and row.id not in listed]
    for device in gone:
        accounts.update_device(device, active=False)
    return gone


def upsert_operator(
    accounts: Accounts,
    office: str,
    operator: OperatorConfig,
    hash_password: PasswordHashing = hash_password,
) -> None:
    """Create or update an operator and their service levels (inside the caller's transaction)."""
    row = accounts.operator(operator.login)
    if row is not None and row.office != office:
        raise ConfigError(f"operator {operator.login} already belongs to office {row.office}")
    values: dict[str, Any] = {
        "name": operator.name,
        "roles": list(operator.roles),
        "active": True,
        "breaks": operator.breaks,
        "shift": operator.shift,
    }
    if operator.password:
        values["password_hash"] = hash_password(operator.password)
    if row is None:
        # No password in the file: the account exists but cannot log in until
        # `okno operator passwd` sets one.
        values.setdefault("password_hash", NO_PASSWORD)
        accounts.insert_operator(operator.login, office, **values)
    else:
        accounts.update_operator(operator.login, **values)
    accounts.set_levels(operator.login, operator.services)


def _upsert_device(accounts: Accounts, office: str, device: DeviceConfig) -> None:
    row = accounts.device(device.id)
    if row is not None and row.office != office:
        # Moving it would hand another office's events to whoever holds its token.
        raise ConfigError(
            f"device {device.id} already belongs to office {row.office}: a device is never "
            "moved to another office; give it a new id in this file (and leave it out of "
            f"{row.office}'s file to deactivate it there); nothing was changed"
        )
    settings = {k: v for k, v in (("printer", device.printer), ("speech", device.speech)) if v}
    values: dict[str, Any] = {
        "office": office,
        "kind": device.kind,
        "workplace": device.workplace,
        "settings": settings,
        "active": True,
    }
    if device.token:
        values["token_hash"] = token_hash(device.token)
    if row is None:
        # Without a token in the file the device waits for `okno device add`, which issues one;
        # until then it holds a hash no token has.
        values.setdefault("token_hash", token_hash(secrets.token_hex(32)))
        accounts.insert_device(device.id, **values)
    else:
        accounts.update_device(device.id, **values)


def office_is_empty_or_demo(engine: Engine, office: str) -> bool:
    """True when the database holds no office but `office` (and `office` has no tickets)."""
    with engine.connect() as conn:
        return Configuration(conn).holds_only(office)
