"""Issuing over HTTP: who may issue which service."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

from queue_server.storage import tables as t
from tests.helpers.office import OFFICE, Office
from tests.queue_server.api.conftest import KIOSK, login

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


async def test_kiosk_is_refused_a_staff_only_service(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """A `kiosk: false` service: the kiosk gets 403 not_on_kiosk in its language, a supervisor
    issues the ticket."""
    client, office = api
    with office.engine.begin() as conn:
        conn.execute(
            update(t.services)
            .where(t.services.c.office == OFFICE, t.services.c.id == "ben")
            .values(kiosk=False)
        )
    url = f"/api/v1/offices/{OFFICE}/tickets"
    refused = await client.post(
        url, json={"service": "ben"}, headers={**KIOSK, "Accept-Language": "en"}
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_on_kiosk"
    assert "issued by staff only" in refused.json()["detail"]
    russian = await client.post(url, json={"service": "ben"}, headers=KIOSK)
    assert "выдаёт только сотрудник" in russian.json()["detail"]
    assert (await client.post(url, json={"service": "vac"}, headers=KIOSK)).status_code == 201
    supervisor = await login(client, "carol")
    issued = await client.post(url, json={"service": "ben"}, headers=supervisor)
    assert issued.status_code == 201 and issued.json()["number"] == "Б001"
