"""Request bodies over a size limit are refused with 413 before anything reads (or buffers) them.

An ASGI middleware, outside routing and authentication: a declared `Content-Length` over the limit
is refused before the first byte of the body is received; a body without one (chunked) is
counted as it streams in and refused as soon as the count passes the limit. The `/ws` endpoint is
served before this middleware (`api.ws.direct_socket`); WebSocket frames have their own limit.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from queue_server.api.problems import payload_too_large, request_lang


class BodyTooLarge(HTTPException):
    """Raised by the body's `receive` once more than `max_bytes` came in (rendered as 413)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, "Content Too Large")
        self.max_bytes = max_bytes


class BodyLimit:
    """Refuse HTTP request bodies over `max_bytes` with 413 `payload_too_large` problem JSON."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _declared_length(scope)
        if length is not None and length > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        # A declared length within the limit is what the HTTP server delivers; counting anyway
        # also covers a body without one (chunked).
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            # Routes turn it into the problem themselves; anything else reading a body lands here.
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        lang = request_lang(Request(scope))
        await payload_too_large(lang, self.max_bytes)(scope, receive, send)


def _declared_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None  # the HTTP server refuses a malformed length before the app sees it
