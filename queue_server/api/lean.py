"""The hottest writes served before FastAPI's stack: a kiosk's ticket issue and the desk's clicks.

A kiosk issues a ticket, and a specialist calls, starts and finishes hundreds of times a day: the
plain form of each (a token checked lately, a body the request model accepts or no body where the
route takes none) is answered here, with the same model, command, group commit and answer as its
route in `routes.py`, without a dozen middleware and dependency layers around it (about a fifth
of the server's CPU per command). Anything else on those paths (no or an unknown token, a caller
the route does not serve, a body over the limit or not JSON, a body the model refuses, a key too
long) goes to the FastAPI app untouched, with the body it was sent, so every refusal keeps its one
spelling. The routes stay in the app and in the OpenAPI document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from queue_protocol import models as m
from queue_server.api.deps import bearer
from queue_server.api.problems import domain_problem, lang_of
from queue_server.api.routes import (
    DESK_COMMANDS,
    command_response,
    desk_of,
    finish_command,
    issue_command,
)
from queue_server.domain.errors import DomainError
from queue_server.service import commands as c
from queue_server.service.auth import Principal
from queue_server.service.bus import Idempotency

if TYPE_CHECKING:
    from queue_server.bootstrap import Container

MAX_KEY = 200  # the routes' `Idempotency-Key` limit (IdempotencyKeyDep)
JSON_TYPES = (b"application/json", b"application/json; charset=utf-8")


@dataclass(frozen=True)
class LeanRoute:
    """A POST route answered here: `make` turns the path's match, the body's model (None when
    the route takes no body) and the caller into the command, or refuses with a DomainError."""

    path: re.Pattern[str]
    model: type[BaseModel] | None
    make: Callable[[re.Match[str], Any, Principal], c.Command]
    status: int = 200
    desk: bool = False  # a signed-in operator's only (anyone else: the app refuses them)


def _desk_route(path: str, command: Callable[..., c.Command]) -> LeanRoute:
    return LeanRoute(
        re.compile(re.escape(f"/api/v1/desk{path}")),
        None,
        lambda _match, _body, principal: command(**desk_of(principal)),
        desk=True,
    )


ROUTES: tuple[LeanRoute, ...] = (
    LeanRoute(
        re.compile(r"/api/v1/offices/([^/]+)/tickets"),
        m.IssueTicketRequest,
        lambda match, body, principal: issue_command(match[1], body, principal),
        status=201,
    ),
    LeanRoute(
        re.compile(r"/api/v1/desk/finish"),
        m.FinishRequest,
        lambda _match, body, principal: finish_command(body, principal),
        desk=True,
    ),
    *(_desk_route(path, command) for path, command, _ in DESK_COMMANDS),
)


def _route(scope: Scope) -> tuple[LeanRoute, re.Match[str]] | None:
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    path = scope["path"]
    for route in ROUTES:
        match = route.path.fullmatch(path)
        if match is not None:
            return route, match
    return None


def lean_routes(container: Container, app: ASGIApp) -> ASGIApp:
    """`app` with the plain form of the `ROUTES` answered before it (see the module docstring)."""
    max_bytes = container.settings.max_body_bytes

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        found = _route(scope)
        if found is None:
            await app(scope, receive, send)
            return
        route, match = found
        headers = dict(scope["headers"])
        key = headers.get(b"idempotency-key")
        token = bearer(headers.get(b"authorization", b"").decode("latin-1"))
        credential = container.auth.recent(token)
        principal = credential.principal if credential is not None else None
        if (
            principal is None
            or (key is not None and len(key) > MAX_KEY)
            or (route.desk and (principal.kind != "operator" or principal.workplace is None))
        ):
            await app(scope, receive, send)
            return
        length = headers.get(b"content-length", b"")
        body: BaseModel | None = None
        if route.model is None:
            # The route reads no body: only a request without one is answered here.
            if length not in (b"", b"0") or b"transfer-encoding" in headers:
                await app(scope, receive, send)
                return
        else:
            if (
                headers.get(b"content-type", b"").lower() not in JSON_TYPES
                or not length.isdigit()
                or int(length) > max_bytes
            ):
                await app(scope, receive, send)
                return
            raw, messages = await _read_body(receive)
            if raw is None:  # the client went away
                return
            try:
                body = route.model.model_validate_json(raw)
            except ValidationError:
                await app(scope, _replay(messages, receive), send)
                return
        response: Response
        try:
            command = route.make(match, body, principal)
            idempotency = None
            if key:
                dumped = body.model_dump() if body is not None else None
                idempotency = Idempotency.of(
                    principal.key, key.decode("latin-1"), scope["path"], dumped
                )
            executed = await container.batches.run(command, idempotency)
        except DomainError as exc:
            lang = lang_of(headers.get(b"accept-language", b"").decode("latin-1"))
            response = domain_problem(exc, lang)
        else:
            response = command_response(executed, route.status)
        await response(scope, receive, send)

    return asgi


async def _read_body(receive: Receive) -> tuple[bytes | None, list[Message]]:
    """The whole request body and the messages it came in (None: the client disconnected)."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return None, messages
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A `receive` that gives back the messages already read, then the client's own."""
    pending = list(messages)

    async def replaying() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replaying
