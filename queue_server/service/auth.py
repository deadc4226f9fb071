"""Who is calling: operator logins (expiring bearer tokens) and device tokens (stored hashed)."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cachetools import TTLCache
from sqlalchemy import Engine

from queue_server.domain.errors import CodedError, DomainError
from queue_server.service.bus import Clock, Executed, QueueService, utc_now
from queue_server.service.commands import SignIn
from queue_server.service.connections import Connection, Ending, OpenConnections
from queue_server.storage.accounts import Accounts
from queue_server.storage.bookings import BookingStore
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
    """An authenticated caller: an operator at a workplace, a device, or an API client."""

    kind: str  # "operator", the device kind, or "api_client"
    id: str
    office: str
    roles: tuple[str, ...]
    workplace: str | None

    @property
    def key(self) -> str:
        """The name idempotency keys are scoped to."""
        return f"{self.kind}:{self.id}"


#: Makes a password's stored hash; `hash_password` is the one for real accounts.
PasswordHashing = Callable[[str], str]


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


#: the principal kind of an outside system calling the booking API
API_CLIENT = "api_client"

KNOWN_TOKEN_SECONDS = 10.0
DEVICE_SEEN_SECONDS = 60.0
KNOWN_TOKENS_MAX = 10_000


@dataclass(frozen=True)
class Credential:
    """A valid token: whose it is, its hash, and when it expires (None: a device token)."""

    principal: Principal
    token_hash: str
    expires_at: datetime | None


@dataclass(frozen=True)
class _Known:
    credential: Credential
    until: float
    generation: int


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
        # Tokens checked lately: most requests then need no database read. A token revoked here
        # stops working at once; one revoked by another process (or the `okno` command) as soon
        # as its config.changed reaches this process (`forget_tokens`), else within
        # KNOWN_TOKEN_SECONDS. An entry from before the last `forget_tokens` is never used: a
        # check that raced with a revocation cannot bring the old answer back. At most
        # KNOWN_TOKENS_MAX are kept: past that the least recently used one is dropped, by age.
        self._known: TTLCache[str, _Known] = TTLCache(
            KNOWN_TOKENS_MAX, KNOWN_TOKEN_SECONDS, timer=monotonic
        )
        self._known_guard = threading.Lock()  # checks run on several threads at once
        self._generation = 0
        # This process's open connections (WebSockets): ended with their credential.
        self.connections = OpenConnections()
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
        self._replace_sessions(login, token_hash(token))
        return LoginResult(token, expires_at, principal, row.name, executed)

    def _replace_sessions(self, login: str, kept: str) -> None:
        """One desk per operator: a new login ends the operator's earlier sessions, and the
        connections opened with them, at once in this process."""
        with self.engine.begin() as conn:
            ended = Accounts(conn).delete_sessions_of(login, keep=kept)
        if ended:
            self.forget_tokens()
        self.connections.end_where(
            lambda c: (
                c.credential.principal.kind == "operator"
                and c.credential.principal.id == login
                and c.credential.token_hash != kept
            ),
            Ending.REPLACED,
        )

    def revoke(self, token: str | None) -> None:
        """The operator token stops working (logout), in this process at once."""
        if token:
            digest = token_hash(token)
            with self.engine.begin() as conn:
                Accounts(conn).delete_session(digest)
            self.forget_tokens()
            self.connections.end_where(lambda c: c.credential.token_hash == digest, Ending.REVOKED)

    @property
    def generation(self) -> int:
        """Grows whenever credentials may have ended: a check begun before it changed may be
        stale (a connection opened across the change re-checks its credential)."""
        return self._generation

    def forget_tokens(self) -> None:
        """Drop every token checked lately: the next use of each is read from the database.

        Called when the credentials may have changed elsewhere (an office's config.changed).
        """
        with self._known_guard:
            self._generation += 1
            self._known.clear()

    def authenticate(self, token: str | None) -> Principal:
        """The caller behind a bearer token; raises AuthError when it is missing or not valid."""
        return self.check(token).principal

    def recent(self, token: str | None) -> Credential | None:
        """The credential of `token` if it was checked lately and still holds, from memory alone
        (cheap enough for the event loop); None: ask `check`, which may read the database."""
        if not token:
            return None
        known = self._fresh(token_hash(token))
        if known is None:
            return None
        expires_at = known.credential.expires_at
        if expires_at is not None and expires_at <= self.clock():
            return None
        return known.credential

    def _fresh(self, digest: str) -> _Known | None:
        with self._known_guard:
            known = self._known.get(digest)
        if (
            known is not None
            and known.until > self.monotonic()
            and known.generation == self._generation
        ):
            return known
        return None

    def check(self, token: str | None) -> Credential:
        """`authenticate` with the token's hash and expiry (for a connection that outlives the
        check, such as a WebSocket)."""
        if not token:
            raise AuthError("unauthorized", "Требуется вход в систему", "Authentication required")
        digest = token_hash(token)
        known = self._fresh(digest)
        if known is not None:
            expires_at = known.credential.expires_at
            if expires_at is not None and expires_at <= self.clock():
                with self._known_guard:
                    self._known.pop(digest, None)
                raise _expired()
            return known.credential
        generation = self._generation
        principal, expires_at = self._look_up(digest)
        credential = Credential(principal, digest, expires_at)
        known = _Known(credential, self.monotonic() + KNOWN_TOKEN_SECONDS, generation)
        with self._known_guard:
            self._known[digest] = known
        return credential

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
            client = BookingStore(conn).api_client_by_token(digest) if device is None else None
        if client is not None:
            # An outside system of one office calling the booking API (`okno api-client add`).
            if not client.active:
                raise AuthError(
                    "unauthorized",
                    "Доступ этой внешней системы отключён",
                    "This API client was deactivated",
                )
            return Principal(API_CLIENT, client.id, client.office, (API_CLIENT,), None), None
        if device is None:
            raise AuthError("unauthorized", "Неизвестный ключ доступа", "Unknown access token")
        if not device.active:
            raise AuthError(
                "unauthorized",
                "Устройство отключено администратором",
                "This device was deactivated by the administrator",
            )
        return Principal(
            device.kind, device.id, device.office, (device.kind,), device.workplace
        ), None

    def recheck(self, wanted: Callable[[Connection], bool] = lambda _: True) -> int:
        """Compare the credential of each open connection `wanted` with the database and end
        those no longer valid (changed by another process); returns how many ended."""
        chosen = self.connections.matching(wanted)
        if not chosen:
            return 0
        endings = self.verify(chosen)
        for connection, ending in endings:
            self.connections.end(connection, ending)
        return len(endings)

    def verify(self, connections: Sequence[Connection]) -> list[tuple[Connection, Ending]]:
        """The connections whose credential is no longer valid, each with why (one read)."""
        principals = [c.credential.principal for c in connections]
        logins = {p.id for p in principals if p.kind == "operator"}
        device_ids = {p.id for p in principals if p.kind != "operator"}
        now = self.clock()
        with read_transaction(self.engine) as conn:
            accounts = Accounts(conn)
            operators = accounts.operators_by_id(logins)
            sessions = accounts.sessions_of(logins)
            devices = accounts.devices_by_id(device_ids)
        holding = {operator for operator, _ in sessions.values()}
        ended: list[tuple[Connection, Ending]] = []
        for connection in connections:
            principal = connection.credential.principal
            digest = connection.credential.token_hash
            ending: Ending | None = None
            if principal.kind == "operator":
                account = operators.get(principal.id)
                if account is None or not account.active:
                    ending = Ending.DEACTIVATED
                elif digest in sessions:
                    ending = Ending.EXPIRED if sessions[digest][1] <= now else None
                else:
                    ending = Ending.REPLACED if principal.id in holding else Ending.REVOKED
            else:
                device = devices.get(principal.id)
                if device is None or not device.active:
                    ending = Ending.DEACTIVATED
                elif device.token_hash != digest:
                    ending = Ending.REPLACED
            if ending is not None:
                ended.append((connection, ending))
        return ended

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
