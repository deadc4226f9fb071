"""Administrator's changes outside the office file: operators, passwords, device tokens.

Each change that the servers keep in memory (operators and their services, device tokens)
appends an event, as every change to an office must, so running servers reload what they cached
of the office (and end the connections of a replaced device token).
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy import Engine

from queue_protocol.events import EventType
from queue_protocol.payloads import ConfigChanged
from queue_server.service.auth import hash_password, new_token, token_hash
from queue_server.service.config import ConfigError, OperatorConfig, upsert_operator
from queue_server.storage.accounts import Accounts
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
        accounts = Accounts(conn)
        if not accounts.office_exists(office):
            raise ConfigError(f"unknown office {office!r}")
        if accounts.operator(login) is not None:
            raise ConfigError(f"operator {login!r} exists already; use `okno operator passwd`")
        unknown = sorted(set(levels) - accounts.service_ids(office))
        if unknown:
            raise ConfigError(f"unknown services: {', '.join(unknown)}")
        upsert_operator(accounts, office, operator)
        Repository(conn).append_events(
            office,
            [(EventType.CONFIG_CHANGED.value, ConfigChanged(operators=[login]).to_json())],
            datetime.now(UTC),
        )


def set_password(engine: Engine, login: str, password: str) -> None:
    """Replace an operator's password; raises ConfigError for an unknown login."""
    _check_password(password)
    with engine.begin() as conn:
        if Accounts(conn).update_operator(login, password_hash=hash_password(password)) == 0:
            raise ConfigError(f"unknown operator {login!r}")


def issue_device_token(
    engine: Engine, device: str, office: str, kind: str, workplace: str | None
) -> tuple[str, bool]:
    """A new token for `device` (created if new): (token, created). Only its hash is stored."""
    token = new_token()
    with engine.begin() as conn:
        accounts = Accounts(conn)
        if not accounts.office_exists(office):
            raise ConfigError(f"unknown office {office!r}")
        row = accounts.device(device)
        if row is not None and (row.office, row.kind) != (office, kind):
            raise ConfigError(f"device {device!r} exists already as a {row.kind} of {row.office}")
        if row is None:
            accounts.insert_device(
                device,
                office=office,
                kind=kind,
                workplace=workplace,
                token_hash=token_hash(token),
                settings={},
            )
            return token, True
        # Configured from the office file, or a token to replace; registering a device the
        # office file had deactivated is the administrator's choice to bring it back.
        values: dict[str, object] = {"token_hash": token_hash(token), "active": True}
        if workplace:
            values["workplace"] = workplace
        accounts.update_device(device, **values)
        # Running servers drop the old token from their memory and close its connections.
        Repository(conn).append_events(
            office,
            [(EventType.CONFIG_CHANGED.value, ConfigChanged(devices=[device]).to_json())],
            datetime.now(UTC),
        )
        return token, False
