"""The HTTP API in-process (ASGI): routes, auth, problem JSON, idempotency over HTTP."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers.office import Office
from tests.queue_server.api.conftest import KIOSK, login

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


async def test_every_http_route_is_in_the_openapi(api: tuple[httpx.AsyncClient, Office]) -> None:
    """The served OpenAPI lists every command of the contract."""
    client, _ = api
    paths = (await client.get("/openapi.json")).json()["paths"]
    expected = {
        "/api/v1/health",
        "/api/v1/auth/login",
        "/api/v1/offices/{office}/services",
        "/api/v1/offices/{office}/tickets",
        "/api/v1/offices/{office}/queue",
        "/api/v1/public/tickets/{token}",
        "/api/v1/desk",
        *(
            f"/api/v1/desk/{name}"
            for name in (
                [
                    "call-next",
                    "call",
                    "recall",
                    "start",
                    "finish",
                    "no-show",
                    "return",
                    "transfer",
                    "pause",
                    "resume",
                ]
            )
        ),
    }
    assert expected <= set(paths)


async def test_wrong_password_and_unknown_login_look_the_same(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """Both get 401 bad_credentials with the same text, so logins cannot be guessed."""
    client, _ = api
    wrong = await client.post(
        "/api/v1/auth/login", json={"login": "alice", "password": "nope", "workplace": "1"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"login": "mallory", "password": "nope", "workplace": "1"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == unknown.json()["code"] == "bad_credentials"
    assert wrong.json()["detail"] == unknown.json()["detail"] == "Неверный логин или пароль"


async def test_operator_token_expires(api: tuple[httpx.AsyncClient, Office]) -> None:
    """After 12 hours the operator's token is refused with token_expired."""
    client, office = api
    headers = await login(client, "alice")
    assert (await client.get("/api/v1/desk", headers=headers)).status_code == 200
    office.clock.advance(minutes=12 * 60 + 1)
    response = await client.get("/api/v1/desk", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"
    assert response.headers["content-type"] == "application/problem+json"


async def test_kiosk_token_cannot_drive_a_desk(api: tuple[httpx.AsyncClient, Office]) -> None:
    """A device token on a desk command is 403 forbidden, in English when asked."""
    client, _ = api
    response = await client.post(
        "/api/v1/desk/call-next", headers={**KIOSK, "Accept-Language": "en"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert response.json()["detail"] == "Desk commands are for signed-in operators only"


async def test_idempotent_issue_over_http(api: tuple[httpx.AsyncClient, Office]) -> None:
    """The same Idempotency-Key returns the same ticket and marks the answer as replayed."""
    client, _ = api
    headers = {**KIOSK, "Idempotency-Key": "abc-1"}
    first = await client.post(
        "/api/v1/offices/test/tickets", json={"service": "reg"}, headers=headers
    )
    again = await client.post(
        "/api/v1/offices/test/tickets", json={"service": "reg"}, headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers.get("idempotent-replayed") == "true"
    queue = await client.get("/api/v1/offices/test/queue", headers=KIOSK)
    assert [t["number"] for t in queue.json()["waiting"]] == ["А001"]


async def test_public_status_shows_no_personal_data(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """The status page by token gives number, place and estimate; an unknown token is 404."""
    client, _ = api
    issued = (
        await client.post("/api/v1/offices/test/tickets", json={"service": "vac"}, headers=KIOSK)
    ).json()
    token = issued["status_url"].rsplit("/", 1)[1]
    public = (await client.get(f"/api/v1/public/tickets/{token}")).json()
    assert public["number"] == "В001" and public["status"] == "waiting" and public["ahead"] == 0
    assert public["service_name"]["ru"] == "Вакансии"
    assert not {"operator", "id", "lang"} & set(public)
    missing = await client.get("/api/v1/public/tickets/nope")
    assert (missing.status_code, missing.json()["code"]) == (404, "unknown_ticket")


async def test_desk_flow_over_http(api: tuple[httpx.AsyncClient, Office]) -> None:
    """Call-next, start and finish move the desk's ticket; an empty queue is 404 queue_empty."""
    client, _ = api
    headers = await login(client, "alice")
    await client.post("/api/v1/offices/test/tickets", json={"service": "reg"}, headers=KIOSK)
    called = (await client.post("/api/v1/desk/call-next", headers=headers)).json()
    assert called["ticket"]["status"] == "called"
    assert (await client.post("/api/v1/desk/start", headers=headers)).json()["ticket"][
        "status"
    ] == "serving"
    finished = await client.post(
        "/api/v1/desk/finish", json={"outcome": "resolved"}, headers=headers
    )
    assert finished.json()["ticket"] is None
    empty = await client.post("/api/v1/desk/call-next", headers=headers)
    assert (empty.status_code, empty.json()["code"]) == (404, "queue_empty")
    assert empty.json()["detail"] == "Очередь пуста"


async def test_bad_outcome_is_a_validation_problem(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """An unknown outcome value is 422 validation_error naming the field."""
    client, _ = api
    headers = await login(client, "alice")
    response = await client.post("/api/v1/desk/finish", json={"outcome": "maybe"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert "outcome" in response.json()["detail"]
