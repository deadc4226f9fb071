"""Fixtures of the API tests: the app in-process (ASGI) on the test office, helpers to log in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest_asyncio

from queue_server.api.app import create_app
from queue_server.bootstrap import Container
from queue_server.service.hub import EventHub
from queue_server.settings import ServerSettings
from queue_server.storage.db import sqlite_url
from tests.helpers.office import KIOSK_TOKEN, PASSWORDS, WORKPLACES, Office, make_office


@pytest_asyncio.fixture
async def api(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Office]]:
    from queue_server.api.events import encode_row

    office = make_office(tmp_path / "okno.db")
    # Public routes refill so slowly that the limit tests do not depend on how fast the machine is.
    settings = ServerSettings(
        database_url=sqlite_url(tmp_path / "okno.db"),
        public_url="http://okno.test",
        public_rate_per_minute=0.001,
    )
    container = Container(
        settings, office.engine, office.service, office.queries, office.auth, EventHub(encode_row)
    )
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://okno") as client:
        yield client, office
    office.engine.dispose()


async def login(client: httpx.AsyncClient, op: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/login",
        json={"login": op, "password": PASSWORDS[op], "workplace": WORKPLACES[op]},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


KIOSK = {"Authorization": f"Bearer {KIOSK_TOKEN}"}
