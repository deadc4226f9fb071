"""Group commit: the commands of an office that arrive while its transaction runs share the next.

A command's transaction ends with a commit that waits for the disk (SQLite's fsync, or
PostgreSQL's WAL flush), and each one costs a hop to a worker thread. Under load, many kiosks and
desks ask at once: the commands that queued while one transaction ran go together into the next
(`QueueService.execute_batch`: one transaction, a savepoint each), so they share one commit and
one hop. A lone command runs at once, as before: nothing waits to gather a batch.

Each answer is released only after the commit that holds it; the events are published in the
order the log has them, before any answer, as one command at a time did.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from queue_server.api.app_events import fill_gap
from queue_server.service import commands as c
from queue_server.service.bus import Executed, Idempotency

if TYPE_CHECKING:
    from queue_server.bootstrap import Container

log = logging.getLogger("okno.server")

# Enough to share a commit among every kiosk and desk of a busy office; a bound keeps one
# transaction (and the office's lock) short.
MAX_BATCH = 64


async def summarize_forever(container: Container) -> None:
    """Send the `queue.changed` that coalesced commands left owed (QueueService.coalesce_seconds),
    every that many seconds."""
    service = container.service
    if service.coalesce_seconds <= 0:
        return
    while True:
        await asyncio.sleep(service.coalesce_seconds)
        for office in service.owed_summaries():
            try:
                await container.batches.run(c.Summarize(office))
            except Exception:
                log.exception("office %s: could not send the owed queue.changed", office)


@dataclass
class _Waiting:
    command: c.Command
    idempotency: Idempotency | None
    answer: asyncio.Future[Executed]


@dataclass
class CommandBatches:
    """Runs each office's commands in batches; `run` is what a route awaits."""

    container: Container = field(repr=False, compare=False)
    _waiting: dict[str, list[_Waiting]] = field(default_factory=dict)
    _runners: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    async def run(self, command: c.Command, idempotency: Idempotency | None = None) -> Executed:
        """Execute `command` in the next transaction of its office and publish its events;
        raises what the command raised (a DomainError changes nothing)."""
        answer: asyncio.Future[Executed] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(command.office, []).append(_Waiting(command, idempotency, answer))
        if command.office not in self._runners:
            task = asyncio.create_task(self._drain(command.office))
            self._runners[command.office] = task
        return await answer

    async def _drain(self, office: str) -> None:
        waiting: list[_Waiting] = []
        try:
            while queued := self._waiting.get(office):
                waiting = queued[:MAX_BATCH]
                del queued[:MAX_BATCH]
                await self._run_batch(office, waiting)
                waiting = []
        except BaseException as exc:
            # Only a cancellation (the server stopping) or a fault of this code gets here: every
            # route still waiting gets an answer rather than hanging.
            for item in waiting + self._waiting.pop(office, []):
                if not item.answer.done():
                    item.answer.set_exception(
                        exc if isinstance(exc, Exception) else RuntimeError("server stopping")
                    )
            if not isinstance(exc, Exception):
                raise
            log.exception("office %s: a batch of commands failed", office)
        finally:
            del self._runners[office]

    async def _run_batch(self, office: str, waiting: list[_Waiting]) -> None:
        container = self.container
        async with container.office_lock(office):
            results = await asyncio.to_thread(
                container.service.execute_batch,
                office,
                [(item.command, item.idempotency) for item in waiting],
            )
            events = [e for r in results if isinstance(r, Executed) for e in r.events]
            if events:
                container.hub.publish(office, events)
        for item, result in zip(waiting, results, strict=True):
            if item.answer.done():  # the route was cancelled (its client went away)
                continue
            if isinstance(result, BaseException):
                item.answer.set_exception(result)
            else:
                item.answer.set_result(result)
        if events:
            await fill_gap(container, office)
