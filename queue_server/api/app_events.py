"""Keeping the hub whole: events it missed are read back from the event log."""

from __future__ import annotations

import asyncio
import logging

from queue_server.bootstrap import Container

log = logging.getLogger("okno.hub")

GAP_CHECK_SECONDS = 0.5


async def fill_gap(container: Container, office: str) -> None:
    """Read from the event log the events the hub is missing for `office`, and publish them.

    A seq below one already published was assigned under the office lock before it, so it is
    committed: reading it from the log is always safe.
    """
    gap = container.hub.gap(office)
    if gap is None:
        return
    first, last = gap
    rows = await asyncio.to_thread(
        container.queries.events_since, office, first - 1, last - first + 1
    )
    container.hub.publish(office, rows)


async def fill_gaps_forever(container: Container) -> None:
    """Events whose publish was lost (another process wrote them, a request died after its
    commit) still reach the clients within about half a second."""
    while True:
        await asyncio.sleep(GAP_CHECK_SECONDS)
        for office in container.hub.offices():
            try:
                await fill_gap(container, office)
            except Exception:
                log.exception("could not fill the event gap of office %s", office)
