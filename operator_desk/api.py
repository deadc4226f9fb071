"""The calls `ClientSession` does not have: the desk's own figures and the rating terminal's
verdict. Each POST carries an `Idempotency-Key`, so a retried tap never rates twice."""

from __future__ import annotations

import logging
import uuid
from typing import TypeVar

import httpx

from operator_desk.rating_state import Submission
from queue_protocol.client import problem_from_response
from queue_protocol.errors import ConnectionLost, ProtocolError
from queue_protocol.ratings import DeskToday, RateRequest, RatingStored

__all__ = ["OknoExtras"]

logger = logging.getLogger("okno.desk")

Answer = TypeVar("Answer", DeskToday, RatingStored)


class OknoExtras:
    """HTTP calls with a bearer token; `close()` releases the connection pool."""

    def __init__(
        self,
        base_url: str,
        token: str,
        lang: str = "ru",
        transport: httpx.AsyncBaseTransport | None = None,
        attempts: int = 3,
    ) -> None:
        self.lang = lang
        self._attempts = attempts
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/api/v1",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=10.0,
            transport=transport,
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def today(self) -> DeskToday:
        """The signed-in operator's figures today; raises ProblemError / ConnectionLost."""
        response = await self._send("GET", "/desk/today")
        return _parse(DeskToday, response)

    async def rate(
        self, submission: Submission, idempotency_key: str | None = None
    ) -> RatingStored:
        """Send a verdict (the same key on every attempt); raises ProblemError / ConnectionLost."""
        body = RateRequest(
            ticket=submission.ticket,
            csat=submission.csat,
            ces=submission.ces,
            reasons=list(submission.reasons),
        ).model_dump(mode="json")
        key = idempotency_key or str(uuid.uuid4())
        response = await self._send("POST", "/ratings", body, {"Idempotency-Key": key})
        return _parse(RatingStored, response)

    async def _send(
        self,
        method: str,
        path: str,
        body: object = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = {"Accept-Language": self.lang, **(headers or {})}
        for attempt in range(1, self._attempts + 1):
            try:
                response = await self._client.request(method, path, json=body, headers=headers)
            except httpx.TransportError as exc:
                if attempt == self._attempts:
                    raise ConnectionLost(f"{method} {path}: {exc!r}") from exc
                logger.info("%s %s failed (%r), attempt %d", method, path, exc, attempt)
                continue
            if response.is_success:
                return response
            raise problem_from_response(response)
        raise AssertionError("unreachable")


def _parse(model: type[Answer], response: httpx.Response) -> Answer:
    try:
        return model.model_validate_json(response.content)
    except ValueError as exc:
        raise ProtocolError(f"unexpected answer: {exc}") from exc
