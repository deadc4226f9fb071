"""A small test office (3 services, 3 operators with different levels) and a database for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from queue_server.service.auth import Auth
from queue_server.service.bus import QueueService
from queue_server.service.config import apply_config, parse_config
from queue_server.service.queries import QueueQueries
from queue_server.storage.db import make_engine, migrate, sqlite_url

OFFICE = "test"

OFFICE_YAML = """
id: test
name: {ru: "Тестовый ЦЗН", en: "Test centre"}
timezone: Europe/Moscow
services:
  - {id: reg, prefix: А, name: {ru: "Регистрация", en: "Registration"},
     expected_minutes: 10, max_wait_minutes: 15}
  - {id: vac, prefix: В, name: {ru: "Вакансии", en: "Vacancies"},
     expected_minutes: 5, max_wait_minutes: 15}
  - {id: ben, prefix: Б, name: {ru: "Пособие", en: "Benefit"},
     expected_minutes: 15, max_wait_minutes: 15, daily_limit: 500}
workplaces:
  - {id: "1", name: {ru: "Окно 1", en: "Window 1"}}
  - {id: "2", name: {ru: "Окно 2", en: "Window 2"}}
  - {id: "3", name: {ru: "Кабинет 3", en: "Room 3"}, kind: room}
operators:
  - {login: alice, name: "Алиса", password: secret1, services: {reg: 1, vac: 2}}
  - {login: bob, name: "Борис", password: secret2, services: {vac: 1, reg: 2, ben: 3}}
  - {login: carol, name: "Кира", password: secret3, roles: [operator, supervisor],
     services: {ben: 1, reg: 3}}
devices:
  - {id: kiosk-1, kind: kiosk, token: kiosk-token-1}
  - {id: display-1, kind: display, token: display-token-1}
  - {id: rating-1, kind: rating, token: rating-token-1, workplace: "1"}
"""

KIOSK_TOKEN = "kiosk-token-1"
DISPLAY_TOKEN = "display-token-1"
PASSWORDS = {"alice": "secret1", "bob": "secret2", "carol": "secret3"}
WORKPLACES = {"alice": "1", "bob": "2", "carol": "3"}


@dataclass
class FakeClock:
    """A clock the test moves by hand."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 10, 7, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float = 0, seconds: float = 0) -> None:
        self.now += timedelta(minutes=minutes, seconds=seconds)


def office_engine(path: Path | str) -> Engine:
    """A migrated database (a SQLite file path or a URL) holding the test office."""
    engine = make_engine(path if isinstance(path, str) else sqlite_url(path))
    migrate(engine)
    apply_config(engine, parse_config(OFFICE_YAML, "test-office.yaml"))
    return engine


@dataclass
class Office:
    engine: Engine
    clock: FakeClock
    service: QueueService
    queries: QueueQueries
    auth: Auth


def make_office(path: Path | str, clock: FakeClock | None = None, prepared: bool = False) -> Office:
    """The test office's services on `path` (a SQLite file or URL; `prepared`: already set up)."""
    clock = clock or FakeClock()
    if prepared:
        engine = make_engine(path if isinstance(path, str) else sqlite_url(path))
    else:
        engine = office_engine(path)
    service = QueueService(engine, lambda token: f"http://test/t/{token}", clock)
    return Office(engine, clock, service, QueueQueries(engine, clock), Auth(engine, service, clock))


def without_random(value: Any) -> Any:
    """`value` (an answer or an event's data) without what is random by design: tickets' public
    tokens and the URLs that carry them."""
    if isinstance(value, dict):
        return {
            k: without_random(v)
            for k, v in value.items()
            if "token" not in k and not k.endswith("url")
        }
    if isinstance(value, list):
        return [without_random(v) for v in value]
    return value
