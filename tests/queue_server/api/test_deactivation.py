"""People and devices left out of an applied office file stop working at once; none is moved."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import select

from queue_server.api.app import create_app
from queue_server.api.app_events import catch_up
from queue_server.api.events import encode_row
from queue_server.bootstrap import Container
from queue_server.service.config import ConfigError, apply_config, parse_config
from queue_server.service.hub import EventHub
from queue_server.settings import ServerSettings
from queue_server.storage import tables as t
from queue_server.storage.db import sqlite_url
from tests.helpers.office import OFFICE_YAML, Office, make_office
from tests.queue_server.api.conftest import KIOSK, login

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

ALICE = '  - {login: alice, name: "Алиса", password: secret1, services: {reg: 1, vac: 2}}\n'
KIOSK_LINE = "  - {id: kiosk-1, kind: kiosk, token: kiosk-token-1}\n"
WITHOUT_ALICE = OFFICE_YAML.replace(ALICE, "")
WITHOUT_KIOSK = OFFICE_YAML.replace(KIOSK_LINE, "")
OTHER_OFFICE = f"""
id: other
name: {{ru: "Другой ЦЗН"}}
services:
  - {{id: reg, prefix: А, name: {{ru: "Регистрация"}}}}
devices:
{KIOSK_LINE}"""


@dataclass
class Server:
    client: httpx.AsyncClient
    office: Office
    container: Container

    async def catch_up(self) -> None:
        """What the server's half-second loop does: read the log past what it delivered."""
        await catch_up(self.container)


@pytest_asyncio.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    office = make_office(tmp_path / "okno.db")
    settings = ServerSettings(
        database_url=sqlite_url(tmp_path / "okno.db"), public_url="http://okno.test"
    )
    container = Container(
        settings, office.engine, office.service, office.queries, office.auth, EventHub(encode_row)
    )
    await catch_up(container)  # as the server's start-up does
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://okno") as client:
        yield Server(client, office, container)
    office.engine.dispose()


async def test_an_operator_left_out_of_the_file_is_refused_at_once(server: Server) -> None:
    """Applying a file without alice ends her token as soon as the server reads the log (its
    token memory included), refuses her login, and keeps her row and name for history."""
    alice = await login(server.client, "alice")
    assert (await server.client.get("/api/v1/desk", headers=alice)).status_code == 200
    apply_config(server.office.engine, parse_config(WITHOUT_ALICE))
    await server.catch_up()
    refused = await server.client.get("/api/v1/desk", headers=alice)
    assert refused.status_code == 401, refused.text
    again = await server.client.post(
        "/api/v1/auth/login", json={"login": "alice", "password": "secret1", "workplace": "1"}
    )
    assert again.status_code == 401 and again.json()["code"] == "bad_credentials"
    with server.office.engine.connect() as conn:
        row = conn.execute(select(t.operators).where(t.operators.c.id == "alice")).one()
        sessions = conn.execute(select(t.sessions).where(t.sessions.c.operator == "alice")).all()
    assert (row.active, row.name, row.state, row.workplace) == (False, "Алиса", "offline", None)
    assert sessions == []


async def test_an_operator_put_back_in_the_file_logs_in_again(server: Server) -> None:
    """Deactivation is not deletion: listed again, the operator logs in with the same password."""
    apply_config(server.office.engine, parse_config(WITHOUT_ALICE))
    apply_config(server.office.engine, parse_config(OFFICE_YAML))
    await server.catch_up()
    await login(server.client, "alice")


async def test_a_device_left_out_of_the_file_is_refused_at_once(server: Server) -> None:
    """Applying a file without the kiosk ends its token at once, including the token memory;
    the device's row stays."""
    assert (await server.client.get("/api/v1/offices/test/queue", headers=KIOSK)).status_code == 200
    apply_config(server.office.engine, parse_config(WITHOUT_KIOSK))
    await server.catch_up()
    refused = await server.client.get("/api/v1/offices/test/queue", headers=KIOSK)
    assert refused.status_code == 401, refused.text
    assert refused.json()["code"] == "unauthorized"
    assert refused.json()["detail"] == "Устройство отключено администратором"
    with server.office.engine.connect() as conn:
        row = conn.execute(select(t.devices).where(t.devices.c.id == "kiosk-1")).one()
    assert (row.active, row.office, row.kind) == (False, "test", "kiosk")
    apply_config(server.office.engine, parse_config(OFFICE_YAML))
    await server.catch_up()
    assert (await server.client.get("/api/v1/offices/test/queue", headers=KIOSK)).status_code == 200


async def test_a_device_listed_under_another_office_is_refused_and_nothing_changes(
    server: Server,
) -> None:
    """A file of office `other` naming kiosk-1 (of office `test`) is refused with a message
    naming the device and its office; no office is created and the kiosk keeps working."""
    with pytest.raises(ConfigError) as raised:
        apply_config(server.office.engine, parse_config(OTHER_OFFICE))
    message = str(raised.value)
    assert "kiosk-1" in message and "test" in message and "never moved" in message
    with server.office.engine.connect() as conn:
        offices = conn.execute(select(t.offices.c.id)).scalars().all()
        row = conn.execute(select(t.devices).where(t.devices.c.id == "kiosk-1")).one()
    assert offices == ["test"]
    assert (row.office, row.active) == ("test", True)
    await server.catch_up()
    assert (await server.client.get("/api/v1/offices/test/queue", headers=KIOSK)).status_code == 200


async def test_an_operator_with_a_visitor_at_the_desk_is_not_deactivated(server: Server) -> None:
    """Leaving out an operator who has called a ticket is refused (the ticket would be stranded)
    and the file changes nothing: the operator keeps working."""
    alice = await login(server.client, "alice")
    issued = await server.client.post(
        "/api/v1/offices/test/tickets", json={"service": "reg"}, headers=KIOSK
    )
    assert issued.status_code == 201
    called = await server.client.post("/api/v1/desk/call-next", headers=alice)
    assert called.status_code == 200, called.text
    renamed = WITHOUT_ALICE.replace('name: "Борис"', 'name: "Боря"')
    with pytest.raises(ConfigError) as raised:
        apply_config(server.office.engine, parse_config(renamed))
    assert "alice" in str(raised.value) and issued.json()["number"] in str(raised.value)
    with server.office.engine.connect() as conn:
        names = dict(conn.execute(select(t.operators.c.id, t.operators.c.name)).all())
    assert names["bob"] == "Борис"
    await server.catch_up()
    assert (await server.client.post("/api/v1/desk/start", headers=alice)).status_code == 200
