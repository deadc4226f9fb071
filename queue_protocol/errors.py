"""Exceptions of the wire contract.

Hierarchy::

    ProtocolError          a message that is not valid JSON or does not fit the contract
    ClientError            the client session's root
    ├── ConnectionLost     the server could not be reached (the session keeps retrying)
    ├── ProblemError       the server answered an HTTP command with an RFC 9457 problem
    └── SessionRefused     the server refused the WebSocket token; the session stopped retrying
"""

from __future__ import annotations

from typing import Any


class ProtocolError(ValueError):
    """Raised by decode functions on malformed input; the caller should drop the message."""


class ClientError(Exception):
    """Root of the errors the client session raises."""


class ConnectionLost(ClientError):
    """The server is unreachable; show a connection banner and retry."""


class ProblemError(ClientError):
    """The server refused a command; `code` is stable, `detail` is for the person."""

    def __init__(self, status: int, code: str, title: str, detail: str, extra: dict[str, Any]):
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.extra = extra


class SessionRefused(ClientError):
    """The server refused the token on the WebSocket (revoked, expired, unknown).

    The session stops reconnecting: get a new token (log in again), then start the session again.
    """

    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
