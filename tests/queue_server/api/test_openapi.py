"""The OpenAPI document tells the truth about refusals: they are problem JSON."""

from __future__ import annotations

import httpx
import pytest

from queue_server.api.problems import MEDIA_TYPE
from tests.helpers.office import Office
from tests.queue_server.api.conftest import KIOSK


@pytest.mark.asyncio
async def test_documented_refusals_are_problem_json(api: tuple[httpx.AsyncClient, Office]) -> None:
    """Every documented 4xx names application/problem+json (what is served), with its fields."""
    client, _ = api
    document = (await client.get("/openapi.json")).json()
    refusals = [
        (path, method, status, answer)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for status, answer in operation["responses"].items()
        if status.startswith("4")
    ]
    assert refusals
    for path, method, status, answer in refusals:
        assert list(answer["content"]) == [MEDIA_TYPE], (path, method, status)
        schema = answer["content"][MEDIA_TYPE]["schema"]
        assert {"title", "status", "detail", "code"} <= set(schema["required"]), (path, status)


@pytest.mark.asyncio
async def test_a_refusal_is_served_with_the_documented_media_type(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """The media type documented for a refusal is the one a refusal carries."""
    client, _ = api
    response = await client.post(
        "/api/v1/offices/test/tickets", json={"service": "passport"}, headers=KIOSK
    )
    document = (await client.get("/openapi.json")).json()
    documented = document["paths"]["/api/v1/offices/{office}/tickets"]["post"]["responses"]
    assert response.status_code == 404
    assert response.headers["content-type"].split(";")[0] in documented["404"]["content"]
