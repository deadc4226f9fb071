"""The booking API for outside systems: auth, free slots, book/cancel/move/look up, bad input."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from queue_server.service.bookings import add_api_client
from queue_server.storage import tables as t
from tests.helpers.bookable import enable_booking
from tests.helpers.office import OFFICE, Office
from tests.queue_server.api.conftest import KIOSK, login

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

API = tuple[httpx.AsyncClient, Office]
BASE = f"/api/v1/offices/{OFFICE}/booking"
# The test clock: Tue 10 March 2026, 10:00 Moscow. Wed 11th 09:00 Moscow is 06:00 UTC.
WED_9 = "2026-03-11T09:00:00+03:00"


@pytest.fixture
def portal(api: API) -> dict[str, str]:
    """The bearer header of an API client of the test office (booking enabled for `reg`)."""
    _client, office = api
    enable_booking(office.engine)
    _id, token = add_api_client(office.engine, OFFICE, "Портал")
    return {"Authorization": f"Bearer {token}"}


def bookings(office: Office) -> int:
    with office.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.bookings)).scalar_one())


async def book(client: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> httpx.Response:
    body = {"service": "reg", "slot_at": WED_9, **fields}
    return await client.post(f"{BASE}/bookings", json=body, headers=headers)


async def test_portal_lists_slots_books_looks_up_moves_and_cancels(
    api: API, portal: dict[str, str]
) -> None:
    """The whole life of a booking through the API, each step answering the booking's state."""
    client, office = api
    days = await client.get(
        f"{BASE}/days", params={"service": "reg", "year": 2026, "month": 3}, headers=portal
    )
    assert days.status_code == 200 and "2026-03-11" in days.json()["days"]
    slots = await client.get(
        f"{BASE}/slots",
        params={"service": "reg", "from": "2026-03-11", "to": "2026-03-12"},
        headers=portal,
    )
    assert slots.status_code == 200, slots.text
    wed, thu = slots.json()
    assert wed["slots"][0] == {"at": "2026-03-11T06:00:00Z", "local": "09:00", "left": 2}
    assert thu["slots"] == []  # the holiday
    booked = await book(client, portal, phone="+7 (900) 123-45-67", consent=True)
    assert booked.status_code == 201, booked.text
    code = booked.json()["code"]
    assert booked.json()["manage_secret"] and "phone" not in booked.json()
    with office.engine.connect() as conn:
        assert conn.execute(select(t.bookings.c.source)).scalar_one().startswith("api:")
    found = await client.get(f"{BASE}/bookings/{code.lower()}", headers=portal)
    assert found.status_code == 200 and found.json()["slot_local"] == "2026-03-11 09:00"
    assert "manage_secret" not in found.json()
    moved = await client.post(
        f"{BASE}/bookings/{code}/move",
        json={"slot_at": "2026-03-11T09:30:00+03:00"},
        headers=portal,
    )
    assert moved.status_code == 200 and moved.json()["slot_local"] == "2026-03-11 09:30"
    cancelled = await client.post(f"{BASE}/bookings/{code}/cancel", headers=portal)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


async def test_same_idempotency_key_gives_the_same_booking(
    api: API, portal: dict[str, str]
) -> None:
    """A retried POST with its Idempotency-Key answers the first booking, never a second one."""
    client, office = api
    headers = {**portal, "Idempotency-Key": "portal-req-1"}
    first, again = await book(client, headers), await book(client, headers)
    assert first.status_code == 201 and again.json()["code"] == first.json()["code"]
    assert again.headers.get("Idempotent-Replayed") == "true" and bookings(office) == 1


@pytest.mark.parametrize(
    ("fields", "lang", "status", "code", "words"),
    [
        ({"slot_at": "2026-03-10T09:00:00+03:00"}, "ru", 409, "slot_in_past", "уже прошло"),
        ({"slot_at": "2026-03-10T09:00:00+03:00"}, "en", 409, "slot_in_past", "already passed"),
        ({"slot_at": "2026-04-20T09:00:00+03:00"}, "en", 409, "beyond_horizon", "14 days"),
        ({"slot_at": "2026-03-12T09:00:00+03:00"}, "ru", 409, "holiday", "не работает"),
        ({"slot_at": "9999-12-31T23:00:00-05:00"}, "en", 409, "beyond_horizon", "14 days"),
        ({"slot_at": "0001-01-01T00:30:00+03:00"}, "ru", 409, "slot_in_past", "Это время"),
        ({"slot_at": "2025-03-11T09:00:00+03:00"}, "en", 409, "slot_in_past", "11.03.2025"),
        ({"slot_at": "2026-03-14T09:00:00+03:00"}, "en", 409, "closed", "free slots"),
        ({"phone": "123", "consent": True}, "ru", 422, "invalid_phone", "+7 900 123-45-67"),
        ({"email": "anna@@x", "consent": True}, "en", 422, "invalid_email", "not valid"),
        ({"email": "anna@example.ru"}, "ru", 422, "consent_required", "согласие"),
        ({"phone": "+79001234567"}, "en", 422, "consent_required", "consent"),
        ({"service": "vac"}, "ru", 409, "not_bookable", "нет предварительной записи"),
        ({"service": "nope"}, "en", 404, "unknown_service", "Unknown service"),
    ],
)
async def test_every_bad_booking_is_refused_in_the_visitors_language_and_books_nothing(
    api: API,
    portal: dict[str, str],
    fields: dict[str, Any],
    lang: str,
    status: int,
    code: str,
    words: str,
) -> None:
    """Past, beyond horizon, holiday, closed, bad phone/e-mail, no consent: a sentence, no row."""
    client, office = api
    response = await book(client, portal, lang=lang, **fields)
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["code"] == code and words in problem["detail"]
    assert response.headers["content-type"].startswith("application/problem+json")
    assert bookings(office) == 0


async def test_full_slot_is_refused_after_capacity(api: API, portal: dict[str, str]) -> None:
    """Two places: the third booking of the slot gets 409 slot_full and nothing is stored."""
    client, office = api
    assert (await book(client, portal)).status_code == 201
    assert (await book(client, portal)).status_code == 201
    third = await book(client, portal, lang="en")
    assert third.status_code == 409 and third.json()["code"] == "slot_full"
    assert "already taken" in third.json()["detail"] and bookings(office) == 2


async def test_malformed_requests_are_422_without_booking(api: API, portal: dict[str, str]) -> None:
    """A slot without its UTC offset, unknown fields, a bad range: 422, nothing stored."""
    client, office = api
    naive = await book(client, portal, slot_at="2026-03-11T09:00:00")
    assert naive.status_code == 422
    extra = await book(client, portal, seats=2)
    assert extra.status_code == 422
    wide = await client.get(
        f"{BASE}/slots",
        params={"service": "reg", "from": "2026-03-11", "to": "2026-05-11"},
        headers=portal,
    )
    assert wide.status_code == 422 and wide.json()["code"] == "bad_range"
    edge = await client.get(
        f"{BASE}/slots", params={"service": "reg", "from": "9999-12-31"}, headers=portal
    )
    assert edge.status_code == 200 and edge.json()[0]["slots"] == []
    assert bookings(office) == 0


async def test_only_the_offices_api_clients_and_admins_may_call(
    api: API, portal: dict[str, str]
) -> None:
    """No token 401, a kiosk or an operator 403, another office's client 403; unknown code 404."""
    client, office = api
    assert (await book(client, {})).status_code == 401
    assert (await book(client, {"Authorization": "Bearer nope-nope"})).status_code == 401
    assert (await book(client, KIOSK)).status_code == 403
    assert (await book(client, await login(client, "alice"))).status_code == 403
    with office.engine.begin() as conn:
        conn.execute(
            t.offices.insert().values(
                id="other",
                name={"ru": "Другой"},
                timezone="Europe/Moscow",
                address="",
                settings={},
                seq=0,
                created_at=office.clock.now,
            )
        )
    _id, token = add_api_client(office.engine, "other", "Чужой портал")
    stranger = {"Authorization": f"Bearer {token}"}
    assert (await book(client, stranger)).status_code == 403
    assert bookings(office) == 0
    missing = await client.get(f"{BASE}/bookings/AAAAAAAA", headers=portal)
    assert missing.status_code == 404 and missing.json()["code"] == "booking_not_found"


async def test_booking_routes_are_in_the_openapi(api: API) -> None:
    """The OpenAPI documents the booking routes with their refusal codes."""
    client, _office = api
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    assert "/api/v1/offices/{office}/booking/bookings" in paths
    assert "slot_full" in str(paths["/api/v1/offices/{office}/booking/bookings"]["post"])
