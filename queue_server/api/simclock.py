"""`/api/v1/sim/clock`: the simulation clock, read and moved by `okno simulate` (simulation only).

Only a simulation server has these routes: an ordinary server answers them with a plain 404
`not_found` and lists nothing of them in its OpenAPI. Reading or moving the clock needs the
OKNO_SIMULATION_TOKEN as the bearer token. A simulation server also takes the time with any
request (headers X-Okno-Sim-Now and X-Okno-Sim-Token): the clock moves there before the request
is served, which spares the simulator a round trip per event. A production server has neither.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, FastAPI, Header
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Receive, Scope, Send

from queue_server.api.deps import ContainerDep, bearer
from queue_server.api.problems import MEDIA_TYPE, PROBLEM_TYPE, ProblemResponse
from queue_server.bootstrap import Container
from queue_server.domain.errors import DomainError
from queue_server.service.auth import AuthError
from queue_server.service.simclock import MAX_RATE, ClockRefused, SimulatedClock

router = APIRouter(prefix="/api/v1/sim", tags=["simulation"])


class ClockSetting(BaseModel):
    """Where the simulation clock goes: `now` (with a zone), running `rate` × the wall clock."""

    model_config = ConfigDict(extra="forbid")

    now: datetime
    rate: float = Field(default=0.0, ge=0, le=MAX_RATE)


class ClockView(BaseModel):
    now: datetime
    rate: float


def _clock(container: Container, authorization: str | None) -> SimulatedClock:
    clock = container.sim_clock
    assert clock is not None, "the clock routes exist on a simulation server only"
    token = bearer(authorization) or ""
    expected = container.settings.simulation_token or ""
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise AuthError(
            "bad_simulation_token",
            "Нужен токен симуляции (OKNO_SIMULATION_TOKEN)",
            "The simulation token (OKNO_SIMULATION_TOKEN) is required",
        )
    return clock


@router.get("/clock", response_model=ClockView)
async def read_clock(
    container: ContainerDep, authorization: Annotated[str | None, Header()] = None
) -> ClockView:
    """The simulated now and the clock's rate."""
    clock = _clock(container, authorization)
    return ClockView(now=clock(), rate=clock.rate)


@router.post("/clock", response_model=ClockView)
async def set_clock(
    body: ClockSetting,
    container: ContainerDep,
    authorization: Annotated[str | None, Header()] = None,
) -> ClockView:
    """Move the simulated clock (only forward once set); 409 `clock_backwards` otherwise."""
    clock = _clock(container, authorization)
    now = clock.set(body.now, body.rate)
    return ClockView(now=now, rate=clock.rate)


def install(app: FastAPI, container: Container) -> None:
    """On a simulation server only: the clock routes."""
    if container.sim_clock is not None:
        app.include_router(router)


def with_request_clock(container: Container, app: ASGIApp) -> ASGIApp:
    """On a simulation server, `app` behind the time taken with any request: outermost, so that
    the routes served before FastAPI (`api.lean`) move the clock too."""
    clock, token = container.sim_clock, container.settings.simulation_token
    if clock is None or not token:
        return app
    return ClockWithRequest(app, clock=clock, token=token)


NOW_HEADER = b"x-okno-sim-now"
TOKEN_HEADER = b"x-okno-sim-token"


class ClockWithRequest:
    """Moves the simulation clock to a request's X-Okno-Sim-Now before serving the request."""

    def __init__(self, app: ASGIApp, clock: SimulatedClock, token: str) -> None:
        self.app = app
        self.clock = clock
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            now = token = None
            for name, value in scope["headers"]:
                if name == NOW_HEADER:
                    now = value
                elif name == TOKEN_HEADER:
                    token = value
            if now is not None:
                refusal = self._move(now, token)
                if refusal is not None:
                    await refusal(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    def _move(self, now: bytes, token: bytes | None) -> ProblemResponse | None:
        error: DomainError
        if token is None or not hmac.compare_digest(token, self.token):
            error = AuthError(
                "bad_simulation_token",
                "Нужен токен симуляции (X-Okno-Sim-Token)",
                "The simulation token (X-Okno-Sim-Token) is required",
            )
        else:
            try:
                self.clock.set(datetime.fromisoformat(now.decode()), 0.0)
                return None
            except (ValueError, UnicodeDecodeError):
                error = ClockRefused(
                    "clock_bad_time",
                    "X-Okno-Sim-Now: нужно время ISO 8601 с часовым поясом",
                    "X-Okno-Sim-Now: give an ISO 8601 time with a zone",
                )
            except ClockRefused as exc:
                error = exc
        return ProblemResponse(
            {
                "type": PROBLEM_TYPE + error.code,
                "title": error.en,
                "status": error.status,
                "detail": error.en,
                "code": error.code,
            },
            status_code=error.status,
            media_type=MEDIA_TYPE,
        )
