"""Schemathesis over the served OpenAPI of a real server on the demo office: bounded and seeded.

Every operation the server documents is called with generated requests (valid and invalid) and
valid credentials, so the requests reach the handlers: no answer may be a server error, and every
answer must have a documented status code, content type and body schema.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers.server_process import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

OFFICE = "demo"
KIOSK = "demo-kiosk"
DISPLAY = "demo-display"
OPERATOR = ("op1", "1")  # login, workplace: the desk commands
LEAVING = ("op2", "2")  # logged in afresh for each logout case
SUPERVISOR = ("op5", "5")
DEMO_PASSWORD = "demo"
SERVICES = ["registration", "vacancies", "career-guidance", "aptitude-testing", "benefit"]
WAITING_TICKETS = 40  # so that the desk commands have visitors to call

MAX_EXAMPLES = 25
SEED = 20260310

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,  # an invalid request is refused, never carried out
    missing_required_header,
]

# Bounded and repeatable: a fixed seed, no example database, no stateful phase (the desk's
# states are walked by test_scenario); the office and service values are the demo's most of the
# time so the generated requests get past "unknown office" into the handlers.
CONFIG: dict[str, Any] = {
    "seed": SEED,
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    "phases": {"stateful": {"enabled": False}},
    "dictionaries": {"offices": {"values": [OFFICE]}, "services": {"values": SERVICES}},
    "parameters": {
        "path.office": {"dictionary": "offices", "probability": 0.9},
        "body.service": {"dictionary": "services", "probability": 0.6},
    },
}

# The fuzz is about the handlers, not the per-address limits (tests/queue_server/api/test_limits).
UNLIMITED = {
    "OKNO_LOGIN_RATE_BURST": "1000000",
    "OKNO_PUBLIC_RATE_BURST": "1000000",
}


def _login(url: str, who: tuple[str, str]) -> str:
    login, workplace = who
    response = httpx.post(
        f"{url}/api/v1/auth/login",
        json={"login": login, "password": DEMO_PASSWORD, "workplace": workplace},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A real server seeded with the demo office, its rate limits out of the way."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in UNLIMITED.items():
            env.setenv(name, value)
        server = ServerProcess(Path(tmp_path_factory.mktemp("fuzz")), demo=True).start()
    try:
        for index in range(WAITING_TICKETS):
            response = httpx.post(
                f"{server.url}/api/v1/offices/{OFFICE}/tickets",
                json={"service": SERVICES[index % len(SERVICES)]},
                headers={"Authorization": f"Bearer {KIOSK}"},
                timeout=10,
            )
            assert response.status_code == 201, response.text
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def tokens(demo_server: ServerProcess) -> dict[str, str]:
    """A valid token per kind of caller."""
    return {
        "kiosk": KIOSK,
        "display": DISPLAY,
        "operator": _login(demo_server.url, OPERATOR),
        "supervisor": _login(demo_server.url, SUPERVISOR),
    }


@pytest.fixture(scope="module")
def fuzz_stats() -> Iterator[Counter[str]]:
    """Cases run per operation; the run must have reached every operation of the schema."""
    stats: Counter[str] = Counter()
    started = time.monotonic()
    yield stats
    elapsed = time.monotonic() - started
    print(f"\nschemathesis: {len(stats)} operations, {stats.total()} cases, {elapsed:.1f} s")
    for label, count in sorted(stats.items()):
        print(f"  {count:4d}  {label}")


@pytest.fixture(scope="module")
def api_schema(demo_server: ServerProcess, fuzz_stats: Counter[str]) -> Any:
    """The OpenAPI document as the server serves it."""
    config = schemathesis.Config.from_dict(CONFIG)
    return schemathesis.openapi.from_url(f"{demo_server.url}/openapi.json", config=config)


def caller(method: str, path: str) -> str | None:
    """Which kind of token the operation wants (None: public)."""
    if path.startswith("/api/v1/desk"):
        return "leaving" if path.endswith("/logout") else "operator"
    if path.endswith("/cancel"):
        return "supervisor"
    if path.endswith("/tickets") and method == "POST":
        return "kiosk"
    if path.endswith("/queue"):
        return "display"
    return None


@pytest.fixture
def _schemathesis_node_id(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32 reads `node._nodeid`, which pytest 9.2 no longer has: give it one."""
    request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.usefixtures("_schemathesis_node_id")
@schema.parametrize()
def test_every_answer_is_documented_and_no_server_error(
    case: schemathesis.Case,
    demo_server: ServerProcess,
    tokens: dict[str, str],
    fuzz_stats: Counter[str],
) -> None:
    """Generated requests with valid tokens: no 5xx; status, content type and body as documented."""
    kind = caller(case.operation.method.upper(), case.operation.path)
    if kind == "leaving":
        token = _login(demo_server.url, LEAVING)  # each logout revokes its token
    else:
        token = tokens[kind] if kind else None
    if token is not None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
    fuzz_stats[case.operation.label] += 1
    case.call_and_validate(checks=CHECKS, timeout=10)
