"""The outbox worker: claims due notices, sends them, marks them sent or retries with backoff.

Started once per server process by the lifespan (`Outbox.run_forever`). A claim moves the rows'
next attempt a lease ahead in a short transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
several processes claim different rows); the sending happens outside any transaction; each
result is written in its own. A process killed while sending leaves the rows pending: they are
sent again once the lease has passed (at least once, never lost).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from queue_server.notify.channels import Channel, NoticeKind
from queue_server.notify.messages import render
from queue_server.notify.senders import Outgoing, PermanentSendError, Sender, SendError
from queue_server.storage import notices as store
from queue_server.storage.notices import NoticeRow

log = logging.getLogger("okno.notify")

Clock = Callable[[], datetime]

FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(minutes=30)
MAX_ATTEMPTS = 8
# How long a claimed notice is left to its sender before another round may claim it again.
LEASE = timedelta(minutes=5)
BATCH = 20
POLL_SECONDS = 5.0


def retry_delay(attempts: int) -> timedelta | None:
    """The wait after the `attempts`-th failed attempt: 30 s, 1 min, 2, 4 … up to 30 min; None
    once `MAX_ATTEMPTS` attempts have failed (the notice is then failed for good)."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay: timedelta = FIRST_RETRY * 2 ** (attempts - 1)
    return min(delay, MAX_RETRY)


def outgoing(row: NoticeRow) -> Outgoing:
    """The message a row stands for, rendered in the booking's language."""
    message = render(NoticeKind(row.kind), row.data)
    payload: dict[str, Any] = {
        "notice": row.id,
        "kind": row.kind,
        "office": row.office,
        "created_at": row.created_at.isoformat(),
        "data": store.strip_personal(row.data),
    }
    text = message.sms if row.channel == Channel.SMS.value else message.body
    return Outgoing(row.id, row.kind, row.recipient, message.subject, text, payload)


class Outbox:
    """Sends the outbox's due notices through `senders` (one per configured channel)."""

    def __init__(
        self,
        engine: Engine,
        senders: Mapping[Channel, Sender],
        clock: Clock,
        batch: int = BATCH,
        lease: timedelta = LEASE,
    ) -> None:
        self.engine = engine
        self.senders = dict(senders)
        self.clock = clock
        self.batch = batch
        self.lease = lease

    def claim(self) -> list[NoticeRow]:
        """Take up to `batch` due notices of the configured channels, leasing them."""
        now = self.clock()
        with self.engine.begin() as conn:
            ids = store.due_ids(conn, now, self.batch, [c.value for c in self.senders])
            store.postpone(conn, ids, now + self.lease)
            return store.get_notices(conn, ids) if ids else []

    def record(self, row: NoticeRow, error: str | None, final: bool = False) -> None:
        """Write the result of one attempt: sent, pending again later, or failed for good
        (after the last attempt, or at once when `final`: no retry could succeed)."""
        attempts = row.attempts + 1
        now = self.clock()
        with self.engine.begin() as conn:
            if error is None:
                store.mark_sent(conn, row.id, attempts, now)
                return
            delay = None if final else retry_delay(attempts)
            retry_at = None if delay is None else now + delay
            store.mark_attempt_failed(conn, row.id, attempts, error, retry_at)
        level = logging.WARNING if retry_at is not None else logging.ERROR
        log.log(
            level,
            "notice not sent",
            extra={
                "notice": row.id,
                "channel": row.channel,
                "attempts": attempts,
                "error": error,
                "retry_at": retry_at.isoformat() if retry_at else None,
            },
        )

    async def send(self, row: NoticeRow) -> tuple[str | None, bool]:
        """Send one claimed notice: (None, _) when it went out, else (the error sentence,
        whether it is final: a retry cannot help)."""
        sender = self.senders[Channel(row.channel)]
        try:
            message = outgoing(row)
        except Exception as exc:  # a template that cannot render this data never will
            log.exception("notice %s could not be rendered", row.id)
            return f"{type(exc).__name__}: {exc}", True
        try:
            await sender.send(message)
        except SendError as exc:
            return str(exc) or type(exc).__name__, isinstance(exc, PermanentSendError)
        except Exception as exc:  # a sender bug must not stop the worker
            log.exception("notice %s could not be sent", row.id)
            return f"{type(exc).__name__}: {exc}", False
        return None, False

    async def run_once(self) -> int:
        """One round: claim, send, record; returns how many notices were tried."""
        if not self.senders:
            return 0
        rows = await asyncio.to_thread(self.claim)
        for row in rows:
            error, final = await self.send(row)
            await asyncio.to_thread(self.record, row, error, final)
            if error is None:
                log.info(
                    "notice sent",
                    extra={"notice": row.id, "kind": row.kind, "channel": row.channel},
                )
        return len(rows)

    async def run_forever(
        self,
        interval: float = POLL_SECONDS,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        """Rounds until cancelled: at once while there is work, else every `interval` seconds."""
        while True:
            try:
                tried = await self.run_once()
            except Exception:
                log.exception("the outbox round failed")
                tried = 0
            if tried < self.batch:
                await sleep(interval)
