"""The connections this process holds open (WebSockets) and the credentials each was opened with.

A connection outlives the check of its token, so whatever ends a credential ends the
connections opened with it: a logout (`Auth.revoke`), a newer login of the same operator or a
new token of the same device (replaced), an account or device deactivated by an applied office
file, and expiry. `Auth` ends them in this process at once; changes made by another process
reach this one as events (config.changed, operator.status) and by a periodic re-check, and
`Auth.recheck` then compares each connection's credential with the database.

Thread-safe: connections are added on the event loop and ended from worker threads too; each
connection's `end` callback must itself be safe to call from any thread, and runs at most once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from queue_server.service.auth import Credential


class Ending(Enum):
    """Why a connection's credential ended: (error code, close reason, detail).

    The error code is one after which a client stops reconnecting with the same token
    (`unauthorized` or `token_expired`); the close reason tells the cases apart.
    """

    REVOKED = ("unauthorized", "token_revoked", "The token was revoked (logged out)")
    REPLACED = (
        "unauthorized",
        "token_replaced",
        "A newer login or device token replaced this one",
    )
    DEACTIVATED = (
        "unauthorized",
        "deactivated",
        "The account or device was deactivated by the administrator",
    )
    EXPIRED = ("token_expired", "token_expired", "The session has expired: log in again")

    @property
    def code(self) -> str:
        return self.value[0]

    @property
    def reason(self) -> str:
        return self.value[1]

    @property
    def detail(self) -> str:
        return self.value[2]


@dataclass(eq=False)
class Connection:
    """One open connection: its credential and how to end it."""

    credential: Credential
    end: Callable[[Ending], None]
    ended: Ending | None = field(default=None)

    @property
    def office(self) -> str:
        return self.credential.principal.office


class OpenConnections:
    """Every connection of this process that holds a credential."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: set[Connection] = set()

    def __len__(self) -> int:
        return len(self._open)

    def add(self, credential: Credential, end: Callable[[Ending], None]) -> Connection:
        connection = Connection(credential, end)
        with self._lock:
            self._open.add(connection)
        return connection

    def remove(self, connection: Connection) -> None:
        with self._lock:
            self._open.discard(connection)

    def matching(self, wanted: Callable[[Connection], bool]) -> list[Connection]:
        """The open connections for which `wanted` is true."""
        with self._lock:
            return [connection for connection in self._open if wanted(connection)]

    def end(self, connection: Connection, ending: Ending) -> None:
        """End one connection (once; it leaves the registry)."""
        with self._lock:
            if connection.ended is not None or connection not in self._open:
                return
            connection.ended = ending
            self._open.discard(connection)
        connection.end(ending)

    def end_where(self, wanted: Callable[[Connection], bool], ending: Ending) -> int:
        """End every open connection for which `wanted` is true; returns how many."""
        chosen = self.matching(wanted)
        for connection in chosen:
            self.end(connection, ending)
        return len(chosen)
