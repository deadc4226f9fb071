"""The FastAPI application: routers, problem JSON, the container on `app.state`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from queue_server import __version__
from queue_server.api import problems, routes, ws
from queue_server.bootstrap import Container

DESCRIPTION = """
Okno queue server. Errors are RFC 9457 problem JSON with a stable `code`. Every state-changing
POST honours an `Idempotency-Key` header.

**WebSocket** `GET /ws`: send `{"type": "hello", "v": 1, "token": "…", "since": seq|null}`; the
server answers with a `snapshot` or the missed events followed by `resumed`, then live events
`{"v": 1, "office", "seq", "type", "at", "data"}`.
"""


def create_app(container: Container) -> FastAPI:
    """The ASGI app serving `container`; disposes of the engine on shutdown."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        container.engine.dispose()

    app = FastAPI(
        title="Okno queue server",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.container = container
    problems.install(app)
    app.include_router(routes.router)
    app.include_router(routes.desk)
    app.include_router(ws.router)
    return app
