"""KioskApi.check_in against recorded answers: what each server answer becomes on the kiosk."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from kiosk_app.api import KioskApi
from kiosk_app.state import CheckInRequest, Notice

pytestmark = pytest.mark.asyncio

REQUEST = CheckInRequest(code="ACDE7K3P", lang="en", key="key-1", asked_at=0.0)
TICKET = {
    "id": 7, "number": "А007", "service": "reg", "status": "waiting", "ahead": 0,
    "estimate_minutes": 3, "status_url": "http://x/t/1", "issued_at": "2026-03-11T12:00:00Z",
    "booking": "ACDE7K3P", "slot_at": "2026-03-11T12:10:00Z", "late": False,
}  # fmt: skip


def problem(status: int, code: str, detail: str) -> httpx.Response:
    body = {"type": "x", "title": "t", "status": status, "detail": detail, "code": code}
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


async def answer(response: httpx.Response) -> tuple[Any, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return response

    api = KioskApi("http://server", "kiosk-token", "test", httpx.MockTransport(handler))
    try:
        return await api.check_in(REQUEST), seen
    finally:
        await api.close()


async def test_success_carries_the_ticket_and_sends_key_and_language() -> None:
    """201: the ticket; the request went to the office's check-in with key and language."""
    result, seen = await answer(httpx.Response(201, json=TICKET))
    assert result.notice is Notice.CHECK_IN_DONE and result.ticket is not None
    assert result.ticket.number == "А007" and result.ticket.booking == "ACDE7K3P"
    (request,) = seen
    assert request.url.path == "/api/v1/offices/test/check-in"
    assert json.loads(request.content) == {"code": "ACDE7K3P"}
    assert request.headers["Idempotency-Key"] == "key-1"
    assert request.headers["Accept-Language"] == "en"
    assert request.headers["Authorization"] == "Bearer kiosk-token"


@pytest.mark.parametrize(
    ("response", "notice", "detail"),
    [
        (problem(409, "booking_used", "Booking X was already checked in: ticket А001"),
         Notice.CHECK_IN_REFUSED, "Booking X was already checked in: ticket А001"),
        (problem(404, "unknown_booking", "No booking with code X"),
         Notice.CHECK_IN_REFUSED, "No booking with code X"),
        (problem(429, "too_many_codes", "Too many wrong booking codes"),
         Notice.CHECK_IN_REFUSED, "Too many wrong booking codes"),
        (problem(422, "malformed_booking_code", "This does not look like a booking code"),
         Notice.CHECK_IN_BAD_CODE, "This does not look like a booking code"),
        (problem(404, "not_found", "No such address"), Notice.CHECK_IN_UNAVAILABLE, ""),
        (problem(500, "internal_error", "Internal server error"), Notice.FAILED, ""),
        (httpx.Response(201, json={"number": "А1"}), Notice.NOT_UNDERSTOOD, ""),
    ],
)  # fmt: skip
async def test_each_answer_becomes_its_notice(
    response: httpx.Response, notice: Notice, detail: str
) -> None:
    """Refusals keep the server's sentence; a missing route, a fault or nonsense do not."""
    result, _ = await answer(response)
    assert (result.notice, result.detail, result.ticket) == (notice, detail, None)
