"""Who is calling: operator logins (expiring bearer tokens) and device tokens (stored hashed)."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine

from queue_server.domain.errors import CodedError, DomainError
from queue_server.service.bus import Clock, Executed, QueueService, utc_now
from queue_server.service.commands import SignIn
from queue_server.storage.accounts import Accounts
from queue_server.storage.db import read_transaction

OPERATOR_TOKEN_TTL = timedelta(hours=12)
_hasher = PasswordHasher()


class AuthError(CodedError):
    """A missing, unknown or expired credential (HTTP 401)."""

    code = "unauthorized"
    status = 401


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: an operator at a workplace, or a device."""

    kind: str  # "operator" or the device kind
    id: str
    office: str
    roles: tuple[str, ...]
    workplace: str | None

    @property
    def key(self) -> str:
        """The name idempotency keys are scoped to."""
        return f"{self.kind}:{self.id}"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def token_hash(token: str) -> str:
    """Tokens are random and long, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class LoginResult:
    token: str
    expires_at: datetime
    principal: Principal
    name: str
    executed: Executed


KNOWN_TOKEN_SECONDS = 10.0
DEVICE_SEEN_SECONDS = 60.0
KNOWN_TOKENS_MAX = 10_000


@dataclass(frozen=True)
class _Known:
    principal: Principal
    expires_at: datetime | None
    until: float


def _expired() -> AuthError:
    return AuthError(
        "token_expired", "Сеанс истёк: войдите снова", "The session has expired: log in again"
    )


_BAD_CREDENTIALS = ("Неверный логин или пароль", "Wrong login or password")


class Auth:
    """Login and token checks."""

    def __init__(
        self,
        engine: Engine,
        service: QueueService,
        clock: Clock = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.service = service
        self.clock = clock
        self.monotonic = monotonic
        # Tokens checked lately: most requests then need no database read. A token revoked or a
        # device replaced by another process stops working within KNOWN_TOKEN_SECONDS.
        self._known: dict[str, _Known] = {}
        self._touched: dict[str, float] = {}

    def login(self, login: str, password: str, workplace: str) -> LoginResult:
        """Check the password, put the operator at `workplace`, return a new token."""
        with read_transaction(self.engine) as conn:
            row = Accounts(conn).operator(login)
        if row is None or not row.active:
            _hasher_burn(password)
            raise AuthError("bad_credentials", *_BAD_CREDENTIALS)
        try:
            _hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise AuthError("bad_credentials", *_BAD_CREDENTIALS) from None
        token = new_token()
        expires_at = self.clock() + OPERATOR_TOKEN_TTL
        executed = self.service.execute(
            SignIn(row.office, login, workplace, token_hash(token), expires_at)
        )
        principal = Principal("operator", login, row.office, tuple(row.roles), workplace)
        return LoginResult(token, expires_at, principal, row.name, executed)

    def revoke(self, token: str | None) -> None:
        """The operator token stops working (logout)."""
        if token:
            self._known.pop(token_hash(token), None)
            with self.engine.begin() as conn:
                Accounts(conn).delete_session(token_hash(token))

    def authenticate(self, token: str | None) -> Principal:
        """The caller behind a bearer token; raises AuthError when it is missing or not valid."""
        if not token:
            raise AuthError("unauthorized", "Требуется вход в систему", "Authentication required")
        digest = token_hash(token)
        known = self._known.get(digest)
        if known is not None and known.until > self.monotonic():
            if known.expires_at is not None and known.expires_at <= self.clock():
                self._known.pop(digest, None)
                raise _expired()
            return known.principal
        principal, expires_at = self._look_up(digest)
        if len(self._known) >= KNOWN_TOKENS_MAX:
            self._known.clear()
        self._known[digest] = _Known(principal, expires_at, self.monotonic() + KNOWN_TOKEN_SECONDS)
        return principal

    def _look_up(self, digest: str) -> tuple[Principal, datetime | None]:
        with read_transaction(self.engine) as conn:
            accounts = Accounts(conn)
            session = accounts.session(digest)
            if session is not None:
                if session.expires_at <= self.clock() or not session.active:
                    raise _expired()
                principal = Principal(
                    "operator", session.operator, session.office, session.roles, session.workplace
                )
                return principal, session.expires_at
            device = accounts.device_by_token(digest)
        if device is None:
            raise AuthError("unauthorized", "Неизвестный ключ доступа", "Unknown access token")
        return Principal(
            device.kind, device.id, device.office, (device.kind,), device.workplace
        ), None

    def touch_device(self, device_id: str) -> None:
        """Record that a device connected (at most once a minute per device and process)."""
        now = self.monotonic()
        if now - self._touched.get(device_id, -DEVICE_SEEN_SECONDS) < DEVICE_SEEN_SECONDS:
            return
        self._touched[device_id] = now
        with self.engine.begin() as conn:
            Accounts(conn).update_device(device_id, last_seen=self.clock())


def _hasher_burn(password: str) -> None:
    """Spend the time a real check takes, so a wrong login is not told apart by timing."""
    _hasher.hash(password)


def require(principal: Principal, *kinds_or_roles: str, office: str | None = None) -> None:
    """Refuse unless the principal has one of `kinds_or_roles` (and belongs to `office`)."""
    if not set(kinds_or_roles) & ({principal.kind} | set(principal.roles)) and (
        "admin" not in principal.roles
    ):
        raise Forbidden("Недостаточно прав для этого действия", "Not allowed for this account")
    if office is not None and principal.office != office:
        raise Forbidden("Нет доступа к этому офису", "No access to this office")
