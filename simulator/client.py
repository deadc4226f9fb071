"""The simulator's HTTP calls to the server: the kiosk, the desks and the simulation clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx


class SimulationError(RuntimeError):
    """The server refused what the simulation needed; the message says what and why."""


class Refused(SimulationError):
    """A refusal the simulation may expect (e.g. queue_empty): `code` is the problem's code."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code


class ServerClient:
    """One keep-alive HTTP connection to the server; every call is synchronous."""

    def __init__(self, base_url: str, office: str, kiosk_token: str, sim_token: str | None):
        self.office = office
        self.kiosk_token = kiosk_token
        self.sim_token = sim_token
        self.requests = 0
        # As fast as possible, each request carries the simulated time it happens at: the
        # server moves its clock there first (no extra round trip per event).
        self.at: datetime | None = None
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=30.0,
            headers={"Accept-Language": "en"},
        )

    def close(self) -> None:
        self._http.close()

    def _call(
        self, method: str, path: str, token: str | None, body: dict[str, Any] | None = None
    ) -> Any:
        self.requests += 1
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if self.at is not None and self.sim_token:
            headers["X-Okno-Sim-Now"] = self.at.isoformat()
            headers["X-Okno-Sim-Token"] = self.sim_token
        try:
            response = self._http.request(method, path, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise SimulationError(f"{method} {path}: the server did not answer: {exc}") from None
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {}
            code = str(problem.get("code", "error"))
            detail = str(problem.get("detail", response.text[:200]))
            raise Refused(response.status_code, code, f"{method} {path}: {detail}")
        return response.json()

    # -- the clock ------------------------------------------------------------------------

    def clock(self) -> datetime | None:
        """The server's simulated now, or None when it keeps the real time (no simulation)."""
        try:
            answer = self._call("GET", "/api/v1/sim/clock", self.sim_token)
        except Refused as exc:
            if exc.code == "simulation_off":
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

    # -- the desks ----------------------------------------------------------------------------

    def login(self, login: str, password: str, workplace: str) -> str:
        body = {"login": login, "password": password, "workplace": workplace}
        answer = self._call("POST", "/api/v1/auth/login", None, body)
        return str(answer["token"])

    def desk(self, token: str, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST /api/v1/desk/{action}; the answer is the DeskState."""
        answer: dict[str, Any] = self._call("POST", f"/api/v1/desk/{action}", token, body or {})
        return answer
