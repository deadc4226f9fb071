"""`/api/v1/sim/clock`: the simulation clock, read and moved by `okno simulate` (simulation only).

A server without OKNO_SIMULATION answers 404 `simulation_off`; moving the clock needs the
OKNO_SIMULATION_TOKEN as the bearer token.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header
from pydantic import BaseModel, ConfigDict, Field

from queue_server.api.deps import ContainerDep, bearer
from queue_server.bootstrap import Container
from queue_server.domain.errors import NotFound
from queue_server.service.auth import AuthError
from queue_server.service.simclock import MAX_RATE, SimulatedClock

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
    if clock is None:
        raise NotFound(
            "simulation_off",
            "Сервер работает не в режиме симуляции (OKNO_SIMULATION выключен)",
            "This server is not a simulation server (OKNO_SIMULATION is off)",
        )
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
