"""HTTP routes of `/api/v1`: each turns a request into a command or a query, nothing more."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from queue_protocol import models as m
from queue_server import __version__
from queue_server.api.deps import ContainerDep, IdempotencyKeyDep, OperatorDep, PrincipalDep, bearer
from queue_server.api.problems import MEDIA_TYPE
from queue_server.api.ratelimit import limit_login, limit_public
from queue_server.bootstrap import Container
from queue_server.domain.errors import NotFound, TicketInProgress
from queue_server.service import commands as c
from queue_server.service.auth import Principal, require
from queue_server.service.bus import Executed, Idempotency

router = APIRouter(prefix="/api/v1")

# Refusals are served as problem JSON (api/problems.py), so that is the media type documented.
_PROBLEM_CONTENT = {MEDIA_TYPE: {"schema": m.Problem.model_json_schema(mode="serialization")}}
_PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"content": _PROBLEM_CONTENT, "description": description}
    for status, description in {
        400: "Malformed request",
        401: "Missing, unknown or expired token",
        403: "Not allowed for this caller",
        404: "Unknown office, service or ticket; queue_empty",
        409: "The ticket's or desk's state does not allow this",
        413: "Request body over OKNO_MAX_BODY_BYTES (64 kB): payload_too_large",
        422: "Invalid fields, or an Idempotency-Key reused for another request",
    }.items()
}
# The login and public routes are also limited (Retry-After says when to try again).
_LIMITED: dict[int | str, dict[str, Any]] = {
    **_PROBLEMS,
    429: {
        "content": _PROBLEM_CONTENT,
        "description": "Too many requests from this address (rate_limited), or too many failed "
        "logins for this account (account_locked)",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before trying again",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    },
}


async def run_command(
    request: Request,
    container: Container,
    command: c.Command,
    principal: Principal | None,
    idempotency_key: str | None,
    body: Any = None,
    status: int = 200,
) -> JSONResponse:
    """Execute `command` (idempotently when a key was sent) and publish its events."""
    idempotency = None
    if idempotency_key:
        who = principal.key if principal else "anonymous"
        idempotency = Idempotency.of(who, idempotency_key, request.url.path, body)
    executed = await container.batches.run(command, idempotency)
    return command_response(executed, status)


def command_response(executed: Executed, status: int) -> JSONResponse:
    """A command's answer: its body, and whether it replays an earlier answer to the same key."""
    headers = {"Idempotent-Replayed": "true"} if executed.replayed else None
    return JSONResponse(executed.body, status_code=status, headers=headers)


def issue_command(office: str, body: m.IssueTicketRequest, principal: Principal) -> c.IssueTicket:
    """The ticket issue `principal` asks for: a kiosk or a supervisor of `office` (else
    Forbidden)."""
    require(principal, "kiosk", "supervisor", office=office)
    return c.IssueTicket(
        office,
        body.service,
        body.priority,
        body.lang.value,
        by_kiosk=principal.kind == "kiosk",
        note=body.note,
    )


@router.get("/health", response_model=m.Health, tags=["system"])
async def health() -> m.Health:
    """Liveness: the server answers."""
    return m.Health(status="ok", version=__version__)


@router.post(
    "/auth/login",
    response_model=m.LoginResponse,
    responses=_LIMITED,
    tags=["auth"],
    dependencies=[Depends(limit_login)],
)
async def login(body: m.LoginRequest, request: Request, container: ContainerDep) -> m.LoginResponse:
    """An operator logs in at a workplace and gets an expiring bearer token.

    Limited per address (`rate_limited`) and per login (`account_locked`: after 5 failures in a
    row the login waits 1 s, doubling up to 15 min; a successful login clears it).
    """
    with request.app.state.login_lockout.attempt(body.login):
        result = await run_in_threadpool(
            container.auth.login, body.login, body.password, body.workplace
        )
    if result.executed.events:
        container.hub.publish(result.principal.office, result.executed.events)
    workplace = await run_in_threadpool(
        container.queries.workplace, result.principal.office, body.workplace
    )
    return m.LoginResponse(
        token=result.token,
        expires_at=result.expires_at,
        office=result.principal.office,
        operator=m.OperatorView(
            id=result.principal.id,
            name=result.name,
            roles=list(result.principal.roles),
            state=result.executed.body["state"],
        ),
        workplace=workplace,
    )


@router.get(
    "/offices/{office}/services",
    response_model=m.ServicesResponse,
    responses=_PROBLEMS,
    tags=["kiosk"],
)
async def services(office: str, container: ContainerDep) -> m.ServicesResponse:
    """The office's services and the kiosk menu tree (public)."""
    return await run_in_threadpool(container.queries.services, office)


@router.post(
    "/offices/{office}/tickets",
    status_code=201,
    response_model=m.IssuedTicket,
    responses=_PROBLEMS,
    tags=["kiosk"],
)
async def issue_ticket(
    office: str,
    body: m.IssueTicketRequest,
    request: Request,
    container: ContainerDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """A kiosk issues a ticket: the answer has the number, people ahead and the estimate."""
    command = issue_command(office, body, principal)
    return await run_command(
        request, container, command, principal, idempotency_key, body.model_dump(), 201
    )


@router.get(
    "/offices/{office}/queue", response_model=m.QueueResponse, responses=_PROBLEMS, tags=["queue"]
)
async def queue(office: str, container: ContainerDep, principal: PrincipalDep) -> Response:
    """Waiting counts and estimates per service, and the waiting tickets in call order."""
    require(principal, "operator", "supervisor", "display", "kiosk", office=office)
    body = await run_in_threadpool(container.queries.queue_json, office)
    # Encoded once per office reading: a hall of displays asking costs one encoding.
    return Response(body, media_type="application/json")


@router.get(
    "/public/tickets/{token}",
    response_model=m.PublicTicket,
    responses=_LIMITED,
    tags=["public"],
    dependencies=[Depends(limit_public)],
)
async def public_ticket(token: str, container: ContainerDep) -> m.PublicTicket:
    """A ticket's public status by the token in its QR code (no personal data)."""
    return await run_in_threadpool(container.queries.public_ticket, token)


# -- the desk ----------------------------------------------------------------------------------

desk = APIRouter(prefix="/api/v1/desk", tags=["desk"], responses=_PROBLEMS)


def desk_of(principal: Principal) -> dict[str, str]:
    """The office, operator and workplace of a signed-in operator's desk command."""
    assert principal.workplace is not None
    return {"office": principal.office, "operator": principal.id, "workplace": principal.workplace}


@desk.post("/logout", response_model=m.DeskState)
async def logout(
    request: Request,
    container: ContainerDep,
    principal: OperatorDep,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Leave the workplace: the operator goes offline and the token stops working.

    The token is revoked whatever else happens (also when another operator has taken the
    workplace since, which put this one offline already), except when the logout is refused
    because a visitor is still at the desk (409 ticket_in_progress: nothing changes).
    """
    revoke = True
    try:
        return await run_command(
            request, container, c.SignOut(**desk_of(principal)), principal, None
        )
    except TicketInProgress:
        revoke = False
        raise
    except NotFound as exc:
        if exc.code != "unknown_workplace":
            raise
        # Moved off this workplace by another operator's login: offline already.
        state = await run_in_threadpool(container.queries.desk, principal.office, principal.id)
        return JSONResponse(state.model_dump(mode="json"))
    finally:
        if revoke:
            await run_in_threadpool(container.auth.revoke, bearer(authorization))


@desk.get("", response_model=m.DeskState)
async def desk_state(container: ContainerDep, principal: OperatorDep) -> m.DeskState:
    """The operator's state and the ticket at the desk."""
    return await run_in_threadpool(container.queries.desk, principal.office, principal.id)


def _desk_route(path: str, command: Callable[..., c.Command], summary: str) -> None:
    """A desk command that takes no body: the operator's own workplace is all it needs."""

    async def endpoint(
        request: Request,
        container: ContainerDep,
        principal: OperatorDep,
        idempotency_key: IdempotencyKeyDep = None,
    ) -> JSONResponse:
        return await run_command(
            request, container, command(**desk_of(principal)), principal, idempotency_key
        )

    name = path.strip("/").replace("-", "_")
    desk.post(path, response_model=m.DeskState, name=name, description=summary)(endpoint)


#: The desk commands that take no body: path under /api/v1/desk, command, description.
DESK_COMMANDS: tuple[tuple[str, Callable[..., c.Command], str], ...] = (
    ("/call-next", c.CallNext, "Call the next visitor by the office's order (404 `queue_empty`)."),
    ("/recall", c.Recall, "Call the current visitor again (display and voice repeat the call)."),
    ("/start", c.StartService, "The visitor came: the service starts."),
    ("/no-show", c.NoShow, "The called visitor did not come."),
    ("/resume", c.Resume, "Back from a break."),
)
for _path, _command, _summary in DESK_COMMANDS:
    _desk_route(_path, _command, _summary)


@desk.post("/call", response_model=m.DeskState)
async def call_ticket(
    body: m.CallRequest,
    request: Request,
    container: ContainerDep,
    principal: OperatorDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """Call a given waiting ticket."""
    command = c.CallTicket(**desk_of(principal), ticket=body.ticket)
    return await run_command(
        request, container, command, principal, idempotency_key, body.model_dump()
    )


@desk.post("/finish", response_model=m.DeskState)
async def finish(
    body: m.FinishRequest,
    request: Request,
    container: ContainerDep,
    principal: OperatorDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """The service ends, resolved or needing a follow-up; the rating terminal asks for a score."""
    command = finish_command(body, principal)
    return await run_command(
        request, container, command, principal, idempotency_key, body.model_dump()
    )


def finish_command(body: m.FinishRequest, principal: Principal) -> c.Finish:
    return c.Finish(**desk_of(principal), outcome=body.outcome.value)


@desk.post("/return", response_model=m.DeskState)
async def return_to_queue(
    body: m.ReturnRequest,
    request: Request,
    container: ContainerDep,
    principal: OperatorDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """Put the called visitor back in the queue, callable again after `minutes`."""
    command = c.ReturnToQueue(**desk_of(principal), minutes=body.minutes)
    return await run_command(
        request, container, command, principal, idempotency_key, body.model_dump()
    )


@desk.post("/transfer", response_model=m.DeskState)
async def transfer(
    body: m.TransferRequest,
    request: Request,
    container: ContainerDep,
    principal: OperatorDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """Send the visitor to another service (optionally a given colleague or workplace)."""
    command = c.Transfer(
        **desk_of(principal),
        service=body.service,
        to_operator=body.operator,
        to_workplace=body.workplace,
        to_head=body.to_head,
    )
    return await run_command(
        request, container, command, principal, idempotency_key, body.model_dump()
    )


@desk.post("/pause", response_model=m.DeskState)
async def pause(
    body: m.PauseRequest,
    request: Request,
    container: ContainerDep,
    principal: OperatorDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """Take a break: no calls until resume."""
    command = c.Pause(**desk_of(principal), reason=body.reason)
    return await run_command(
        request, container, command, principal, idempotency_key, body.model_dump()
    )


@router.post(
    "/offices/{office}/tickets/{ticket}/cancel",
    response_model=m.TicketView,
    responses=_PROBLEMS,
    tags=["queue"],
)
async def cancel_ticket(
    office: str,
    ticket: Annotated[int, Path(ge=1, le=m.MAX_ID)],
    request: Request,
    container: ContainerDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """A supervisor cancels a waiting ticket (a visitor who left)."""
    require(principal, "supervisor", office=office)
    return await run_command(
        request, container, c.CancelTicket(office, ticket), principal, idempotency_key
    )
