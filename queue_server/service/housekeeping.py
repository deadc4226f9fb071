"""Housekeeping on a schedule: the domain's Housekeep command, run for every office once a minute.

Yesterday's leftover tickets are closed (day.reset) and operators whose sessions all expired go
offline, out of the wait estimates; tomorrow's booking reminders are queued and visitors' contacts
are purged `purge_days` after the visit (`service.notices.notice_jobs`). The server's lifespan
starts `housekeep_forever`; the web layer has nothing else to do with it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from queue_server.service.commands import Housekeep
from queue_server.service.notices import notice_jobs

if TYPE_CHECKING:
    from queue_server.bootstrap import Container

log = logging.getLogger("okno.server")

HOUSEKEEPING_SECONDS = 60.0


async def housekeep(container: Container) -> None:
    """One round: Housekeep each office under its lock and publish what it changed.

    A failure is logged and ends only its own part of the round (one office, or the round when the
    offices cannot be listed): the next round tries again.
    """
    try:
        offices = await asyncio.to_thread(container.queries.office_seqs)
    except Exception:
        log.exception("housekeeping could not list the offices")
        return
    for office, _seq in offices:
        try:
            await container.batches.run(Housekeep(office))  # its events published
            settings, service = container.settings, container.service
            async with container.office_lock(office):
                await asyncio.to_thread(
                    notice_jobs,
                    container.engine,
                    office,
                    service.clock(),
                    service.notices,
                    settings.purge_days,
                )
        except Exception:
            log.exception("housekeeping of office %s failed", office)


async def housekeep_forever(
    container: Container,
    interval: float = HOUSEKEEPING_SECONDS,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> None:
    """A round every `interval` seconds until cancelled."""
    while True:
        await sleep(interval)
        await housekeep(container)
