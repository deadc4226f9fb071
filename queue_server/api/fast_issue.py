"""A kiosk's ticket issue served before FastAPI's stack: the hottest write of an office.

`POST /api/v1/offices/{office}/tickets` from a kiosk whose token was checked lately, with a JSON
body the request model accepts, is answered here: the same model, command, group commit and
answer as the route in `routes.py`, without a dozen middleware and dependency layers around it
(about a fifth of the server's CPU per ticket under load). Anything else on that path (no or an
unknown token, a body over the limit or not JSON, a body the model refuses, a key too long) goes
to the FastAPI app untouched, with the body it was sent, so every refusal keeps its one spelling.
The route stays in the app and in the OpenAPI document.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import ValidationError
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from queue_protocol import models as m
from queue_server.api.deps import bearer
from queue_server.api.problems import domain_problem, lang_of
from queue_server.api.routes import command_response, issue_command
from queue_server.domain.errors import DomainError
from queue_server.service.bus import Idempotency

if TYPE_CHECKING:
    from queue_server.bootstrap import Container

ISSUE_PATH = re.compile(r"/api/v1/offices/([^/]+)/tickets")
MAX_KEY = 200  # the route's `Idempotency-Key` limit (IdempotencyKeyDep)
JSON_TYPES = (b"application/json", b"application/json; charset=utf-8")


def fast_issue(container: Container, app: ASGIApp) -> ASGIApp:
    """`app` with a kiosk's plain ticket issue answered before it (see the module docstring)."""
    max_bytes = container.settings.max_body_bytes

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        match = (
            ISSUE_PATH.fullmatch(scope["path"])
            if scope["type"] == "http" and scope["method"] == "POST"
            else None
        )
        if match is None:
            await app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"")
        key = headers.get(b"idempotency-key")
        token = bearer(headers.get(b"authorization", b"").decode("latin-1"))
        credential = container.auth.recent(token)
        if (
            credential is None
            or headers.get(b"content-type", b"").lower() not in JSON_TYPES
            or not length.isdigit()
            or int(length) > max_bytes
            or (key is not None and len(key) > MAX_KEY)
        ):
            await app(scope, receive, send)
            return
        body, messages = await _read_body(receive)
        if body is None:  # the client went away
            return
        try:
            request = m.IssueTicketRequest.model_validate_json(body)
        except ValidationError:
            await app(scope, _replay(messages, receive), send)
            return
        principal = credential.principal
        response: Response
        try:
            command = issue_command(match[1], request, principal)
            idempotency = None
            if key:
                idempotency = Idempotency.of(
                    principal.key, key.decode("latin-1"), scope["path"], request.model_dump()
                )
            executed = await container.batches.run(command, idempotency)
        except DomainError as exc:
            lang = lang_of(headers.get(b"accept-language", b"").decode("latin-1"))
            response = domain_problem(exc, lang)
        else:
            response = command_response(executed, 201)
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
