"""`POST /api/v1/ratings` (the rating terminal) and `GET /api/v1/desk/today` (the operator's
own figures)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from queue_protocol.ratings import DeskToday, RateRequest, RatingStored
from queue_server.api.deps import ContainerDep, IdempotencyKeyDep, OperatorDep, PrincipalDep
from queue_server.api.routes import _PROBLEMS, run_command
from queue_server.service import commands as c
from queue_server.service.auth import Forbidden
from queue_server.service.ratings import desk_today

router = APIRouter(prefix="/api/v1", responses=_PROBLEMS)


@router.post("/ratings", response_model=RatingStored, status_code=201, tags=["rating"])
async def rate(
    body: RateRequest,
    request: Request,
    container: ContainerDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """The rating terminal of a workplace sends the visitor's verdict on the service just
    finished there: CSAT 1-5, optionally CES 1-5 and reason tags.

    Refused (409) when nothing was served at the workplace for that ticket lately
    (`rating_not_expected`), when the step is rated already (`already_rated`) or after the
    office's rating window (`rating_expired`); only a rating terminal with a workplace may rate.
    """
    if principal.kind != "rating" or principal.workplace is None:
        raise Forbidden(
            "Оценку принимает только терминал оценки у рабочего места",
            "Only a rating terminal of a workplace may send ratings",
        )
    command = c.RateStep(
        office=principal.office,
        device=principal.id,
        workplace=principal.workplace,
        ticket=body.ticket,
        csat=body.csat,
        ces=body.ces,
        reasons=tuple(r.value for r in body.reasons),
    )
    return await run_command(
        request, container, command, principal, idempotency_key, body.model_dump(mode="json"), 201
    )


@router.get("/desk/today", response_model=DeskToday, tags=["desk"])
async def today(container: ContainerDep, principal: OperatorDep) -> DeskToday:
    """The signed-in operator's figures today: served, mean service time, mean rating; and the
    services they serve with their levels."""
    return await run_in_threadpool(
        desk_today,
        container.engine,
        container.service.clock,
        principal.office,
        principal.id,
    )
