"""Device alerts over HTTP and /ws: a device's alert is logged as `device.alert` of its own
office, once per idempotency key; operators get it on /ws, the hall display does not."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from queue_protocol.events import EventType, decode_event
from queue_protocol.payloads import DeviceAlert
from tests.helpers.live_app import LiveApp, live_app, receive
from tests.helpers.office import DISPLAY_TOKEN, KIOSK_TOKEN, Office
from tests.queue_server.api.conftest import KIOSK, login
from tests.queue_server.api.test_ws_scope import events_until, message_text, office_seq

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

URL = "/api/v1/devices/alerts"
PAPER_OUT = {"kind": "printer", "code": "PaperOut", "message": "The printer is out of paper."}


def alerts(office: Office) -> list[dict[str, Any]]:
    return [
        e
        for e in office.queries.events_since("test", 0, 10_000)
        if e["type"] == EventType.DEVICE_ALERT
    ]


async def test_a_kiosk_alert_is_logged_as_an_event_of_its_office(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """The kiosk's alert becomes one device.alert naming the device from its token; the
    answer repeats it."""
    client, office = api
    answer = await client.post(URL, json=PAPER_OUT, headers=KIOSK)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["device"], body["device_kind"], body["workplace"]) == ("kiosk-1", "kiosk", None)
    assert (body["kind"], body["code"]) == ("printer", "PaperOut") and body["received_at"]
    (event,) = alerts(office)
    assert event["data"] == {
        "device": "kiosk-1",
        "device_kind": "kiosk",
        "workplace": None,
        "kind": "printer",
        "code": "PaperOut",
        "message": "The printer is out of paper.",
    }
    assert DeviceAlert.model_validate(event["data"]).to_json() == event["data"]


async def test_display_and_rating_terminal_may_alert_with_their_workplace(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """Every device kind may send alerts; a rating terminal's carries its workplace."""
    client, office = api
    for token in (DISPLAY_TOKEN, "rating-token-1"):
        answer = await client.post(
            URL,
            json={"kind": "sound", "code": "NoAudio"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 201, answer.text
    shown = [
        (e["data"]["device"], e["data"]["workplace"], e["data"]["message"]) for e in alerts(office)
    ]
    assert shown == [("display-1", None, ""), ("rating-1", "1", "")]


async def test_a_retried_alert_with_the_same_key_is_logged_once(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """The same Idempotency-Key gives the same answer and no second event; a new key logs a
    new alert."""
    client, office = api
    first = await client.post(URL, json=PAPER_OUT, headers={**KIOSK, "Idempotency-Key": "a-1"})
    again = await client.post(URL, json=PAPER_OUT, headers={**KIOSK, "Idempotency-Key": "a-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert len(alerts(office)) == 1
    other = await client.post(URL, json=PAPER_OUT, headers={**KIOSK, "Idempotency-Key": "a-2"})
    assert other.status_code == 201 and len(alerts(office)) == 2


async def test_operators_and_strangers_are_refused(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """An operator gets 403 in the asked language, no token or a wrong one 401; nothing is
    logged."""
    client, office = api
    alice = await login(client, "alice")
    refused = await client.post(URL, json=PAPER_OUT, headers={**alice, "Accept-Language": "en"})
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "forbidden"
    assert "Only a device" in refused.json()["detail"]
    russian = await client.post(URL, json=PAPER_OUT, headers=alice)
    assert "устройство" in russian.json()["detail"]
    assert (await client.post(URL, json=PAPER_OUT)).status_code == 401
    wrong = await client.post(URL, json=PAPER_OUT, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert alerts(office) == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"kind": "printer"},
        {"code": "PaperOut"},
        {"kind": "", "code": "PaperOut"},
        {"kind": "printer", "code": "x" * 65},
        {"kind": "printer", "code": "PaperOut", "message": "m" * 201},
        {"kind": "printer", "code": "Paper\nOut"},
        {"kind": "printer", "code": "PaperOut", "message": "bell \x07"},
        {"kind": "printer", "code": "PaperOut", "extra": 1},
        {"kind": 5, "code": "PaperOut"},
        {"kind": "printer", "code": "PaperOut", "message": None},
    ],
)
async def test_bad_bodies_are_refused_and_change_nothing(
    api: tuple[httpx.AsyncClient, Office], body: dict[str, Any]
) -> None:
    """Missing, empty, too long, control-character and unknown fields: 422, no event."""
    client, office = api
    answer = await client.post(URL, json=body, headers=KIOSK)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "validation_error"
    assert alerts(office) == []


async def test_the_alert_is_documented_in_the_openapi(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """/openapi.json names the route, its body with the limits, and its refusals."""
    client, _ = api
    schema = (await client.get("/openapi.json")).json()
    post = schema["paths"][URL]["post"]
    assert {"201", "401", "403", "422"} <= set(post["responses"])
    body = schema["components"]["schemas"]["DeviceAlertRequest"]
    assert body["properties"]["message"]["maxLength"] == 200
    assert body["properties"]["code"]["maxLength"] == 64
    assert "device.alert" in post["description"]


@pytest_asyncio.fixture
async def app(tmp_path: Path) -> AsyncIterator[LiveApp]:
    async with live_app(tmp_path) as live:
        yield live


async def test_operators_get_the_alert_on_ws_and_the_display_a_placeholder(app: LiveApp) -> None:
    """A supervisor's socket gets device.alert whole (typed as DeviceAlert); the hall display
    and the kiosk get a data-less `filtered` placeholder in the same seq."""
    carol = await app.login("carol")
    async with (
        app.socket(carol) as staff,
        app.socket(DISPLAY_TOKEN) as display,
        app.socket(KIOSK_TOKEN) as kiosk,
    ):
        starts = [(await receive(ws))["seq"] for ws in (staff, display, kiosk)]
        answer = await app.http.post(
            URL, json=PAPER_OUT, headers={"Authorization": f"Bearer {KIOSK_TOKEN}"}
        )
        assert answer.status_code == 201, answer.text
        last = await office_seq(app)
        seen = await asyncio.gather(
            *(
                events_until(ws, last, start)
                for ws, start in zip((staff, display, kiosk), starts, strict=True)
            )
        )
    staff_event = seen[0][-1]
    assert staff_event["type"] == "device.alert"
    payload = decode_event(message_text(staff_event)).payload
    assert isinstance(payload, DeviceAlert) and payload.code == "PaperOut"
    for hidden in (seen[1][-1], seen[2][-1]):
        assert hidden["seq"] == staff_event["seq"]
        assert (hidden["type"], hidden["data"]) == ("filtered", {})
