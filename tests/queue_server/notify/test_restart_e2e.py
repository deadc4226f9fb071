"""A notice queued before `kill -9` of the server is sent by the next server process (aiosmtpd)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from queue_server.service.bookings import add_api_client
from queue_server.storage.db import make_engine, sqlite_url
from queue_server.storage.notices import list_notices
from tests.helpers.bookable import enable_booking
from tests.helpers.office import OFFICE
from tests.helpers.server_process import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

DEADLINE_SECONDS = 20.0


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """aiosmtpd on 127.0.0.1, port 0, on its own loop in a thread."""
    inbox = Inbox()
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(lambda: SMTP(inbox), "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield inbox, port
    loop.call_soon_threadsafe(server.close)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def test_notice_queued_before_kill_9_is_sent_after_restart(
    tmp_path: Path, smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Server 1 (SMTP configured, its outbox past its first round and asleep for an hour) books
    a visit through the booking API, which queues the confirmation, and is killed -9 before
    sending it; server 2 on the same database delivers it to aiosmtpd and marks it sent."""
    inbox, port = smtp_server
    monkeypatch.setenv("OKNO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("OKNO_SMTP_PORT", str(port))
    monkeypatch.setenv("OKNO_SMTP_SECURITY", "none")
    monkeypatch.setenv("OKNO_SMTP_FROM", "okno@example.ru")
    monkeypatch.setenv("OKNO_NOTICE_POLL_SECONDS", "3600")
    first = ServerProcess(tmp_path)
    first.apply_test_office()
    engine = make_engine(sqlite_url(first.db))
    enable_booking(
        engine,
        schedule={"mon-sun": "00:00-23:30"},
        lead_minutes=0,
        horizon_days=7,
        daily_limit=None,
        holidays=[],
    )
    _id, token = add_api_client(engine, OFFICE, "Портал")
    slot = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    try:
        first.start()
        answer = httpx.post(
            f"{first.url}/api/v1/offices/{OFFICE}/booking/bookings",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "service": "reg",
                "slot_at": slot.isoformat(),
                "email": "anna@example.ru",
                "consent": True,
            },
            timeout=DEADLINE_SECONDS,
        )
        assert answer.status_code == 201, answer.text
        code = answer.json()["code"]
        time.sleep(0.5)  # server 1's outbox sleeps: nothing is sent
        first.kill()
        assert inbox.messages == []
        with engine.connect() as conn:
            [pending] = list_notices(conn)
        assert (pending.kind, pending.status, pending.attempts) == (
            "booking_confirmation",
            "pending",
            0,
        )

        monkeypatch.setenv("OKNO_NOTICE_POLL_SECONDS", "0.2")
        with ServerProcess(tmp_path, db=first.db):
            deadline = time.monotonic() + DEADLINE_SECONDS
            while not inbox.messages and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(inbox.messages) == 1, (tmp_path / "server.log").read_text()
            while time.monotonic() < deadline:
                with engine.connect() as conn:
                    [row] = list_notices(conn)
                if row.status == "sent":
                    break
                time.sleep(0.05)
        assert inbox.messages[0].rcpt_tos == ["anna@example.ru"]
        assert code.encode() in (inbox.messages[0].original_content or b"")
        assert (row.status, row.attempts) == ("sent", 1)
    finally:
        first.kill()
        engine.dispose()
