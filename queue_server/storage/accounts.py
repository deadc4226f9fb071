"""Who may call the server, as stored: operators' accounts, login sessions and device tokens.

Each method runs inside the caller's transaction (`Accounts(connection)`); rows in, small frozen
records out. Token hashes only: a token itself is never stored.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from queue_server.storage import tables as t

# Hashes per `IN (…)`: well under every backend's limit of bound parameters.
_CHUNK = 500


@dataclass(frozen=True)
class AccountRow:
    """An operator's account: what login and token checks need."""

    id: str
    office: str
    name: str
    password_hash: str
    roles: tuple[str, ...]
    active: bool
    state: str
    workplace: str | None
    current_ticket: int | None


@dataclass(frozen=True)
class SessionRow:
    """A login session (an operator's token), joined with its operator's roles and activity."""

    token_hash: str
    operator: str
    office: str
    workplace: str
    expires_at: datetime
    roles: tuple[str, ...]
    active: bool


@dataclass(frozen=True)
class DeviceRow:
    id: str
    office: str
    kind: str
    workplace: str | None
    token_hash: str
    active: bool


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    items = sorted(set(values))
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _account(row: Any) -> AccountRow:
    return AccountRow(
        row.id,
        row.office,
        row.name,
        row.password_hash,
        tuple(row.roles),
        row.active,
        row.state,
        row.workplace,
        row.current_ticket,
    )


def _device(row: Any) -> DeviceRow:
    return DeviceRow(row.id, row.office, row.kind, row.workplace, row.token_hash, row.active)


class Accounts:
    """Operators, sessions and devices seen from one connection."""

    def __init__(self, connection: Connection) -> None:
        self.conn = connection

    # -- offices and services (what an account refers to) ------------------------------------

    def office_exists(self, office: str) -> bool:
        return (
            self.conn.execute(select(t.offices.c.id).where(t.offices.c.id == office)).first()
            is not None
        )

    def service_ids(self, office: str) -> set[str]:
        return set(
            self.conn.execute(
                select(t.services.c.id).where(t.services.c.office == office)
            ).scalars()
        )

    # -- operators ---------------------------------------------------------------------------

    def operator(self, login: str) -> AccountRow | None:
        row = self.conn.execute(select(t.operators).where(t.operators.c.id == login)).first()
        return None if row is None else _account(row)

    def operators_of(self, office: str) -> list[AccountRow]:
        rows = self.conn.execute(
            select(t.operators).where(t.operators.c.office == office).order_by(t.operators.c.id)
        )
        return [_account(row) for row in rows]

    def operators_by_id(self, logins: Collection[str]) -> dict[str, AccountRow]:
        found: dict[str, AccountRow] = {}
        for chunk in _chunks(logins):
            for row in self.conn.execute(select(t.operators).where(t.operators.c.id.in_(chunk))):
                found[row.id] = _account(row)
        return found

    def insert_operator(self, login: str, office: str, **values: Any) -> None:
        self.conn.execute(
            insert(t.operators).values(id=login, office=office, state="offline", **values)
        )

    def update_operator(self, login: str, **values: Any) -> int:
        """Change an operator's row; returns how many rows changed (0: unknown login)."""
        result = self.conn.execute(
            update(t.operators).where(t.operators.c.id == login).values(**values)
        )
        return int(result.rowcount)

    def set_levels(self, login: str, levels: dict[str, int]) -> None:
        """Replace the services an operator serves and the level of each."""
        self.conn.execute(
            delete(t.operator_services).where(t.operator_services.c.operator == login)
        )
        for service, level in levels.items():
            self.conn.execute(
                insert(t.operator_services).values(operator=login, service=service, level=level)
            )

    # -- sessions ----------------------------------------------------------------------------

    def session(self, token_hash: str) -> SessionRow | None:
        row = self.conn.execute(
            select(t.sessions, t.operators.c.roles, t.operators.c.active)
            .join(t.operators, t.operators.c.id == t.sessions.c.operator)
            .where(t.sessions.c.token_hash == token_hash)
        ).first()
        if row is None:
            return None
        return SessionRow(
            row.token_hash,
            row.operator,
            row.office,
            row.workplace,
            row.expires_at,
            tuple(row.roles),
            row.active,
        )

    def sessions_of(self, logins: Collection[str]) -> dict[str, tuple[str, datetime]]:
        """token hash → (operator, expiry) of every stored session of these operators."""
        found: dict[str, tuple[str, datetime]] = {}
        for chunk in _chunks(logins):
            rows = self.conn.execute(
                select(
                    t.sessions.c.token_hash, t.sessions.c.operator, t.sessions.c.expires_at
                ).where(t.sessions.c.operator.in_(chunk))
            )
            found.update({row.token_hash: (row.operator, row.expires_at) for row in rows})
        return found

    def delete_session(self, token_hash: str) -> None:
        self.conn.execute(delete(t.sessions).where(t.sessions.c.token_hash == token_hash))

    def delete_sessions_of(self, login: str, keep: str | None = None) -> list[str]:
        """End every session of `login` but `keep`; returns the token hashes ended."""
        condition = t.sessions.c.operator == login
        if keep is not None:
            condition = condition & (t.sessions.c.token_hash != keep)
        ended = list(self.conn.execute(select(t.sessions.c.token_hash).where(condition)).scalars())
        if ended:
            self.conn.execute(delete(t.sessions).where(condition))
        return ended

    # -- devices -----------------------------------------------------------------------------

    def device(self, device: str) -> DeviceRow | None:
        row = self.conn.execute(select(t.devices).where(t.devices.c.id == device)).first()
        return None if row is None else _device(row)

    def device_by_token(self, token_hash: str) -> DeviceRow | None:
        row = self.conn.execute(
            select(t.devices).where(t.devices.c.token_hash == token_hash)
        ).first()
        return None if row is None else _device(row)

    def devices_of(self, office: str) -> list[DeviceRow]:
        rows = self.conn.execute(
            select(t.devices).where(t.devices.c.office == office).order_by(t.devices.c.id)
        )
        return [_device(row) for row in rows]

    def devices_by_id(self, devices: Collection[str]) -> dict[str, DeviceRow]:
        found: dict[str, DeviceRow] = {}
        for chunk in _chunks(devices):
            for row in self.conn.execute(select(t.devices).where(t.devices.c.id.in_(chunk))):
                found[row.id] = _device(row)
        return found

    def insert_device(self, device: str, **values: Any) -> None:
        self.conn.execute(insert(t.devices).values(id=device, **values))

    def update_device(self, device: str, **values: Any) -> None:
        self.conn.execute(update(t.devices).where(t.devices.c.id == device).values(**values))
