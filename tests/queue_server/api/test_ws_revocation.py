"""Credentials end everywhere at once: logout revokes, and an open /ws closes (4401) when its
token is revoked, replaced, expires, or its operator or device is deactivated."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from queue_server.service.admin import issue_device_token
from queue_server.service.auth import OPERATOR_TOKEN_TTL
from queue_server.service.bookings import add_api_client
from queue_server.service.config import apply_config, parse_config
from tests.helpers.live_app import LiveApp, live_app, receive, until_closed
from tests.helpers.office import DISPLAY_TOKEN, KIOSK_TOKEN, OFFICE_YAML

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

ALICE = '  - {login: alice, name: "Алиса", password: secret1, services: {reg: 1, vac: 2}}\n'
KIOSK_LINE = "  - {id: kiosk-1, kind: kiosk, token: kiosk-token-1}\n"
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403


@pytest_asyncio.fixture
async def app(tmp_path: Path) -> AsyncIterator[LiveApp]:
    async with live_app(tmp_path) as live:
        yield live


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_logout_closes_the_operators_socket(app: LiveApp) -> None:
    """POST /desk/logout ends the operator's open WebSocket: error `unauthorized`, then close
    4401 with reason token_revoked."""
    token = await app.login("alice")
    async with app.socket(token) as ws:
        assert (await receive(ws))["type"] == "snapshot"
        response = await app.http.post("/api/v1/desk/logout", headers=bearer(token))
        assert response.status_code == 200, response.text
        closed = await until_closed(ws)
    assert (closed.code, closed.reason) == (CLOSE_UNAUTHORIZED, "token_revoked")
    assert closed.error["code"] == "unauthorized"


async def test_logout_revokes_even_after_another_operator_took_the_workplace(
    app: LiveApp,
) -> None:
    """Bob signs in at alice's workplace (alice goes offline); alice's logout still answers 200
    and her token stops working, her socket too (it used to fail first and keep the token)."""
    alice = await app.login("alice")
    async with app.socket(alice) as ws:
        assert (await receive(ws))["type"] == "snapshot"
        await app.login("bob", workplace="1")
        response = await app.http.post("/api/v1/desk/logout", headers=bearer(alice))
        assert response.status_code == 200, response.text
        assert response.json()["state"] == "offline"
        closed = await until_closed(ws)
    assert (closed.code, closed.reason) == (CLOSE_UNAUTHORIZED, "token_revoked")
    refused = await app.http.get("/api/v1/desk", headers=bearer(alice))
    assert refused.status_code == 401


async def test_logout_with_a_visitor_at_the_desk_is_refused_and_keeps_the_token(
    app: LiveApp,
) -> None:
    """A logout refused because a visitor is at the desk (409) changes nothing: the token
    still works, so the operator can finish the visit."""
    alice = await app.login("alice")
    issued = await app.http.post(
        "/api/v1/offices/test/tickets", json={"service": "reg"}, headers=bearer(KIOSK_TOKEN)
    )
    assert issued.status_code == 201
    assert (await app.http.post("/api/v1/desk/call-next", headers=bearer(alice))).status_code == 200
    refused = await app.http.post("/api/v1/desk/logout", headers=bearer(alice))
    assert refused.status_code == 409 and refused.json()["code"] == "ticket_in_progress"
    assert (await app.http.post("/api/v1/desk/start", headers=bearer(alice))).status_code == 200


async def test_a_new_login_replaces_the_operators_earlier_token(app: LiveApp) -> None:
    """One desk per operator: logging in again ends the earlier token and closes its socket
    with reason token_replaced."""
    first = await app.login("alice")
    async with app.socket(first) as ws:
        assert (await receive(ws))["type"] == "snapshot"
        second = await app.login("alice")
        closed = await until_closed(ws)
    assert (closed.code, closed.reason) == (CLOSE_UNAUTHORIZED, "token_replaced")
    assert (await app.http.get("/api/v1/desk", headers=bearer(first))).status_code == 401
    assert (await app.http.get("/api/v1/desk", headers=bearer(second))).status_code == 200


async def test_an_expired_session_closes_its_socket(app: LiveApp) -> None:
    """An operator's socket closes when the session's 12 h run out (the clock is moved to just
    before): error token_expired, close 4401 with reason token_expired."""
    token = await app.login("alice")
    app.office.clock.advance(seconds=(OPERATOR_TOKEN_TTL - timedelta(seconds=0.3)).total_seconds())
    async with app.socket(token) as ws:
        assert (await receive(ws))["type"] == "snapshot"
        closed = await until_closed(ws)
    assert (closed.code, closed.reason) == (CLOSE_UNAUTHORIZED, "token_expired")
    assert closed.error["code"] == "token_expired"


async def test_deactivation_by_another_process_closes_sockets(app: LiveApp) -> None:
    """An office file applied by another program (here straight into the database, as
    `okno config apply` does) without alice and the kiosk closes both their sockets with
    reason `deactivated`, once the server's half-second read of the log sees config.changed."""
    alice = await app.login("alice")
    smaller = OFFICE_YAML.replace(ALICE, "").replace(KIOSK_LINE, "")
    async with app.socket(alice) as desk, app.socket(KIOSK_TOKEN) as kiosk:
        assert (await receive(desk))["type"] == (await receive(kiosk))["type"] == "snapshot"
        apply_config(app.office.engine, parse_config(smaller))
        desk_closed = await until_closed(desk)
        kiosk_closed = await until_closed(kiosk)
    assert (desk_closed.code, desk_closed.reason) == (CLOSE_UNAUTHORIZED, "deactivated")
    assert (kiosk_closed.code, kiosk_closed.reason) == (CLOSE_UNAUTHORIZED, "deactivated")
    assert desk_closed.error["code"] == kiosk_closed.error["code"] == "unauthorized"


async def test_a_device_token_issued_anew_closes_the_old_tokens_socket(app: LiveApp) -> None:
    """`okno device add` for a device that has a token (another process) replaces it: the old
    token's socket closes with reason token_replaced and the old token is refused."""
    async with app.socket(DISPLAY_TOKEN) as ws:
        assert (await receive(ws))["type"] == "snapshot"
        new_token, created = issue_device_token(
            app.office.engine, "display-1", "test", "display", None
        )
        assert not created
        closed = await until_closed(ws)
    assert (closed.code, closed.reason) == (CLOSE_UNAUTHORIZED, "token_replaced")
    queue = "/api/v1/offices/test/queue"
    assert (await app.http.get(queue, headers=bearer(DISPLAY_TOKEN))).status_code == 401
    assert (await app.http.get(queue, headers=bearer(new_token))).status_code == 200


async def test_a_socket_whose_credential_holds_stays_open(app: LiveApp) -> None:
    """Re-checks end only what ended: the display's socket outlives an office file applied
    without changes and another operator's logout, and still gets events."""
    async with app.socket(DISPLAY_TOKEN) as ws:
        snapshot = await receive(ws)
        bob = await app.login("bob")
        assert (await app.http.post("/api/v1/desk/logout", headers=bearer(bob))).status_code == 200
        apply_config(app.office.engine, parse_config(OFFICE_YAML))
        issued = await app.http.post(
            "/api/v1/offices/test/tickets", json={"service": "reg"}, headers=bearer(KIOSK_TOKEN)
        )
        assert issued.status_code == 201
        types = []
        while "ticket.issued" not in types:
            message = await receive(ws)
            assert message["type"] != "error", message
            types.append(message["type"])
    assert snapshot["type"] == "snapshot" and "config.changed" in types


async def test_a_booking_api_token_is_refused_at_hello(app: LiveApp) -> None:
    """An outside system's token is for the booking API only: /ws refuses it at hello (error
    `forbidden`, close 4403) and sends nothing of the office first."""
    _client, token = add_api_client(app.office.engine, "test", "Портал")
    async with app.socket(token) as ws:
        closed = await until_closed(ws)
    assert len(closed.messages) == 1, closed.messages
    assert closed.error["code"] == "forbidden"
    assert closed.code == CLOSE_FORBIDDEN
