"""Ratings over HTTP: the terminal of a workplace rates the step just served there, once, in time;
the operator's own figures today."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from queue_server.storage import tables as t
from tests.helpers.office import KIOSK_TOKEN, Office
from tests.queue_server.api.conftest import KIOSK, login

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

RATING = {"Authorization": "Bearer rating-token-1"}  # the terminal of workplace 1 (alice)


async def serve(
    client: httpx.AsyncClient, office: Office, headers: dict[str, str], service: str = "reg"
) -> int:
    """Issue a ticket, call it at `headers`' desk, start, wait 6 minutes, finish; its id."""
    issued = await client.post(
        "/api/v1/offices/test/tickets", json={"service": service}, headers=KIOSK
    )
    assert issued.status_code == 201, issued.text
    ticket: int = issued.json()["id"]
    called = await client.post("/api/v1/desk/call", json={"ticket": ticket}, headers=headers)
    assert called.status_code == 200, called.text
    assert (await client.post("/api/v1/desk/start", headers=headers)).status_code == 200
    office.clock.advance(minutes=6)
    finished = await client.post(
        "/api/v1/desk/finish", json={"outcome": "resolved"}, headers=headers
    )
    assert finished.status_code == 200, finished.text
    return ticket


def events(office: Office, kind: str) -> list[dict[str, Any]]:
    return [e for e in office.queries.events_since("test", 0, 10_000) if e["type"] == kind]


def stored(office: Office) -> int:
    with office.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.ratings)).scalar_one())


async def test_a_rating_is_stored_and_announced_with_its_step(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """Finish asks the terminal in the ticket's language; its score is stored once for the
    step and announced as rating.received."""
    client, office = api
    alice = await login(client, "alice")
    ticket = await serve(client, office, alice)
    (requested,) = events(office, "rating.requested")
    assert requested["data"]["ticket"] == ticket
    assert requested["data"]["lang"] == "ru" and requested["data"]["effort"] is False
    assert requested["data"]["expires_at"].endswith("Z")

    answer = await client.post(
        "/api/v1/ratings",
        json={"ticket": ticket, "csat": 2, "ces": 4, "reasons": ["long_wait", "unclear"]},
        headers=RATING,
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["csat"] == 2 and body["reasons"] == ["long_wait", "unclear"]
    with office.engine.connect() as conn:
        row = conn.execute(select(t.ratings)).one()
        step = conn.execute(select(t.steps).where(t.steps.c.ticket == ticket)).one()
    assert (row.step, row.ticket, row.operator, row.workplace, row.service) == (
        step.id,
        ticket,
        "alice",
        "1",
        "reg",
    )
    assert (row.csat, row.ces, row.device) == (2, 4, "rating-1")
    (received,) = events(office, "rating.received")
    assert received["data"]["step"] == step.id and received["data"]["csat"] == 2
    assert received["data"]["workplace"] == "1"


async def test_a_second_rating_of_the_same_step_is_refused(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """One rating per step: the second gets 409 already_rated and the first stays."""
    client, office = api
    ticket = await serve(client, office, await login(client, "alice"))
    first = await client.post("/api/v1/ratings", json={"ticket": ticket, "csat": 5}, headers=RATING)
    assert first.status_code == 201
    second = await client.post(
        "/api/v1/ratings", json={"ticket": ticket, "csat": 1}, headers=RATING
    )
    assert second.status_code == 409
    assert second.json()["code"] == "already_rated"
    assert second.json()["detail"] == "Это обслуживание уже оценено. Спасибо!"
    assert stored(office) == 1
    assert len(events(office, "rating.received")) == 1


async def test_a_rating_of_another_workplaces_step_is_refused(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """The terminal of window 1 cannot rate what bob served at window 2."""
    client, office = api
    ticket = await serve(client, office, await login(client, "bob"), "vac")
    answer = await client.post(
        "/api/v1/ratings", json={"ticket": ticket, "csat": 5}, headers=RATING
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == "rating_not_expected"
    assert stored(office) == 0


async def test_only_the_step_served_last_may_be_rated(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """Once the next visitor was served at the window, the earlier one can no longer be rated."""
    client, office = api
    alice = await login(client, "alice")
    first = await serve(client, office, alice)
    await serve(client, office, alice)
    answer = await client.post("/api/v1/ratings", json={"ticket": first, "csat": 4}, headers=RATING)
    assert answer.status_code == 409 and answer.json()["code"] == "rating_not_expected"
    assert stored(office) == 0


async def test_a_rating_after_the_time_limit_is_refused(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """Five minutes after the step finished, its rating is refused (rating_expired)."""
    client, office = api
    ticket = await serve(client, office, await login(client, "alice"))
    office.clock.advance(minutes=5, seconds=1)
    answer = await client.post(
        "/api/v1/ratings",
        json={"ticket": ticket, "csat": 4},
        headers={**RATING, "Accept-Language": "en"},
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == "rating_expired"
    assert answer.json()["detail"] == "The time to rate this service has passed"
    assert stored(office) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"csat": 0},
        {"csat": 6},
        {"csat": 3, "ces": 0},
        {"csat": 3, "reasons": ["rude"]},
        {"csat": "5"},
    ],
)
async def test_scores_out_of_range_are_refused(
    api: tuple[httpx.AsyncClient, Office], body: dict[str, Any]
) -> None:
    """A score of 0 or 6, an effort of 0, an unknown reason: 422 and nothing stored."""
    client, office = api
    ticket = await serve(client, office, await login(client, "alice"))
    answer = await client.post("/api/v1/ratings", json={"ticket": ticket, **body}, headers=RATING)
    assert answer.status_code == 422, answer.text
    assert stored(office) == 0


@pytest.mark.parametrize("who", ["operator", "kiosk", "none"])
async def test_only_a_rating_terminal_may_rate(
    api: tuple[httpx.AsyncClient, Office], who: str
) -> None:
    """An operator's or a kiosk's token is refused (403), no token 401; nothing stored."""
    client, office = api
    alice = await login(client, "alice")
    ticket = await serve(client, office, alice)
    headers = {"operator": alice, "kiosk": {"Authorization": f"Bearer {KIOSK_TOKEN}"}, "none": {}}
    answer = await client.post(
        "/api/v1/ratings", json={"ticket": ticket, "csat": 5}, headers=headers[who]
    )
    assert answer.status_code == (401 if who == "none" else 403)
    assert stored(office) == 0


async def test_desk_today_gives_the_operators_own_figures(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """Served today, the mean service time and the mean score are alice's own; her services."""
    client, office = api
    alice = await login(client, "alice")
    bob = await login(client, "bob")
    empty = (await client.get("/api/v1/desk/today", headers=alice)).json()
    assert empty["served"] == 0 and empty["average_rating"] is None
    assert empty["services"] == {"reg": 1, "vac": 2}
    first = await serve(client, office, alice)
    await client.post("/api/v1/ratings", json={"ticket": first, "csat": 5}, headers=RATING)
    second = await serve(client, office, alice)
    await client.post("/api/v1/ratings", json={"ticket": second, "csat": 2}, headers=RATING)
    await serve(client, office, bob, "vac")
    figures = (await client.get("/api/v1/desk/today", headers=alice)).json()
    assert figures["served"] == 2
    assert figures["average_service_minutes"] == pytest.approx(6.0)
    assert figures["ratings"] == 2 and figures["average_rating"] == pytest.approx(3.5)
    refused = await client.get("/api/v1/desk/today", headers=RATING)
    assert refused.status_code == 403
