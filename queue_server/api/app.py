"""The FastAPI application: routers, problem JSON, the container on `app.state`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp

from queue_server import __version__
from queue_server.api import (
    booking,
    checkin,
    devices,
    pages,
    problems,
    ratings,
    routes,
    simclock,
    ws,
)
from queue_server.api.app_events import catch_up, fill_gaps_forever
from queue_server.api.batches import summarize_forever
from queue_server.api.bodylimit import BodyLimit
from queue_server.api.booking_pages import install as install_booking_pages
from queue_server.api.lean import lean_routes
from queue_server.api.ratelimit import LoginLockout, RateLimit
from queue_server.api.status_live import install_status_feed, status_router
from queue_server.bootstrap import Container
from queue_server.service.housekeeping import housekeep_forever
from queue_server.service.relay import PgEventRelay

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
        await catch_up(container)  # the hub starts where each office's log stands
        gap_task = asyncio.create_task(fill_gaps_forever(container))
        housekeeping_task = asyncio.create_task(housekeep_forever(container))
        summary_task = asyncio.create_task(summarize_forever(container))
        outbox_task = None
        if container.outbox is not None:
            poll = container.settings.notice_poll_seconds
            outbox_task = asyncio.create_task(container.outbox.run_forever(poll))
        relay_task = None
        if container.engine.dialect.name == "postgresql":
            relay = PgEventRelay(container.settings.database_url, container.hub, container.queries)
            relay_task = asyncio.create_task(relay.run())
        try:
            yield
        finally:
            for task in (gap_task, housekeeping_task, summary_task, relay_task, outbox_task):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            container.engine.dispose()

    app = FastAPI(
        title="Okno queue server",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.container = container
    ws.watch_credentials(container)
    install_status_feed(app, container)
    settings = container.settings
    app.state.public_limit = RateLimit(settings.public_rate_per_minute, settings.public_rate_burst)
    app.state.login_limit = RateLimit(settings.login_rate_per_minute, settings.login_rate_burst)
    app.state.login_lockout = LoginLockout()
    app.state.check_in_guessing = checkin.CodeGuessing()
    problems.install(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.include_router(routes.router)
    app.include_router(routes.desk)
    app.include_router(ratings.router)
    app.include_router(devices.router)
    app.include_router(booking.router)
    app.include_router(checkin.router)
    app.include_router(ws.router)
    app.include_router(status_router)
    app.include_router(pages.router)
    install_booking_pages(app, container, settings.form_secret)
    simclock.install(app, container)
    return app


def served_app(container: Container, app: FastAPI) -> ASGIApp:
    """What the server serves: `app` (from `create_app`) behind WebSockets and the lean routes,
    served before FastAPI, and on a simulation server the time a request carries, before all."""
    served = ws.direct_socket(container, lean_routes(container, app))
    return simclock.with_request_clock(container, served)
