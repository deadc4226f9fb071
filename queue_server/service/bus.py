"""Runs commands: one serialized office transaction each, with idempotency and the event log.

`QueueService.execute` is synchronous (SQLAlchemy Core on a thread); the API calls it in a worker
thread and then publishes the returned events on the loop.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Engine

from queue_protocol.events import EventType
from queue_server.domain import errors
from queue_server.notify.channels import NoticeChannels
from queue_server.service import commands as c
from queue_server.service.handlers import HANDLERS
from queue_server.service.notices import turn_near
from queue_server.service.tx import Tx
from queue_server.service.views import queue_changed
from queue_server.storage.cache import CachedRepository, OfficeCache
from queue_server.storage.db import office_transaction, savepoint
from queue_server.storage.repository import OfficeRow, Repository

Clock = Callable[[], datetime]

# A client retries a command within seconds or minutes; a day covers any retry, and older
# answers are dropped now and then so the table does not grow for ever.
IDEMPOTENCY_KEEP = timedelta(days=1)
FORGET_EVERY = 500


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Idempotency:
    """An `Idempotency-Key` as the API received it."""

    principal: str
    key: str
    endpoint: str
    request_hash: str

    @staticmethod
    def of(principal: str, key: str, endpoint: str, body: Any) -> Idempotency:
        digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
        return Idempotency(principal, key[:200], endpoint, digest)


class IdempotencyConflict(errors.DomainError):
    code = "idempotency_conflict"
    status = 422


@dataclass(frozen=True)
class Executed:
    """A command's answer: the JSON body, whether it is a replay, and the committed events."""

    body: dict[str, Any]
    replayed: bool
    events: list[dict[str, Any]]


def unknown_office(office: str) -> errors.NotFound:
    return errors.NotFound(
        "unknown_office", f"Офис «{office}» не найден", f"Unknown office '{office}'"
    )


class QueueService:
    """The command side of the server."""

    def __init__(
        self,
        engine: Engine,
        status_url: Callable[[str], str],
        clock: Clock = utc_now,
        notices: NoticeChannels | None = None,
        coalesce_seconds: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        # Channels the server sends notices on; booking commands queue notices only on these.
        self.notices = notices or NoticeChannels()
        self.status_url = status_url
        self.clock = clock
        # Threads of this process queue here instead of spinning in SQLite's busy handler;
        # BEGIN IMMEDIATE (or the PostgreSQL row lock) still serializes across processes.
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        # The hot state of each office, valid while the office's seq is the cache's (see cache.py);
        # used only under the office's lock.
        self._caches: dict[str, OfficeCache] = {}
        self._remembered = 0
        # `queue.changed` coalesced: within `coalesce_seconds` of an office's last one, a command
        # that touched the queue leaves it owed, and `Summarize` sends one for them all (the
        # server runs it from `owed_summaries`). 0: every such command sends its own.
        self.coalesce_seconds = coalesce_seconds
        self._monotonic = monotonic
        self._summarized: dict[str, float] = {}
        self._owed: set[str] = set()
        self._took_owed: set[str] = set()  # offices whose running command took the owed one
        self._owed_guard = threading.Lock()

    def _lock(self, office: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(office, threading.Lock())

    def execute(self, command: c.Command, idempotency: Idempotency | None = None) -> Executed:
        """Run `command` in its office's transaction; raises DomainError and changes nothing."""
        (result,) = self.execute_batch(command.office, [(command, idempotency)])
        if isinstance(result, BaseException):
            raise result
        return result

    def execute_batch(
        self, office: str, batch: Sequence[tuple[c.Command, Idempotency | None]]
    ) -> list[Executed | BaseException]:
        """Run the commands of `office` in one transaction: one commit (one fsync) for them all.

        Each command of a batch of several runs in its own savepoint, so a refused one changes
        nothing and the others still commit; its place in the answer holds the exception. If the
        commit itself fails, every place does: nothing of the batch was written.
        """
        strangers = [command for command, _ in batch if command.office != office]
        if strangers:
            raise ValueError(f"{strangers[0]!r} is not a command of office {office}")
        results: list[Executed | BaseException] = []
        with self._lock(office):
            # The office's row as the last command left it: the transaction holds the office's
            # lock, so nothing else changes it (None: read it).
            row: OfficeRow | None = None
            try:
                with office_transaction(self.engine, office) as conn:
                    for command, idempotency in batch:
                        self._took_owed.discard(office)
                        try:
                            if len(batch) == 1:
                                executed, row = self._execute(conn, command, idempotency, row)
                            else:
                                with savepoint(conn):
                                    executed, row = self._execute(conn, command, idempotency, row)
                            results.append(executed)
                        except Exception as exc:
                            row = None
                            self._restore_owed(office)
                            domain = isinstance(exc, errors.DomainError)
                            if len(batch) == 1 or not (domain or conn.in_transaction()):
                                raise
                            # Refused, or a fault of this command (not of the database, which
                            # still holds the transaction): rolled back to its savepoint, the
                            # rest go on.
                            results.append(exc)
                            self._forget_cache(office, exc)
            except BaseException as exc:
                self._restore_owed(office, always=not isinstance(exc, errors.DomainError))
                self._forget_cache(office, exc)
                if not isinstance(exc, Exception):
                    raise
                return [exc] * len(batch)
        return results

    def _summary_now(self, office: str, asked: bool) -> bool:
        """Does this command send `queue.changed` (else it is owed, see `owed_summaries`)?"""
        now = self._monotonic()
        with self._owed_guard:
            last = self._summarized.get(office)
            if asked or last is None or now - last >= self.coalesce_seconds:
                self._summarized[office] = now
                if office in self._owed:
                    self._owed.discard(office)
                    self._took_owed.add(office)
                return True
            self._owed.add(office)
            return False

    def _restore_owed(self, office: str, always: bool = False) -> None:
        """A command failed: if it had sent the `queue.changed` that earlier ones owed (now
        rolled back with it), it is owed again; `always` after a failed commit, which may have
        lost any summary of the batch."""
        with self._owed_guard:
            if office in self._took_owed or (always and self.coalesce_seconds > 0):
                self._owed.add(office)
            self._took_owed.discard(office)

    def owed_summaries(self) -> list[str]:
        """Offices whose commands left a `queue.changed` owed: run `Summarize` for each."""
        with self._owed_guard:
            return sorted(self._owed)

    def _forget_cache(self, office: str, exc: BaseException) -> None:
        """After a command failed with `exc`: a refusal raised before any write left the cache as
        it was (handlers check everything before they change a ticket or an operator); anything
        else may have changed cached objects that the rollback did not restore: forget them."""
        cache = self._caches.get(office)
        if cache is not None and (cache.written or not isinstance(exc, errors.DomainError)):
            del self._caches[office]

    def _execute(
        self,
        conn: Connection,
        command: c.Command,
        idempotency: Idempotency | None,
        known: OfficeRow | None,
    ) -> tuple[Executed, OfficeRow | None]:
        """Run one command in `conn`'s transaction; `known`: the office's row if read already.
        Returns the answer and the office's row after it."""
        handler = HANDLERS[type(command)]
        repo: Repository = Repository(conn)
        now = self.clock()
        if idempotency is not None:
            stored = repo.idempotent_answer(idempotency.principal, idempotency.key)
            if stored is not None:
                if (stored.endpoint, stored.request_hash) != (
                    idempotency.endpoint,
                    idempotency.request_hash,
                ):
                    raise IdempotencyConflict(
                        "Этот ключ идемпотентности уже использован для другого запроса",
                        "This Idempotency-Key was already used for another request",
                    )
                return Executed(stored.body, True, []), known
        office = known or repo.office(command.office)
        if office is None:
            raise unknown_office(command.office)
        cache = self._caches.get(office.id)
        if cache is None or cache.seq != office.seq:
            cache = self._caches[office.id] = OfficeCache(office.id, office.seq)
        cache.written = False
        repo = CachedRepository(conn, cache)
        tx = Tx(repo=repo, office=office, now=now, status_url=self.status_url, notices=self.notices)
        result: BaseModel = handler(tx, command)
        if tx.queue_touched:
            if self._summary_now(office.id, isinstance(command, c.Summarize)):
                tx.emit(EventType.QUEUE_CHANGED, queue_changed(tx))
                turn_near(tx)
            else:
                tx.follow()
        events = repo.append_events(office.id, tx.events, now)
        body = result.model_dump(mode="json")
        if idempotency is not None:
            repo.remember_answer(
                idempotency.principal,
                idempotency.key,
                idempotency.endpoint,
                idempotency.request_hash,
                200,
                body,
                now,
            )
            self._remembered += 1
            if self._remembered % FORGET_EVERY == 0:
                repo.forget_answers_before(now - IDEMPOTENCY_KEEP)
        return Executed(body, False, events), replace(office, seq=cache.seq)
