"""Answers found wanting by probing from outside: 405 names the allowed methods; a bad hello
is refused without echoing what the client sent."""

from __future__ import annotations

import json

import httpx
import pytest

from queue_protocol.errors import ProtocolError
from queue_protocol.messages import decode_hello
from tests.helpers.office import Office


@pytest.mark.asyncio
async def test_405_says_which_methods_are_allowed(api: tuple[httpx.AsyncClient, Office]) -> None:
    """DELETE on the services list is 405 problem JSON with an Allow header (RFC 9110)."""
    client, _ = api
    response = await client.delete("/api/v1/offices/test/services")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert response.headers["Allow"] == "GET"


def test_a_malformed_hello_is_refused_without_echoing_its_values() -> None:
    """A hello with a 100 kB value in a wrong field gives a short error that does not repeat it."""
    huge = "x" * 100_000
    raw = json.dumps({"type": "hello", "v": 1, "token": "t", "since": huge})
    with pytest.raises(ProtocolError) as refused:
        decode_hello(raw)
    assert huge[:50] not in str(refused.value)
    assert len(str(refused.value)) < 1_000
