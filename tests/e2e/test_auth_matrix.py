"""The auth matrix of a real server: every route of its OpenAPI × every bad credential.

The routes are read from the served OpenAPI, so a new route is in the matrix the day it is added
(and fails here until it is classified below as public or as who may call it). Each bad
credential must get its problem: 401 when the caller is not known, 403 when the caller is known
but not allowed, never a 2xx and never a 5xx. The WebSocket refuses the same credentials.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from tests.e2e.api import TIMEOUT, ws_url
from tests.helpers.office import OFFICE_YAML, PASSWORDS, WORKPLACES
from tests.helpers.server_process import ServerProcess

pytestmark = pytest.mark.e2e

OFFICE = "test"
OTHER = "other"
MEDIA_TYPE = "application/problem+json"

# Routes anyone may call (the login, the kiosk menu, a ticket's public status, liveness).
PUBLIC = {
    ("GET", "/api/v1/health"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/offices/{office}/services"),
    ("GET", "/api/v1/public/tickets/{token}"),
}
# Who may call each route (the kinds of devices, "operator", and the "supervisor" role).
OPERATORS = frozenset({"operator", "supervisor"})
ALLOWED: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/api/v1/offices/{office}/tickets"): frozenset({"kiosk", "supervisor"}),
    ("GET", "/api/v1/offices/{office}/queue"): frozenset(
        {"kiosk", "display", "operator", "supervisor"}
    ),
    ("POST", "/api/v1/offices/{office}/tickets/{ticket}/cancel"): frozenset({"supervisor"}),
    # A booked visitor checks in at the office's kiosk (or through an API client's token).
    ("POST", "/api/v1/offices/{office}/check-in"): frozenset({"kiosk"}),
    # The booking API is for the office's API clients (and admins) only: no kind here may call it.
    **{
        (method, f"/api/v1/offices/{{office}}/booking/{path}"): frozenset()
        for method, path in (
            ("GET", "days"),
            ("GET", "slots"),
            ("POST", "bookings"),
            ("GET", "bookings/{code}"),
            ("POST", "bookings/{code}/cancel"),
            ("POST", "bookings/{code}/move"),
        )
    },
}
DESK_PREFIX = "/api/v1/desk"  # every desk route is for the operator signed in at a workplace
KINDS = ("kiosk", "display", "rating", "operator", "supervisor")

# The same office under another id, with its own people and devices.
OTHER_YAML = (
    OFFICE_YAML.replace("id: test", f"id: {OTHER}", 1)
    .replace("alice", "olga")
    .replace("bob", "oleg")
    .replace("carol", "oksana")
    .replace("id: kiosk-1", "id: other-kiosk")
    .replace("id: display-1", "id: other-display")
    .replace("id: rating-1", "id: other-rating")
    .replace("-token-1", "-token-other")
)
# Who stands for each kind, in each office: a device token, or an operator to sign in.
DEVICES = {
    OFFICE: {"kiosk": "kiosk-token-1", "display": "display-token-1", "rating": "rating-token-1"},
    OTHER: {
        "kiosk": "kiosk-token-other",
        "display": "display-token-other",
        "rating": "rating-token-other",
    },
}
PEOPLE = {
    OFFICE: {"operator": "alice", "supervisor": "carol"},
    OTHER: {"operator": "olga", "supervisor": "oksana"},
}
OTHER_PEOPLE = {"olga": "alice", "oleg": "bob", "oksana": "carol"}  # same passwords, workplaces
LEAVER = "bob"  # signs in, then out: his token is revoked


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as in the OpenAPI, with {parameters}
    body: Any  # a valid body, so that only the credential is wrong

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def url(self) -> str:
        return self.path.format(office=OFFICE, ticket=1, token="no-such-ticket", code="ACDEFHJK")


def allowed(route: Route) -> frozenset[str] | None:
    """Who may call `route` (None: the route is not classified)."""
    if route.path == DESK_PREFIX or route.path.startswith(DESK_PREFIX + "/"):
        return OPERATORS
    if route.key == ("POST", "/api/v1/ratings"):
        return frozenset({"rating"})  # the terminal's own office and workplace: no {office}
    if route.key == ("POST", "/api/v1/devices/alerts"):
        return frozenset({"kiosk", "display", "rating"})  # any device, its own office
    return ALLOWED.get(route.key)


def sample(schema: dict[str, Any], document: dict[str, Any]) -> Any:
    """A small value valid for the JSON `schema` (required fields only)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return sample(document["components"]["schemas"][name], document)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for choice in ("anyOf", "oneOf", "allOf"):
        if choice in schema:
            options = [s for s in schema[choice] if s.get("type") != "null"]
            return sample(options[0], document)
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: sample(properties[name], document) for name in schema.get("required", [])}
    if kind == "string":
        return "x" * max(1, schema.get("minLength", 1))
    if kind in ("integer", "number"):
        return max(1, schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1)
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    raise AssertionError(f"no sample for the schema {schema}")


def routes_of(document: dict[str, Any]) -> list[Route]:
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = None
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = sample(content["application/json"]["schema"], document)
            found.append(Route(method.upper(), path, body))
    return found


def _config_apply(db: Path, text: str, workdir: Path) -> None:
    config = workdir / "other-office.yaml"
    config.write_text(text, encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "okno.cli", "config", "apply", str(config), "--db", str(db)],
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def two_offices(tmp_path_factory: pytest.TempPathFactory, office_db: Path) -> Iterator[str]:
    """A real server holding the test office and another one; yields its URL."""
    workdir = tmp_path_factory.mktemp("auth-matrix")
    shutil.copyfile(office_db, workdir / "okno.db")
    _config_apply(workdir / "okno.db", OTHER_YAML, workdir)
    with ServerProcess(workdir) as server:
        yield server.url


def _sign_in(http: httpx.Client, login: str) -> str:
    person = OTHER_PEOPLE.get(login, login)
    response = http.post(
        "/api/v1/auth/login",
        json={"login": login, "password": PASSWORDS[person], "workplace": WORKPLACES[person]},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


@dataclass
class Matrix:
    http: httpx.Client
    routes: list[Route]
    tokens: dict[str, dict[str, str]]  # office -> kind -> token
    revoked: str


@pytest.fixture(scope="module")
def matrix(two_offices: str) -> Iterator[Matrix]:
    with httpx.Client(base_url=two_offices, timeout=TIMEOUT) as http:
        document = http.get("/openapi.json").json()
        tokens = {
            office: {
                **DEVICES[office],
                **{kind: _sign_in(http, login) for kind, login in PEOPLE[office].items()},
            }
            for office in (OFFICE, OTHER)
        }
        revoked = _sign_in(http, LEAVER)
        response = http.post("/api/v1/desk/logout", headers={"Authorization": f"Bearer {revoked}"})
        assert response.status_code == 200, response.text
        yield Matrix(http, routes_of(document), tokens, revoked)


def _call(m: Matrix, route: Route, authorization: str | None) -> httpx.Response:
    headers = {} if authorization is None else {"Authorization": authorization}
    return m.http.request(route.method, route.url, json=route.body, headers=headers)


def _wrong(response: httpx.Response, status: int) -> str | None:
    """What is wrong with `response` as the refusal `status` (None: it is right)."""
    code = {401: "unauthorized", 403: "forbidden"}[status]
    if response.status_code != status:
        return f"{response.status_code} {response.text[:200]}"
    if not response.headers.get("content-type", "").startswith(MEDIA_TYPE):
        return f"content-type {response.headers.get('content-type')}"
    if response.json().get("code") != code:
        return f"code {response.json().get('code')}"
    if status == 401 and response.headers.get("www-authenticate") != "Bearer":
        return "no WWW-Authenticate: Bearer"
    return None


def _protected(m: Matrix) -> list[Route]:
    return [route for route in m.routes if route.key not in PUBLIC]


def test_every_route_is_public_or_says_who_may_call_it(matrix: Matrix) -> None:
    """A route added to the API must be classified here before the matrix can pass."""
    keys = {route.key for route in matrix.routes}
    assert keys >= PUBLIC, PUBLIC - keys
    assert set(ALLOWED) <= keys, set(ALLOWED) - keys
    unclassified = [route.key for route in _protected(matrix) if allowed(route) is None]
    assert not unclassified
    assert len(_protected(matrix)) >= len(ALLOWED) + 10  # the desk's routes are there too


BAD_TOKENS = {
    "no token": None,
    "made-up token": "Bearer no-such-token",
    "bearer without a token": "Bearer",
    "not a bearer": "Basic a2lvc2stdG9rZW4tMTo=",
}


@pytest.mark.parametrize("credential", list(BAD_TOKENS))
def test_an_unknown_caller_gets_401_everywhere(matrix: Matrix, credential: str) -> None:
    """No token, or one the server never issued: 401 unauthorized on every protected route."""
    wrong = {
        route.key: problem
        for route in _protected(matrix)
        if (problem := _wrong(_call(matrix, route, BAD_TOKENS[credential]), 401))
    }
    assert not wrong


def test_a_revoked_token_gets_401_everywhere(matrix: Matrix) -> None:
    """An operator's token after logout: 401 on every protected route (never the old rights)."""
    wrong = {
        route.key: problem
        for route in _protected(matrix)
        if (problem := _wrong(_call(matrix, route, f"Bearer {matrix.revoked}"), 401))
    }
    assert not wrong


def test_a_caller_of_the_wrong_kind_gets_403(matrix: Matrix) -> None:
    """Each kind of token on each route it is not for (a display issuing a ticket, a kiosk at a
    desk, an operator cancelling without the supervisor role): 403 forbidden."""
    wrong = {}
    cells = 0
    for route in _protected(matrix):
        permitted = allowed(route) or frozenset()
        for kind in KINDS:
            if kind in permitted or (kind == "supervisor" and "operator" in permitted):
                continue
            cells += 1
            token = matrix.tokens[OFFICE][kind]
            if problem := _wrong(_call(matrix, route, f"Bearer {token}"), 403):
                wrong[(route.key, kind)] = problem
    assert not wrong
    assert cells >= 30


def test_a_caller_of_another_office_gets_403(matrix: Matrix) -> None:
    """Every kind of token of another office on this office's routes: 403 forbidden, even the
    kinds that may call the route in their own office."""
    scoped = [route for route in _protected(matrix) if "{office}" in route.path]
    assert len(scoped) >= len(ALLOWED)
    wrong = {
        (route.key, kind): problem
        for route in scoped
        for kind in KINDS
        if (problem := _wrong(_call(matrix, route, f"Bearer {matrix.tokens[OTHER][kind]}"), 403))
    }
    assert not wrong


def test_the_credentials_used_are_valid_ones(matrix: Matrix) -> None:
    """The matrix's tokens work where they are allowed (so its 403s are not 401s in disguise)."""
    queue = f"/api/v1/offices/{OFFICE}/queue"
    for kind in ("kiosk", "display", "operator", "supervisor"):
        token = matrix.tokens[OFFICE][kind]
        assert matrix.http.get(queue, headers={"Authorization": f"Bearer {token}"}).is_success
    other_queue = f"/api/v1/offices/{OTHER}/queue"
    for kind in ("kiosk", "display", "operator", "supervisor"):
        token = matrix.tokens[OTHER][kind]
        answer = matrix.http.get(other_queue, headers={"Authorization": f"Bearer {token}"})
        assert answer.is_success
    rating = matrix.http.get("/api/v1/desk", headers={"Authorization": "Bearer rating-token-1"})
    assert rating.status_code == 403  # known (not 401), but not an operator


def _hello(url: str, token: str) -> tuple[dict[str, Any], int | None]:
    """The server's answer to a hello with `token`, and the close code that follows it."""
    with ws_connect(ws_url(url), open_timeout=TIMEOUT, close_timeout=2) as ws:
        ws.send(json.dumps({"type": "hello", "v": 1, "token": token, "since": None}))
        answer: dict[str, Any] = json.loads(ws.recv(timeout=TIMEOUT))
        try:
            ws.recv(timeout=TIMEOUT)
        except ConnectionClosed as closed:
            return answer, closed.rcvd.code if closed.rcvd else None
    raise AssertionError("the server did not close the connection")


@pytest.mark.parametrize("credential", ["made-up token", "bearer prefix", "revoked operator token"])
def test_websocket_hello_with_a_bad_credential_is_refused(
    matrix: Matrix, two_offices: str, credential: str
) -> None:
    """A hello with a token the server does not accept: WsError unauthorized, then close 4401."""
    token = {
        "made-up token": "no-such-token",
        "bearer prefix": f"Bearer {DEVICES[OFFICE]['display']}",
        "revoked operator token": matrix.revoked,
    }[credential]
    answer, close_code = _hello(two_offices, token)
    assert answer["type"] == "error"
    assert answer["code"] == "unauthorized"
    assert answer["detail"]
    assert close_code == 4401


def test_websocket_hello_without_a_token_is_a_bad_hello(two_offices: str) -> None:
    """A hello whose token is empty is malformed (the protocol requires one): close 4400."""
    answer, close_code = _hello(two_offices, "")
    assert (answer["type"], answer["code"], close_code) == ("error", "bad_hello", 4400)
