"""The kiosk's two calls that `ClientSession` does not have: booking check-in and the device
alert (printer trouble for the dashboard)."""

from __future__ import annotations

import logging
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from kiosk_app.state import CheckInRequest, CheckInResult, Notice
from queue_protocol.checkin import CheckedIn
from queue_protocol.client import problem_from_response
from queue_protocol.errors import ConnectionLost, ProblemError

__all__ = ["KioskApi", "visitor_detail"]

logger = logging.getLogger("okno.kiosk")

#: the longest alert message the server takes (`queue_protocol.models.Reason`)
ALERT_MESSAGE_MAX = 200

#: codes by which the server says that booking check-in does not exist (yet)
_CHECK_IN_MISSING = {"not_found", "check_in_unavailable", "not_implemented"}


def visitor_detail(problem: ProblemError) -> str:
    """The server's sentence for the visitor, or "" when it has none worth showing.

    A refusal (4xx) carries a sentence in the asked language; a server fault or a proxy's page
    (5xx, HTML) does not, and the kiosk's own text is shown instead.
    """
    detail = problem.detail.strip()
    if problem.status >= 500 or detail.startswith("<"):
        return ""
    return detail


class KioskApi:
    """HTTP calls with the kiosk's token; `close()` releases the connection pool."""

    def __init__(
        self,
        base_url: str,
        token: str,
        office: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._office = office
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/api/v1",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=10.0,
            transport=transport,
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def check_in(self, request: CheckInRequest) -> CheckInResult:
        """Check a booking in by its code (or a scanned booking URL), asking in the visitor's
        language with the request's idempotency key (a retry gets the same ticket, never a
        second one); raises ConnectionLost when the server is away."""
        path = f"/offices/{quote(self._office, safe='')}/check-in"
        headers = {"Accept-Language": request.lang, "Idempotency-Key": request.key}
        try:
            response = await self._client.post(path, json={"code": request.code}, headers=headers)
        except httpx.TransportError as exc:
            raise ConnectionLost(f"check-in: {exc!r}") from exc
        if response.is_success:
            try:
                ticket = CheckedIn.model_validate_json(response.content)
            except ValidationError as exc:
                logger.error("the check-in answer was not understood: %s", exc)
                return CheckInResult(Notice.NOT_UNDERSTOOD)
            return CheckInResult(Notice.CHECK_IN_DONE, ticket=ticket)
        problem = problem_from_response(response)
        logger.info("check-in refused: %s", problem.code)
        if problem.status == 501 or (problem.status == 404 and problem.code in _CHECK_IN_MISSING):
            return CheckInResult(Notice.CHECK_IN_UNAVAILABLE)
        if problem.status == 422 and problem.code != "idempotency_conflict":
            return CheckInResult(Notice.CHECK_IN_BAD_CODE, visitor_detail(problem))
        if problem.status < 500:
            return CheckInResult(Notice.CHECK_IN_REFUSED, visitor_detail(problem))
        return CheckInResult(Notice.FAILED, visitor_detail(problem))

    async def alert(self, kind: str, code: str, message: str, key: str | None = None) -> bool:
        """Tell the server (and through it staff and the dashboard) that a device needs
        attention: `POST /devices/alerts`, logged there as `device.alert`. `key` is sent as the
        Idempotency-Key, so a retried alert is logged once.

        Never raises: an alert that cannot be sent is logged; the visitor is helped either way.
        """
        body = {"kind": kind[:64], "code": code[:64], "message": message[:ALERT_MESSAGE_MAX]}
        headers = {"Idempotency-Key": key} if key else None
        try:
            response = await self._client.post("/devices/alerts", json=body, headers=headers)
        except httpx.TransportError as exc:
            logger.warning("device alert %s/%s not sent: %r", kind, code, exc)
            return False
        if not response.is_success:
            logger.warning("device alert %s/%s refused: HTTP %d", kind, code, response.status_code)
            return False
        return True
