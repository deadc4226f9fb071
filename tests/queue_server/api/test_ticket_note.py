"""A supervisor's note for the specialist: stored with the ticket, shown at the desk, kept out of
events, the snapshot, the `/queue` answer and the public status page; a kiosk may not send one."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import func, select

from queue_server.storage import tables as t
from tests.helpers.office import OFFICE, Office
from tests.queue_server.api.conftest import KIOSK, login

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

NOTE = "Слабослышащий посетитель: говорите громче"
URL = f"/api/v1/offices/{OFFICE}/tickets"


async def test_the_note_reaches_the_desk_and_nowhere_public(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """The note is stored, in the desk state after the call, and absent from every event,
    the snapshot, the `/queue` answer and the public status page (JSON and HTML)."""
    client, office = api
    carol = await login(client, "carol")
    issued = await client.post(URL, json={"service": "reg", "note": NOTE}, headers=carol)
    assert issued.status_code == 201, issued.text
    ticket = issued.json()["id"]
    with office.engine.connect() as conn:
        note = conn.execute(select(t.tickets.c.note).where(t.tickets.c.id == ticket))
        assert note.scalar_one() == NOTE
    queue = await client.get(f"/api/v1/offices/{OFFICE}/queue", headers=carol)
    assert queue.status_code == 200 and NOTE not in queue.text

    alice = await login(client, "alice")
    called = await client.post("/api/v1/desk/call", json={"ticket": ticket}, headers=alice)
    assert called.status_code == 200, called.text
    assert called.json()["ticket"]["note"] == NOTE
    desk = await client.get("/api/v1/desk", headers=alice)
    assert desk.json()["ticket"]["note"] == NOTE

    events = office.queries.events_since(OFFICE, 0, 10_000)
    assert {"ticket.issued", "ticket.called"} <= {e["type"] for e in events}
    assert NOTE not in json.dumps(events, ensure_ascii=False, default=str)
    _, snapshot = office.queries.snapshot(OFFICE)
    assert NOTE not in json.dumps(snapshot, ensure_ascii=False, default=str)
    token = issued.json()["status_url"].rstrip("/").rsplit("/", 1)[-1]
    public = await client.get(f"/api/v1/public/tickets/{token}")
    assert public.status_code == 200 and "note" not in public.json()
    assert NOTE not in public.text
    page = await client.get(f"/t/{token}")
    assert page.status_code == 200 and NOTE not in page.text


async def test_a_kiosk_may_not_send_a_note(api: tuple[httpx.AsyncClient, Office]) -> None:
    """A kiosk's note is refused with 403 in its language and no ticket is issued."""
    client, office = api
    refused = await client.post(
        URL, json={"service": "reg", "note": "x"}, headers={**KIOSK, "Accept-Language": "en"}
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "note_not_on_kiosk"
    assert "staff only" in refused.json()["detail"]
    russian = await client.post(URL, json={"service": "reg", "note": "x"}, headers=KIOSK)
    assert russian.status_code == 403 and "только сотрудник" in russian.json()["detail"]
    with office.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.tickets)).scalar_one() == 0


@pytest.mark.parametrize("note", ["x" * 201, "строка\nвторая", "звонок\x07"])
async def test_a_bad_note_is_refused(api: tuple[httpx.AsyncClient, Office], note: str) -> None:
    """A note over 200 characters or with control characters is a 422 and issues nothing."""
    client, office = api
    carol = await login(client, "carol")
    refused = await client.post(URL, json={"service": "reg", "note": note}, headers=carol)
    assert refused.status_code == 422, refused.text
    with office.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.tickets)).scalar_one() == 0
