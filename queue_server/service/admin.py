"""Administrator's changes outside the office file: operators, passwords, device tokens.

Each change that the servers keep in memory (operators and their services) appends an event,
as every change to an office must, so running servers reload what they cached of the office.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy import Engine, insert, select, update

from queue_protocol.events import EventType
from queue_server.service.auth import hash_password, new_token, token_hash
from queue_server.service.config import ConfigError, OperatorConfig, upsert_operator
from queue_server.storage import tables as t
from queue_server.storage.repository import Repository

MIN_PASSWORD = 4


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"the password must have at least {MIN_PASSWORD} characters")


def add_operator(
    engine: Engine,
    office: str,
    login: str,
    name: str,
    password: str,
    roles: list[str],
    levels: dict[str, int],
) -> None:
    """Create an operator of `office`; raises ConfigError saying what is wrong."""
    _check_password(password)
    try:
        operator = OperatorConfig.model_validate(
            {"login": login, "name": name, "password": password, "roles": roles, "services": levels}
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(problems) from None
    with engine.begin() as conn:
        if conn.execute(select(t.offices.c.id).where(t.offices.c.id == office)).first() is None:
            raise ConfigError(f"unknown office {office!r}")
        if conn.execute(select(t.operators.c.id).where(t.operators.c.id == login)).first():
            raise ConfigError(f"operator {login!r} exists already; use `okno operator passwd`")
        known = set(
            conn.execute(select(t.services.c.id).where(t.services.c.office == office)).scalars()
        )
        unknown = sorted(set(levels) - known)
        if unknown:
            raise ConfigError(f"unknown services: {', '.join(unknown)}")
        upsert_operator(conn, office, operator)
        Repository(conn).append_events(
            office,
            [(EventType.CONFIG_CHANGED.value, {"operators": [login]})],
            datetime.now(UTC),
        )


def set_password(engine: Engine, login: str, password: str) -> None:
    """Replace an operator's password; raises ConfigError for an unknown login."""
    _check_password(password)
    with engine.begin() as conn:
        result = conn.execute(
            update(t.operators)
            .where(t.operators.c.id == login)
            .values(password_hash=hash_password(password))
        )
        if result.rowcount == 0:
            raise ConfigError(f"unknown operator {login!r}")


def issue_device_token(
    engine: Engine, device: str, office: str, kind: str, workplace: str | None
) -> tuple[str, bool]:
    """A new token for `device` (created if new): (token, created). Only its hash is stored."""
    token = new_token()
    with engine.begin() as conn:
        if conn.execute(select(t.offices.c.id).where(t.offices.c.id == office)).first() is None:
            raise ConfigError(f"unknown office {office!r}")
        row = conn.execute(select(t.devices).where(t.devices.c.id == device)).first()
        if row is not None and (row.office, row.kind) != (office, kind):
            raise ConfigError(f"device {device!r} exists already as a {row.kind} of {row.office}")
        if row is None:
            conn.execute(
                insert(t.devices).values(
                    id=device,
                    office=office,
                    kind=kind,
                    workplace=workplace,
                    token_hash=token_hash(token),
                    settings={},
                )
            )
            return token, True
        # Configured from the office file, or a token to replace.
        values = {"token_hash": token_hash(token)}
        if workplace:
            values["workplace"] = workplace
        conn.execute(update(t.devices).where(t.devices.c.id == device).values(**values))
        return token, False
