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


async def catch_up(container: Container) -> None:
    """Publish every event the log has past what the hub delivered, for every office."""
    hub = container.hub
    for office, seq in await asyncio.to_thread(container.queries.office_seqs):
        delivered = hub.delivered(office)
        if delivered is None:
            hub.known_seq(office, seq)  # an office created while the server runs
        elif seq - delivered > container.settings.max_replay:
            log.warning(
                "office %s: %d events behind the log; clients resync", office, seq - delivered
            )
            hub.reset(office, seq)
        elif seq > delivered:
            rows = await asyncio.to_thread(
                container.queries.events_since, office, delivered, seq - delivered
            )
            hub.publish(office, rows)


async def fill_gaps_forever(container: Container) -> None:
    """Events this process did not publish itself (written by another process such as
    `okno config apply`, or a publish lost after its commit) reach the clients within about
    half a second: the log is the truth, the hub catches up with it."""
    while True:
        await asyncio.sleep(GAP_CHECK_SECONDS)
        try:
            await catch_up(container)
        except Exception:
            log.exception("could not catch up with the event log")
