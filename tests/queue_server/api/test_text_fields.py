"""String fields of requests are bounded and clean; a refusal never fails nor echoes the input."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from queue_protocol import models as m
from queue_server.api.problems import problem
from tests.helpers.office import Office
from tests.queue_server.api.conftest import KIOSK, login

LONE_SURROGATE = "\ud800"
REQUEST_MODELS: list[type[BaseModel]] = [
    m.LoginRequest,
    m.IssueTicketRequest,
    m.CallRequest,
    m.FinishRequest,
    m.ReturnRequest,
    m.TransferRequest,
    m.PauseRequest,
]
# (who sends it, path, a valid body, the field spoiled)
FIELDS = [
    (None, "/api/v1/auth/login", {"login": "alice", "password": "x", "workplace": "1"}, "login"),
    (
        None,
        "/api/v1/auth/login",
        {"login": "alice", "password": "x", "workplace": "1"},
        "workplace",
    ),
    ("kiosk", "/api/v1/offices/test/tickets", {"service": "reg"}, "service"),
    ("carol", "/api/v1/desk/transfer", {"service": "reg"}, "service"),
    ("carol", "/api/v1/desk/transfer", {"service": "reg", "operator": "bob"}, "operator"),
    ("carol", "/api/v1/desk/transfer", {"service": "reg", "workplace": "2"}, "workplace"),
    ("carol", "/api/v1/desk/pause", {"reason": "lunch"}, "reason"),
]
SPOILERS = {
    "lone surrogate": f"a{LONE_SURROGATE}b",
    "NUL": "a\x00b",
    "newline": "a\nb",
    "C1 control": "a\x85b",
    "too long": "x" * 5000,
}


def _body(value: str, base: dict[str, Any], field: str) -> bytes:
    # json.dumps escapes the surrogate as \ud800: valid JSON that decodes to a lone surrogate.
    return json.dumps({**base, field: value}).encode()


@pytest.mark.integration
@pytest.mark.asyncio
@pytest.mark.parametrize(("who", "path", "base", "field"), FIELDS)
async def test_bad_text_in_any_string_field_is_a_validation_problem(
    api: tuple[httpx.AsyncClient, Office],
    who: str | None,
    path: str,
    base: dict[str, Any],
    field: str,
) -> None:
    """Lone surrogates, control characters, overlong text: 422 naming the field, never a 500."""
    client, _ = api
    headers = {"Content-Type": "application/json"}
    if who == "kiosk":
        headers |= KIOSK
    elif who is not None:
        headers |= await login(client, who)
    for spoiler, value in SPOILERS.items():
        response = await client.post(path, content=_body(value, base, field), headers=headers)
        assert response.status_code == 422, (spoiler, response.text)
        answer = response.json()
        assert answer["code"] == "validation_error" and field in answer["detail"], spoiler
        assert len(response.content) < 1000, spoiler  # the value sent is not echoed


@pytest.mark.integration
@pytest.mark.asyncio
@pytest.mark.parametrize("field", ["workplace", "operator"])
async def test_transfer_of_a_called_visitor_to_a_lone_surrogate_is_422_not_500(
    api: tuple[httpx.AsyncClient, Office], field: str
) -> None:
    """The probe's case: a desk with a visitor transfers to "\\ud800"; refused, nothing changes."""
    client, _ = api
    headers = await login(client, "carol")
    issued = await client.post(
        "/api/v1/offices/test/tickets", json={"service": "ben"}, headers=KIOSK
    )
    assert issued.status_code == 201, issued.text
    assert (await client.post("/api/v1/desk/call-next", headers=headers)).status_code == 200
    before = (await client.get("/api/v1/desk", headers=headers)).json()
    body = _body(LONE_SURROGATE, {"service": "reg"}, field)
    response = await client.post(
        "/api/v1/desk/transfer",
        content=body,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"
    assert (await client.get("/api/v1/desk", headers=headers)).json() == before


@pytest.mark.integration
@pytest.mark.asyncio
async def test_a_lone_surrogate_password_is_a_validation_problem(
    api: tuple[httpx.AsyncClient, Office],
) -> None:
    """A password that cannot be encoded is refused (422), not hashed into a 500."""
    client, _ = api
    body = _body(LONE_SURROGATE, {"login": "alice", "workplace": "1"}, "password")
    response = await client.post(
        "/api/v1/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422 and response.json()["code"] == "validation_error"


@pytest.mark.integration
@pytest.mark.asyncio
async def test_unknown_keys_are_not_echoed_whole(api: tuple[httpx.AsyncClient, Office]) -> None:
    """60 kB of made-up field names give a refusal of a few hundred bytes, not 60 kB."""
    client, _ = api
    keys = {f"{i}{'k' * 6000}": 1 for i in range(10)}
    response = await client.post(
        "/api/v1/offices/test/tickets", json={"service": "reg", **keys}, headers=KIOSK
    )
    assert response.status_code == 422 and response.json()["code"] == "validation_error"
    assert len(response.content) < 4000


def test_the_problem_encoder_never_fails_on_unencodable_text() -> None:
    """A detail holding a lone surrogate is answered with it replaced, not with a 500."""
    response = problem(404, "unknown_workplace", f"Нет места {LONE_SURROGATE}", {"id": "\udfff"})
    answer = json.loads(response.body)
    assert answer["detail"] == "Нет места ?" and answer["extra"] == {"id": "?"}


def test_the_problem_encoder_cuts_long_texts() -> None:
    """Whatever the detail or an extra holds, the answer stays small."""
    response = problem(404, "not_found", "x" * 1_000_000, {"id": "y" * 1_000_000})
    assert len(response.body) < 3000


def test_the_problem_encoder_survives_values_json_cannot_hold() -> None:
    """A NaN among the extras drops the extras, the problem itself is still answered."""
    answer = json.loads(problem(409, "odd", "detail", {"ratio": float("nan")}).body)
    assert answer["code"] == "odd" and "extra" not in answer


@pytest.mark.parametrize("model", REQUEST_MODELS, ids=lambda model: model.__name__)
def test_every_string_field_of_a_request_is_bounded(model: type[BaseModel]) -> None:
    """Each string in a request schema has a maxLength (and ids a minLength)."""
    for name, schema in model.model_json_schema()["properties"].items():
        options = schema.get("anyOf", [schema])
        for option in options:
            if option.get("type") == "string" and "enum" not in option:
                assert "maxLength" in option, (model.__name__, name)
