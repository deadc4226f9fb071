"""The booking API for outside systems: `/api/v1/offices/{office}/booking/...`.

Callers hold an API client token of the office (`okno api-client add`); an administrator's
token works too. Each caller is rate-limited like a public page's visitor. Refusals are problem
JSON in the caller's language (Accept-Language), a booking's refusal in the visitor's (`lang` of
the body).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from queue_protocol.bookings import (
    BookedSlot,
    BookingView,
    BookRequest,
    FreeDays,
    FreeSlots,
    MoveRequest,
)
from queue_server.api.deps import ContainerDep, IdempotencyKeyDep, PrincipalDep
from queue_server.api.problems import problem, request_lang
from queue_server.api.routes import _LIMITED, run_command
from queue_server.domain.bookings import BookingNotFound
from queue_server.domain.errors import DomainError
from queue_server.service import commands as c
from queue_server.service.auth import API_CLIENT, Principal, require
from queue_server.service.bookings import BookingQueries

router = APIRouter(prefix="/api/v1/offices/{office}/booking", tags=["booking"])

#: the longest date range one free-slots request may ask for
MAX_RANGE_DAYS = 31

OfficeId = Annotated[str, Path(max_length=64)]
Code = Annotated[str, Path(min_length=4, max_length=32, description="the booking code")]

_RESPONSES: dict[int | str, dict[str, Any]] = {
    **_LIMITED,
    404: {
        **_LIMITED[404],
        "description": "unknown_office, unknown_service, booking_not_found",
    },
    409: {
        **_LIMITED[409],
        "description": "The slot cannot be booked now: slot_full, slot_in_past, too_soon, "
        "beyond_horizon, holiday, closed, daily_limit, not_bookable; booking_closed (the booking "
        "was cancelled, checked in or its time has come)",
    },
    422: {
        **_LIMITED[422],
        "description": "invalid_phone, invalid_email, invalid_name, consent_required (a contact "
        "given without consent), bad_range; invalid fields",
    },
}


async def booking_queries(request: Request, container: ContainerDep) -> BookingQueries:
    """The app's BookingQueries (made on first use, on the container's engine and clock)."""
    state = request.app.state
    queries: BookingQueries | None = getattr(state, "booking_queries", None)
    if queries is None:
        queries = state.booking_queries = BookingQueries(container.engine, container.service.clock)
    return queries


QueriesDep = Annotated[BookingQueries, Depends(booking_queries)]


async def booking_caller(office: OfficeId, principal: PrincipalDep, request: Request) -> Principal:
    """The caller, when it is an API client (or an admin) of `office`: checked before the
    request's fields, so a caller without the right gets 403 whatever it sent. Each caller is
    then limited like a public page's visitor (OKNO_PUBLIC_RATE_*), per caller rather than per
    address, since a portal sends every visitor's booking from one address."""
    require(principal, API_CLIENT, office=office)
    request.app.state.public_limit.check(principal.key)
    return principal


CallerDep = Annotated[Principal, Depends(booking_caller)]


class BadRange(DomainError):
    code = "bad_range"
    status = 422


@router.get("/days", response_model=FreeDays, responses=_RESPONSES)
async def free_days(
    office: OfficeId,
    principal: CallerDep,
    queries: QueriesDep,
    service: Annotated[str, Query(max_length=64)],
    year: Annotated[int, Query(ge=2000, le=2100)],
    month: Annotated[int, Query(ge=1, le=12)],
) -> FreeDays:
    """The days of a month (office time) with at least one slot of `service` bookable now."""
    return await run_in_threadpool(queries.free_days, office, service, year, month)


@router.get("/slots", response_model=list[FreeSlots], responses=_RESPONSES)
async def free_slots(
    office: OfficeId,
    principal: CallerDep,
    queries: QueriesDep,
    service: Annotated[str, Query(max_length=64)],
    date_from: Annotated[date, Query(alias="from", description="first day, office time")],
    date_to: Annotated[
        date | None, Query(alias="to", description="last day (default: the first)")
    ] = None,
) -> list[FreeSlots]:
    """The free slots of `service` per day from `from` to `to` (at most 31 days), with the
    places left in each; days without a free slot are listed with none."""
    last = date_to or date_from
    if last < date_from or last - date_from >= timedelta(days=MAX_RANGE_DAYS):
        raise BadRange(
            f"Укажите не больше {MAX_RANGE_DAYS} дней, «to» не раньше «from»",
            f"Ask for at most {MAX_RANGE_DAYS} days, with 'to' not before 'from'",
        )
    days = [date_from + timedelta(days=n) for n in range((last - date_from).days + 1)]

    def read() -> list[FreeSlots]:
        return [queries.free_slots(office, service, day) for day in days]

    return await run_in_threadpool(read)


@router.post("/bookings", status_code=201, response_model=BookedSlot, responses=_RESPONSES)
async def book(
    office: OfficeId,
    body: BookRequest,
    request: Request,
    container: ContainerDep,
    principal: CallerDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """Book a place in a slot for a visitor. The answer holds the booking `code` (typed or
    scanned at the kiosk) and `manage_secret`, shown this once. Send an `Idempotency-Key`: a
    retry then gets the same booking, never a second one. A refusal is in the visitor's
    language (`lang`) and books nothing."""
    command = c.BookSlot(
        office,
        body.service,
        body.slot_at,
        lang=body.lang,
        name=body.name,
        phone=body.phone,
        email=body.email,
        consent=body.consent,
        source=f"api:{principal.id}" if principal.kind == API_CLIENT else f"staff:{principal.id}",
    )
    try:
        return await run_command(
            request,
            container,
            command,
            principal,
            idempotency_key,
            body.model_dump(mode="json"),
            201,
        )
    except DomainError as exc:
        extra = {k: v for k, v in exc.extra.items() if isinstance(v, str | int | float | bool)}
        return problem(exc.status, exc.code, exc.message(body.lang), extra)


@router.get("/bookings/{code}", response_model=BookingView, responses=_RESPONSES)
async def booking(
    office: OfficeId, code: Code, principal: CallerDep, queries: QueriesDep
) -> BookingView:
    """A booking of the office by its code (no contact is shown)."""
    found = await run_in_threadpool(queries.booking_by_code, office, code)
    if found is None:
        raise BookingNotFound(
            "booking_not_found",
            f"Запись с кодом {code} не найдена",
            f"No booking with code {code}",
        )
    return found


@router.post("/bookings/{code}/cancel", response_model=BookingView, responses=_RESPONSES)
async def cancel(
    office: OfficeId,
    code: Code,
    request: Request,
    container: ContainerDep,
    principal: CallerDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """Cancel a booking (before its time): its place is free again."""
    command = c.CancelBooking(office, code, request_lang(request))
    return await run_command(request, container, command, principal, idempotency_key, code)


@router.post("/bookings/{code}/move", response_model=BookingView, responses=_RESPONSES)
async def move(
    office: OfficeId,
    code: Code,
    body: MoveRequest,
    request: Request,
    container: ContainerDep,
    principal: CallerDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """Move a booking to another free slot of its service; the code stays the same."""
    command = c.MoveBooking(office, code, body.slot_at, request_lang(request))
    return await run_command(
        request, container, command, principal, idempotency_key, body.model_dump(mode="json")
    )
