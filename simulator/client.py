"""The simulator's HTTP calls to the server: the kiosk, the desks and the simulation clock."""

from __future__ import annotations

import json
from datetime import datetime
from http.client import HTTPConnection, HTTPException, HTTPSConnection, RemoteDisconnected
from typing import Any
from urllib.parse import urlsplit

TIMEOUT = 30.0


class SimulationError(RuntimeError):
    """The server refused what the simulation needed; the message says what and why."""


class Refused(SimulationError):
    """A refusal the simulation may expect (e.g. queue_empty): `code` is the problem's code."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code


class ServerClient:
    """One keep-alive HTTP/1.1 connection to the server; every call is synchronous.

    The standard library's client: a simulated day is thousands of sequential requests, and
    its per-request cost is a fraction of a richer client's.
    """

    def __init__(self, base_url: str, office: str, kiosk_token: str, sim_token: str | None):
        self.office = office
        self.kiosk_token = kiosk_token
        self.sim_token = sim_token
        self.requests = 0
        # As fast as possible, each request carries the simulated time it happens at: the
        # server moves its clock there first (no extra round trip per event).
        self.at: datetime | None = None
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SimulationError(f"{base_url}: not an http(s) address of a server")
        self._base = parts.path.rstrip("/")
        factory = HTTPSConnection if parts.scheme == "https" else HTTPConnection
        self._connection = factory(parts.hostname, parts.port, timeout=TIMEOUT)
        self._url = base_url

    def close(self) -> None:
        self._connection.close()

    def _call(
        self, method: str, path: str, token: str | None, body: dict[str, Any] | None = None
    ) -> Any:
        self.requests += 1
        headers = {"Accept-Language": "en", "Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if self.at is not None and self.sim_token:
            headers["X-Okno-Sim-Now"] = self.at.isoformat()
            headers["X-Okno-Sim-Token"] = self.sim_token
        payload = None if body is None else json.dumps(body).encode()
        for attempt in (1, 2):
            try:
                self._connection.request(method, self._base + path, payload, headers)
                response = self._connection.getresponse()
                status, raw = response.status, response.read()
                break
            except (OSError, HTTPException) as exc:
                self._connection.close()  # reconnects on the next request
                # A kept-alive connection the server closed while idle fails before the request
                # is read: sending it again is safe. Anything else is not retried.
                stale = isinstance(exc, (RemoteDisconnected, BrokenPipeError, ConnectionResetError))
                if attempt == 2 or not stale:
                    raise SimulationError(
                        f"{method} {path}: the server at {self._url} did not answer: {exc}"
                    ) from None
        if status >= 400:
            try:
                problem = json.loads(raw)
            except ValueError:
                problem = {}
            code = str(problem.get("code", "error"))
            detail = str(problem.get("detail", raw[:200].decode(errors="replace")))
            raise Refused(status, code, f"{method} {path}: {detail}")
        return json.loads(raw)

    # -- the clock ------------------------------------------------------------------------

    def clock(self) -> datetime | None:
        """The server's simulated now, or None when it keeps the real time (no simulation)."""
        try:
            answer = self._call("GET", "/api/v1/sim/clock", self.sim_token)
        except Refused as exc:
            if exc.status == 404:  # an ordinary server has no clock route at all
                return None
            raise
        return datetime.fromisoformat(answer["now"])

    def set_clock(self, now: datetime, rate: float = 0.0) -> None:
        self._call(
            "POST", "/api/v1/sim/clock", self.sim_token, {"now": now.isoformat(), "rate": rate}
        )

    # -- the kiosk and the hall -------------------------------------------------------------

    def issue(self, service: str) -> dict[str, Any]:
        body = {"service": service, "lang": "ru"}
        answer: dict[str, Any] = self._call(
            "POST", f"/api/v1/offices/{self.office}/tickets", self.kiosk_token, body
        )
        return answer

    def queue(self) -> dict[str, Any]:
        answer: dict[str, Any] = self._call(
            "GET", f"/api/v1/offices/{self.office}/queue", self.kiosk_token
        )
        return answer

    def book(self, token: str, service: str, slot_at: datetime) -> str:
        """Book `service` at `slot_at` as an outside system (API client); returns the code."""
        body = {"service": service, "slot_at": slot_at.isoformat()}
        answer = self._call("POST", f"/api/v1/offices/{self.office}/booking/bookings", token, body)
        return str(answer["code"])

    def check_in(self, code: str) -> dict[str, Any]:
        """The visitor checks the booking in at the kiosk: the ticket, as for `issue`."""
        answer: dict[str, Any] = self._call(
            "POST", f"/api/v1/offices/{self.office}/check-in", self.kiosk_token, {"code": code}
        )
        return answer

    # -- the desks ----------------------------------------------------------------------------

    def login(self, login: str, password: str, workplace: str) -> str:
        body = {"login": login, "password": password, "workplace": workplace}
        answer = self._call("POST", "/api/v1/auth/login", None, body)
        return str(answer["token"])

    def desk(self, token: str, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST /api/v1/desk/{action}; the answer is the DeskState. An action without `body`
        is sent without one, as the desk app sends it."""
        answer: dict[str, Any] = self._call("POST", f"/api/v1/desk/{action}", token, body)
        return answer
