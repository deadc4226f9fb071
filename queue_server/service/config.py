"""The office configuration file (YAML): its schema, errors that name the line, and applying it.

Applying is an upsert of the whole office in one transaction: services, the kiosk menu tree,
workplaces, operators with their service levels, and devices. A service missing from the file
is deactivated (its tickets keep their history); operators keep their password unless the file
gives one.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import Engine, delete, insert, select, update

from queue_protocol.events import EventType
from queue_server.domain.hours import parse_hours
from queue_server.service.auth import hash_password, token_hash
from queue_server.storage import tables as t
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

    @field_validator("services")
    @classmethod
    def _levels(cls, value: dict[str, int]) -> dict[str, int]:
        for service, level in value.items():
            if not 1 <= level <= 9:
                raise ValueError(f"level of {service} must be 1…9")
        return value


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
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
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
        lines.append(f"{name}:{_line_of(node, loc)}: {where}: {message}")
    return "\n".join(lines)


def _line_of(node: yaml.Node, loc: tuple[Any, ...]) -> int:
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


def apply_config(engine: Engine, config: OfficeConfig) -> dict[str, int]:
    """Write `config` into the database in one transaction; returns counts of what it holds."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        office_row = conn.execute(select(t.offices.c.id).where(t.offices.c.id == config.id)).first()
        office_values = {
            "name": config.name.model_dump(),
            "timezone": config.timezone,
            "address": config.address,
        }
        if office_row is None:
            conn.execute(
                insert(t.offices).values(
                    id=config.id, settings={}, seq=0, created_at=now, **office_values
                )
            )
        else:
            conn.execute(
                update(t.offices).where(t.offices.c.id == config.id).values(**office_values)
            )

        conn.execute(delete(t.categories).where(t.categories.c.office == config.id))
        for position, category in enumerate(config.categories):
            conn.execute(
                insert(t.categories).values(
                    office=config.id,
                    id=category.id,
                    name=category.name.model_dump(),
                    parent=category.parent,
                    position=position,
                )
            )

        conn.execute(
            update(t.services).where(t.services.c.office == config.id).values(active=False)
        )
        existing = set(
            conn.execute(select(t.services.c.id).where(t.services.c.office == config.id)).scalars()
        )
        for position, service in enumerate(config.services):
            values = {
                "prefix": service.prefix,
                "name": service.name.model_dump(),
                "category": service.category,
                "description": service.description.model_dump() if service.description else None,
                "documents": [d.model_dump() for d in service.documents],
                "expected_minutes": service.expected_minutes,
                "max_wait_minutes": service.max_wait_minutes,
                "daily_limit": service.daily_limit,
                "hours": service.hours,
                "kiosk": service.kiosk,
                "active": True,
                "position": position,
            }
            if service.id in existing:
                conn.execute(
                    update(t.services)
                    .where(t.services.c.office == config.id, t.services.c.id == service.id)
                    .values(**values)
                )
            else:
                conn.execute(insert(t.services).values(office=config.id, id=service.id, **values))

        known_workplaces = set(
            conn.execute(
                select(t.workplaces.c.id).where(t.workplaces.c.office == config.id)
            ).scalars()
        )
        for workplace in config.workplaces:
            values = {"name": workplace.name.model_dump(), "kind": workplace.kind}
            if workplace.id in known_workplaces:
                conn.execute(
                    update(t.workplaces)
                    .where(t.workplaces.c.office == config.id, t.workplaces.c.id == workplace.id)
                    .values(**values)
                )
            else:
                conn.execute(
                    insert(t.workplaces).values(office=config.id, id=workplace.id, **values)
                )

        for operator in config.operators:
            upsert_operator(conn, config.id, operator)
        for device in config.devices:
            _upsert_device(conn, config.id, device)
        # Clients reload the configuration, and servers drop what they cached of the office.
        Repository(conn).append_events(
            config.id,
            [(EventType.CONFIG_CHANGED.value, {"services": [s.id for s in config.services]})],
            now,
        )
    return {
        "services": len(config.services),
        "workplaces": len(config.workplaces),
        "operators": len(config.operators),
        "devices": len(config.devices),
    }


def upsert_operator(conn: Any, office: str, operator: OperatorConfig) -> None:
    """Create or update an operator and their service levels (inside the caller's transaction)."""
    row = conn.execute(select(t.operators).where(t.operators.c.id == operator.login)).first()
    if row is not None and row.office != office:
        raise ConfigError(f"operator {operator.login} already belongs to office {row.office}")
    values: dict[str, Any] = {"name": operator.name, "roles": list(operator.roles), "active": True}
    if operator.password:
        values["password_hash"] = hash_password(operator.password)
    if row is None:
        # No password in the file: the account exists but cannot log in until
        # `okno operator passwd` sets one.
        values.setdefault("password_hash", NO_PASSWORD)
        conn.execute(
            insert(t.operators).values(id=operator.login, office=office, state="offline", **values)
        )
    else:
        conn.execute(update(t.operators).where(t.operators.c.id == operator.login).values(**values))
    conn.execute(
        delete(t.operator_services).where(t.operator_services.c.operator == operator.login)
    )
    for service, level in operator.services.items():
        conn.execute(
            insert(t.operator_services).values(
                operator=operator.login, service=service, level=level
            )
        )


def _upsert_device(conn: Any, office: str, device: DeviceConfig) -> None:
    row = conn.execute(select(t.devices).where(t.devices.c.id == device.id)).first()
    settings = {k: v for k, v in (("printer", device.printer), ("speech", device.speech)) if v}
    values: dict[str, Any] = {
        "office": office,
        "kind": device.kind,
        "workplace": device.workplace,
        "settings": settings,
    }
    if device.token:
        values["token_hash"] = token_hash(device.token)
    if row is None:
        # Without a token in the file the device waits for `okno device add`, which issues one;
        # until then it holds a hash no token has.
        values.setdefault("token_hash", token_hash(secrets.token_hex(32)))
        conn.execute(insert(t.devices).values(id=device.id, **values))
    else:
        conn.execute(update(t.devices).where(t.devices.c.id == device.id).values(**values))


def office_is_empty_or_demo(engine: Engine, office: str) -> bool:
    """True when the database holds no office but `office` (and `office` has no tickets)."""
    with engine.connect() as conn:
        others = conn.execute(select(t.offices.c.id).where(t.offices.c.id != office)).first()
        tickets = conn.execute(select(t.tickets.c.id).where(t.tickets.c.office != office)).first()
        return others is None and tickets is None
