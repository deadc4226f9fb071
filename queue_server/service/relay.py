"""Events of other server processes: PostgreSQL LISTEN/NOTIFY into this process's hub.

Each command's transaction sends `NOTIFY okno_events, '<office>:<last seq>'`, delivered only when
it commits. Every process listens; on a notice it reads the office's events past the last one its
hub delivered and publishes them (the hub drops what it already has). If the listening connection
drops, the relay reconnects and catches up every known office from the log, so nothing is missed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.engine import make_url

from queue_server.service.hub import EventHub
from queue_server.service.queries import QueueQueries

log = logging.getLogger("okno.relay")

CHANNEL = "okno_events"
CATCH_UP_LIMIT = 10_000


def libpq_url(sqlalchemy_url: str) -> str:
    """The plain `postgresql://` form psycopg takes."""
    return (
        make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


class PgEventRelay:
    """Runs in the server's event loop for as long as the app lives."""

    def __init__(self, url: str, hub: EventHub, queries: QueueQueries) -> None:
        self.url = libpq_url(url)
        self.hub = hub
        self.queries = queries
        self.ready = asyncio.Event()

    async def run(self) -> None:
        delay = 0.5
        while True:
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the connection dropped: retry, then catch up
                log.warning("event relay lost PostgreSQL (%s); retrying in %.1f s", exc, delay)
                self.ready.clear()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _listen(self) -> None:
        import psycopg

        async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
            await conn.execute(f"LISTEN {CHANNEL}")
            for office in self.hub.offices():
                await self._catch_up(office)
            self.ready.set()
            async for notice in conn.notifies():
                office, _, _seq = notice.payload.rpartition(":")
                await self._catch_up(office)

    async def _catch_up(self, office: str) -> None:
        since = self.hub.delivered(office)
        if since is None:
            return  # nobody here follows this office yet; subscribe reads the log itself
        rows: list[dict[str, Any]] = await asyncio.to_thread(
            self.queries.events_since, office, since, CATCH_UP_LIMIT
        )
        if rows:
            self.hub.publish(office, rows)
