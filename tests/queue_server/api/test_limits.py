"""Rate limits, id bounds and logout over HTTP."""

from __future__ import annotations

import httpx
import pytest

from queue_server.api.ratelimit import RateLimit, RateLimited
from tests.helpers.office import Office
from tests.queue_server.api.conftest import KIOSK, login

pytestmark = pytest.mark.asyncio


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_bucket_allows_the_burst_then_refills() -> None:
    """3 at once pass, the 4th is refused with the wait; a second later one more passes."""
    clock = Clock()
    limit = RateLimit(per_minute=60, burst=3, clock=clock)
    for _ in range(3):
        limit.check("10.0.0.1")
    with pytest.raises(RateLimited) as raised:
        limit.check("10.0.0.1")
    assert raised.value.extra["retry_after"] == 1 and "повторите через 1 с" in raised.value.ru
    limit.check("10.0.0.2")  # another address has its own bucket
    clock.now = 1.0
    limit.check("10.0.0.1")


@pytest.mark.integration
async def test_public_status_route_is_limited(api: tuple[httpx.AsyncClient, Office]) -> None:
    """The 31st quick request for a status page gets 429 rate_limited with Retry-After."""
    client, _ = api
    codes = [(await client.get("/api/v1/public/tickets/x")).status_code for _ in range(31)]
    assert codes[:30] == [404] * 30
    last = await client.get("/api/v1/public/tickets/x")
    assert last.status_code == 429 and last.json()["code"] == "rate_limited"
    assert int(last.headers["retry-after"]) >= 1


@pytest.mark.integration
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/desk/call", {"ticket": 2**63}),
        ("POST", "/api/v1/desk/call", {"ticket": 0}),
        ("POST", "/api/v1/offices/test/tickets/99999999999999999999999/cancel", None),
    ],
)
async def test_out_of_range_ids_are_validation_problems(
    api: tuple[httpx.AsyncClient, Office], method: str, path: str, body: object
) -> None:
    """Ids beyond what a database row can hold are 422 validation_error, never a 500."""
    client, _ = api
    headers = await login(client, "carol")
    response = await client.request(method, path, json=body, headers=headers)
    assert response.status_code == 422 and response.json()["code"] == "validation_error"


@pytest.mark.integration
async def test_logout_revokes_the_token_and_goes_offline(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """After logout the token is refused and the queue sees no operator for reg."""
    client, _ = api
    headers = await login(client, "alice")
    response = await client.post("/api/v1/desk/logout", headers=headers)
    assert response.status_code == 200 and response.json()["state"] == "offline"
    again = await client.get("/api/v1/desk", headers=headers)
    assert again.status_code == 401
    queue = (await client.get("/api/v1/offices/test/queue", headers=KIOSK)).json()
    reg = next(s for s in queue["services"] if s["service"] == "reg")
    assert reg["estimate_minutes"] is None
