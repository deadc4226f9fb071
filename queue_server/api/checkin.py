"""`POST /api/v1/offices/{office}/check-in`: a booked visitor checks in (kiosk or booking API).

Guessing codes is slowed down: a kiosk or an API client that sent `GUESSES` unknown or
malformed codes within `GUESS_WINDOW` seconds is refused (429) until the oldest of them is a
minute old; so is an address that sent `ADDRESS_GUESSES` (several kiosks, or every caller behind
a reverse proxy, share one address: one visitor's typos must not stop the others).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from cachetools import TTLCache
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from queue_protocol.checkin import CheckedIn, CheckInRequest
from queue_server.api.deps import ContainerDep, IdempotencyKeyDep, PrincipalDep
from queue_server.api.problems import request_lang
from queue_server.api.ratelimit import MAX_TRACKED, client_key
from queue_server.api.routes import _LIMITED, run_command
from queue_server.domain.checkin import CheckInRefused
from queue_server.domain.errors import DomainError
from queue_server.service import commands as c
from queue_server.service.auth import require

router = APIRouter(prefix="/api/v1")

GUESSES = 10  # unknown codes allowed per caller (device or API client) ...
ADDRESS_GUESSES = 3 * GUESSES  # ... and per address ...
GUESS_WINDOW = 60.0  # ... within this many seconds
# Refusals that tell a guesser something: the code does not exist (here or anywhere).
_GUESS_CODES = frozenset({"unknown_booking", "malformed_booking_code"})
# Who may check visitors in: the office's kiosks, and outside systems with an API client token.
CHECK_IN_KINDS = ("kiosk", "api_client")


class TooManyCodes(DomainError):
    code = "too_many_codes"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Слишком много неверных кодов записи: повторите через {retry_after} с "
            f"или обратитесь к администратору",
            f"Too many wrong booking codes: try again in {retry_after} s or ask at the desk",
            retry_after=retry_after,
        )
        self.retry_after = retry_after


class CodeGuessing:
    """Wrong codes per key (a caller or an address) over the last `window` seconds."""

    def __init__(
        self,
        allowed: int = GUESSES,
        window: float = GUESS_WINDOW,
        clock: Callable[[], float] = time.monotonic,
        max_tracked: int = MAX_TRACKED,
    ) -> None:
        self.allowed = allowed
        self.window = window
        self.clock = clock
        self._misses: TTLCache[str, deque[float]] = TTLCache(max_tracked, window, timer=clock)
        self._guard = threading.Lock()

    def check(self, *keys: str, allowed: int | None = None) -> None:
        """Raise TooManyCodes when any of `keys` already has `allowed` (default: the guard's)
        misses in the window."""
        limit = self.allowed if allowed is None else allowed
        with self._guard:
            now = self.clock()
            for key in keys:
                misses = self._recent(key, now)
                if len(misses) >= limit:
                    wait = misses[0] + self.window - now
                    raise TooManyCodes(max(1, math.ceil(wait)))

    def missed(self, *keys: str) -> None:
        """One more wrong code from each of `keys`."""
        with self._guard:
            now = self.clock()
            for key in keys:
                misses = self._recent(key, now)
                misses.append(now)
                self._misses[key] = misses  # (re)set: kept a window from the latest miss

    def _recent(self, key: str, now: float) -> deque[float]:
        misses = self._misses.get(key) or deque()
        while misses and misses[0] <= now - self.window:
            misses.popleft()
        return misses


def guessing(request: Request) -> CodeGuessing:
    """The app's check-in guard (made with the app, or on first use)."""
    state = request.app.state
    guard: CodeGuessing | None = getattr(state, "check_in_guessing", None)
    if guard is None:
        guard = state.check_in_guessing = CodeGuessing()
    return guard


_RESPONSES: dict[int | str, dict[str, Any]] = {
    **_LIMITED,
    404: {**_LIMITED[404], "description": "unknown_booking: no booking has this code"},
    409: {
        **_LIMITED[409],
        "description": "The booking cannot be checked in now: booking_used, booking_cancelled, "
        "booking_missed, booking_other_day, booking_other_office, check_in_too_early, "
        "check_in_too_late (the office refuses late visitors)",
    },
    422: {
        **_LIMITED[422],
        "description": "malformed_booking_code: the text is not a booking code or booking URL; "
        "invalid fields; an Idempotency-Key reused for another request",
    },
    429: {
        **_LIMITED[429],
        "description": f"too_many_codes: {GUESSES} unknown codes within a minute from this "
        f"device or client (or {ADDRESS_GUESSES} from this address); Retry-After says when to "
        "try again",
    },
}


@router.post(
    "/offices/{office}/check-in",
    status_code=201,
    response_model=CheckedIn,
    responses=_RESPONSES,
    tags=["kiosk"],
)
async def check_in(
    office: str,
    body: CheckInRequest,
    request: Request,
    container: ContainerDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """A booked visitor checks in by the booking's code (typed in any case, with or without
    spaces and dashes) or its scanned QR (the bare code or the booking URL).

    From 30 minutes before the slot to 10 minutes after it (the office's
    `booking.check_in` settings) the answer is an appointment ticket, called ahead of walk-ins
    from 5 minutes before its slot; later, a walk-in ticket (`late: true`) or, when the office
    refuses late visitors, 409 `check_in_too_late`. The answer is the ticket as for
    `POST /tickets` (number, people ahead, estimate, status URL) with the booking's code and
    slot. Every refusal names the code and the reason in the caller's language (Accept-Language)
    and changes nothing. For the office's kiosks and API clients.
    """
    require(principal, *CHECK_IN_KINDS, office=office)
    guard = guessing(request)
    keys = (principal.key, "ip:" + _address(request))
    guard.check(keys[0])
    guard.check(keys[1], allowed=ADDRESS_GUESSES)
    command = c.CheckIn(
        office,
        body.code,
        request_lang(request),
        by_kiosk=principal.kind == "kiosk",
        by_client=principal.id if principal.kind == "api_client" else None,
    )
    try:
        return await run_command(
            request, container, command, principal, idempotency_key, body.model_dump(), 201
        )
    except CheckInRefused as refusal:
        if refusal.code in _GUESS_CODES:
            guard.missed(*keys)
        raise


def _address(request: Request) -> str:
    return client_key(request.client.host) if request.client else "unknown"
