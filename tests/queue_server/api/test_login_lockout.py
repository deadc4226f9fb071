"""Failed logins lock one account with a doubling wait, from whatever addresses they come."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from queue_server.api.app import create_app
from queue_server.api.events import encode_row
from queue_server.api.ratelimit import AccountLocked, LoginLockout
from queue_server.bootstrap import Container
from queue_server.service.hub import EventHub
from queue_server.settings import ServerSettings
from queue_server.storage.db import sqlite_url
from tests.helpers.office import PASSWORDS, WORKPLACES, make_office


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def _locked_for(lockout: LoginLockout, login: str) -> int:
    with pytest.raises(AccountLocked) as raised:
        lockout.begin(login)
    return raised.value.retry_after


def _fail(lockout: LoginLockout, login: str) -> None:
    lockout.begin(login)  # and no success follows


def test_five_failures_lock_for_a_second_then_the_wait_doubles_up_to_15_minutes() -> None:
    """Failures 1-4 are free; the 5th locks 1 s, each further one doubles it, capped at 900 s."""
    clock = Clock()
    lockout = LoginLockout(clock=clock)
    for _ in range(5):
        _fail(lockout, "alice")
    waits = []
    for _ in range(12):
        waits.append(_locked_for(lockout, "alice"))
        clock.now += waits[-1]
        _fail(lockout, "alice")
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]


def test_a_success_clears_the_failures() -> None:
    """After a right password the next wrong ones start counting from zero again."""
    clock = Clock()
    lockout = LoginLockout(clock=clock)
    for _ in range(4):
        _fail(lockout, "alice")
    with lockout.attempt("alice"):
        pass
    for _ in range(4):
        _fail(lockout, "alice")
    with lockout.attempt("alice"):  # not locked: only 4 failures since the success
        pass


def test_an_error_inside_the_attempt_counts_as_a_failure() -> None:
    """A wrong password (any exception) leaves the attempt counted; the lock message is ru/en."""
    lockout = LoginLockout(clock=Clock())
    for _ in range(5):
        with pytest.raises(ValueError), lockout.attempt("alice"):
            raise ValueError("wrong password")
    with pytest.raises(AccountLocked) as raised:
        lockout.begin("alice")
    assert raised.value.code == "account_locked" and raised.value.status == 429
    assert "повторите через 1 с" in raised.value.ru and "try again in 1 s" in raised.value.en


def test_simultaneous_attempts_are_counted_before_they_finish() -> None:
    """Five attempts in flight lock the login: a sixth started meanwhile is refused."""
    lockout = LoginLockout(clock=Clock())
    for _ in range(5):
        lockout.begin("alice")
    assert _locked_for(lockout, "alice") == 1


def test_each_login_is_locked_on_its_own_and_failures_are_forgotten_after_an_hour() -> None:
    """Bob is not locked by Alice's failures; an hour without failures forgets them."""
    clock = Clock()
    lockout = LoginLockout(clock=clock)
    for _ in range(5):
        _fail(lockout, "alice")
    lockout.begin("bob")
    clock.now += 3600.0
    for _ in range(4):
        _fail(lockout, "alice")
    lockout.begin("alice")  # the 5th failure since the hour: allowed, it locks only afterwards


@dataclass
class App:
    app: FastAPI
    clock: Clock

    def client(self, address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://okno")


@pytest_asyncio.fixture
async def served(tmp_path: Path) -> AsyncIterator[App]:
    office = make_office(tmp_path / "okno.db")
    settings = ServerSettings(
        database_url=sqlite_url(tmp_path / "okno.db"), public_url="http://okno.test"
    )
    container = Container(
        settings, office.engine, office.service, office.queries, office.auth, EventHub(encode_row)
    )
    app = create_app(container)
    clock = Clock()
    app.state.login_lockout = LoginLockout(clock=clock)
    yield App(app, clock)
    office.engine.dispose()


async def _login(served: App, address: str, login: str, password: str) -> httpx.Response:
    async with served.client(address) as client:
        return await client.post(
            "/api/v1/auth/login",
            json={"login": login, "password": password, "workplace": WORKPLACES[login]},
        )


@pytest.mark.integration
@pytest.mark.asyncio
async def test_guessing_one_password_from_many_addresses_is_locked(served: App) -> None:
    """5 wrong passwords from 5 addresses: a 6th address, even with the right one, gets 429."""
    for i in range(5):
        wrong = await _login(served, f"198.51.100.{i}", "alice", f"guess-{i}")
        assert wrong.status_code == 401
    locked = await _login(served, "203.0.113.7", "alice", PASSWORDS["alice"])
    assert locked.status_code == 429, locked.text
    assert locked.json()["code"] == "account_locked" and locked.headers["retry-after"] == "1"
    assert "неудачных попыток" in locked.json()["detail"]
    other = await _login(served, "198.51.100.1", "bob", PASSWORDS["bob"])
    assert other.status_code == 200  # another account is not locked
    served.clock.now += 1.0
    right = await _login(served, "203.0.113.7", "alice", PASSWORDS["alice"])
    assert right.status_code == 200, right.text
