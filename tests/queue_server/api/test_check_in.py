"""POST /offices/{office}/check-in: each outcome through the API, guessing limit, who may call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from queue_server.service.bookings import add_api_client
from tests.helpers.bookings import add_booking, add_office, set_check_in
from tests.helpers.office import DISPLAY_TOKEN, OFFICE, Office
from tests.queue_server.api.conftest import KIOSK, login
from tests.queue_server.service.test_commands import state

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

API = tuple[httpx.AsyncClient, Office]
NOW = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)  # 10:00 in Moscow
URL = f"/api/v1/offices/{OFFICE}/check-in"


def slot(minutes: float) -> datetime:
    return NOW + timedelta(minutes=minutes)


async def post(
    client: httpx.AsyncClient, code: str, lang: str = "ru", headers: dict[str, str] | None = None
) -> httpx.Response:
    return await client.post(
        URL, json={"code": code}, headers={**(headers or KIOSK), "Accept-Language": lang}
    )


async def refused(api: API, code: str, status: int, lang: str = "ru") -> dict[str, Any]:
    """The problem answered for `code`, having checked its status and that nothing changed."""
    client, office = api
    before = state(office)
    response = await post(client, code, lang)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert state(office) == before
    body: dict[str, Any] = response.json()
    return body


async def test_on_time_answers_the_ticket_like_a_walk_in_issue(api: API) -> None:
    """At the slot: 201 with number, people ahead, estimate, status URL, the code and slot."""
    client, office = api
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(0))
    response = await post(client, "acde-7k3p")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["number"] == "А001" and body["ahead"] == 0
    assert body["status_url"].startswith("http://test/t/")
    assert body["booking"] == "ACDE7K3P" and body["late"] is False
    assert body["slot_at"].startswith("2026-03-10T07:00")


async def test_early_gives_an_appointment_ticket_behind_walk_ins(api: API) -> None:
    """25 min early: a ticket queued behind the walk-in already waiting."""
    client, office = api
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(25))
    issued = await client.post(
        URL.replace("check-in", "tickets"), json={"service": "reg"}, headers=KIOSK
    )
    assert issued.status_code == 201
    response = await post(client, "ACDE7K3P")
    assert response.status_code == 201 and response.json()["ahead"] == 1


async def test_late_with_walk_in_policy_answers_a_late_ticket(api: API) -> None:
    """20 min late: a walk-in ticket, flagged late."""
    client, office = api
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(-20))
    response = await post(client, "ACDE7K3P")
    assert response.status_code == 201 and response.json()["late"] is True


async def test_late_with_refuse_policy_is_409_in_the_visitors_language(api: API) -> None:
    """The refuse policy: 409 check_in_too_late in English for an English visitor."""
    office = api[1]
    set_check_in(office.engine, OFFICE, late_policy="refuse")
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(-20))
    body = await refused(api, "ACDE7K3P", 409, "en")
    assert body["code"] == "check_in_too_late"
    assert body["detail"].startswith("Booking ACDE7K3P was at 09:40")


@pytest.mark.parametrize(
    ("status", "minutes", "code", "words"),
    [
        ("booked", 24 * 60, "booking_other_day", "11.03.2026"),
        ("booked", 90, "check_in_too_early", "Отметиться можно с 11:00"),
        ("cancelled", 0, "booking_cancelled", "отменена"),
        ("missed", 0, "booking_missed", "пропущена"),
    ],
)
async def test_refusals_of_a_known_booking(
    api: API, status: str, minutes: int, code: str, words: str
) -> None:
    """Another day, too early, cancelled, missed: each its own code and sentence."""
    add_booking(api[1].engine, OFFICE, "ACDE7K3P", slot(minutes), status=status)
    body = await refused(api, "ACDE7K3P", 409)
    assert body["code"] == code and words in body["detail"]
    assert "ACDE7K3P" in body["detail"]


async def test_a_used_code_names_the_ticket_already_issued(api: API) -> None:
    """The second check-in of a code: 409 booking_used with the first ticket's number."""
    client, office = api
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(0))
    first = (await post(client, "ACDE7K3P")).json()
    body = await refused(api, "ACDE7K3P", 409)
    assert body["code"] == "booking_used" and first["number"] in body["detail"]


async def test_another_offices_booking_is_refused(api: API) -> None:
    """A code of another office: 409 booking_other_office naming it."""
    add_office(api[1].engine, "north", {"ru": "Северный ЦЗН", "en": "North centre"})
    add_booking(api[1].engine, "north", "ACDE7K3P", slot(0))
    body = await refused(api, "ACDE7K3P", 409, "en")
    assert body["code"] == "booking_other_office" and "North centre" in body["detail"]


async def test_unknown_and_malformed_codes(api: API) -> None:
    """Unknown: 404 unknown_booking (not `not_found`); nonsense: 422 malformed_booking_code."""
    body = await refused(api, "XXXX9999", 404)
    assert body["code"] == "unknown_booking" and "XXXX9999" in body["detail"]
    body = await refused(api, "!!", 422)
    assert body["code"] == "malformed_booking_code"


async def test_ten_unknown_codes_in_a_minute_get_429(api: API) -> None:
    """After 10 unknown codes the kiosk is refused with 429 and Retry-After, even a good code."""
    client, office = api
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(0))
    for attempt in range(10):
        assert (await post(client, f"XXXX{attempt:04d}")).status_code == 404
    response = await post(client, "ACDE7K3P")
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_codes"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "неверных кодов" in response.json()["detail"]


async def test_known_codes_do_not_count_as_guesses(api: API) -> None:
    """Refusals of real bookings (used) are no guesses: the 11th attempt still answers."""
    client, office = api
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(0))
    assert (await post(client, "ACDE7K3P")).status_code == 201
    for _ in range(11):
        assert (await post(client, "ACDE7K3P")).status_code == 409


async def test_only_kiosks_of_the_office_may_check_in(api: API) -> None:
    """A display or an operator: 403; no token: 401."""
    client, office = api
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(0))
    display = {"Authorization": f"Bearer {DISPLAY_TOKEN}"}
    assert (await post(client, "ACDE7K3P", headers=display)).status_code == 403
    assert (await post(client, "ACDE7K3P", headers=await login(client, "alice"))).status_code == 403
    assert (await client.post(URL, json={"code": "ACDE7K3P"})).status_code == 401


async def test_the_route_is_in_the_openapi_with_its_refusals(api: API) -> None:
    """The OpenAPI documents the route with 201, 404, 409, 422 and 429."""
    document = (await api[0].get("/openapi.json")).json()
    responses = document["paths"]["/api/v1/offices/{office}/check-in"]["post"]["responses"]
    assert {"201", "404", "409", "422", "429"} <= set(responses)


async def test_an_api_client_of_the_office_checks_a_booking_in(api: API) -> None:
    """A booking system's API client token checks in like the kiosk; another office's not."""
    client, office = api
    add_booking(office.engine, OFFICE, "ACDE7K3P", slot(0))
    _, token = add_api_client(office.engine, OFFICE, "Портал")
    add_office(office.engine, "north", {"ru": "Северный ЦЗН"})
    _, other = add_api_client(office.engine, "north", "Портал севера")
    refused = await post(client, "ACDE7K3P", headers={"Authorization": f"Bearer {other}"})
    assert refused.status_code == 403
    response = await post(client, "ACDE7K3P", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text
    assert response.json()["booking"] == "ACDE7K3P"
