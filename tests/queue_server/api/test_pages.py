"""The public status page behind the ticket's QR code."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers.office import Office
from tests.queue_server.api.conftest import KIOSK, login

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


async def _issue(client: httpx.AsyncClient, service: str = "reg") -> str:
    response = await client.post(
        "/api/v1/offices/test/tickets", json={"service": service}, headers=KIOSK
    )
    return str(response.json()["status_url"]).split("/t/", 1)[1]


async def test_waiting_ticket_page_in_russian(api: tuple[httpx.AsyncClient, Office]) -> None:
    """The page shows the number, "Ожидайте вызова", people ahead, and refreshes itself."""
    client, _ = api
    await _issue(client)
    token = await _issue(client)
    page = await client.get(f"/t/{token}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "А002" in html and "Ожидайте вызова" in html and "Перед вами: <b>1</b>" in html
    assert 'http-equiv="refresh"' in html
    assert "Регистрация" in html


async def test_called_ticket_page_names_the_window_in_english(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """Once called, the page says "Your turn: window 1"; `?lang=en` switches to English."""
    client, _ = api
    token = await _issue(client)
    await client.post("/api/v1/desk/call-next", headers=await login(client, "alice"))
    html = (await client.get(f"/t/{token}?lang=en")).text
    assert 'Your turn: <span class="turn-where">window 1</span></div>' in html
    assert "Registration" in html
    assert "Алиса" not in html and "alice" not in html


async def test_unknown_token_page_is_a_clear_404(api: tuple[httpx.AsyncClient, Office]) -> None:
    """A wrong link gets a 404 page that says the ticket was not found."""
    client, _ = api
    page = await client.get("/t/not-a-ticket")
    assert page.status_code == 404 and "Талон не найден" in page.text


async def test_rate_limited_page_keeps_refreshing(api: tuple[httpx.AsyncClient, Office]) -> None:
    """Past the limit the status page is still HTML that refreshes itself after Retry-After."""
    client, _ = api
    token = await _issue(client)
    for _ in range(30):
        assert (await client.get(f"/t/{token}")).status_code == 200
    page = await client.get(f"/t/{token}")
    assert page.status_code == 429 and page.headers["content-type"].startswith("text/html")
    wait = page.headers["retry-after"]
    assert f'http-equiv="refresh" content="{wait}"' in page.text
    assert "Слишком много запросов" in page.text
