"""A notice queued before `kill -9` of the server is sent by the next server process (aiosmtpd)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from queue_server.notify.channels import NoticeChannels
from queue_server.service.notices import booking_notice
from queue_server.service.tx import Tx
from queue_server.storage.db import make_engine, office_transaction, sqlite_url
from queue_server.storage.notices import BookingContactRow, list_notices
from queue_server.storage.repository import Repository
from tests.helpers.office import OFFICE
from tests.helpers.server_process import ServerProcess
from tests.queue_server.notify.test_outbox import add_booking

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

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
    """Server 1 (no SMTP yet) holds a committed pending e-mail notice when it is killed -9;
    server 2, started with SMTP, delivers it and marks it sent."""
    inbox, port = smtp_server
    monkeypatch.setenv("OKNO_NOTICE_POLL_SECONDS", "0.2")
    first = ServerProcess(tmp_path)
    first.apply_test_office()
    first.start()
    engine = make_engine(sqlite_url(first.db))
    try:
        slot = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
        booking: BookingContactRow = add_booking(engine, slot, phone=None)
        with office_transaction(engine, OFFICE) as conn:
            repo = Repository(conn)
            office = repo.office(OFFICE)
            assert office is not None
            tx = Tx(repo, office, datetime.now(UTC), str, notices=NoticeChannels(email=True))
            assert booking_notice(tx, "booking_confirmation", booking, manage_url="http://m") == 1
        time.sleep(0.5)  # server 1 runs its outbox rounds meanwhile: no e-mail sender there
        first.kill()
        assert inbox.messages == []
        with engine.connect() as conn:
            [pending] = list_notices(conn)
        assert pending.status == "pending" and pending.attempts == 0

        monkeypatch.setenv("OKNO_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("OKNO_SMTP_PORT", str(port))
        monkeypatch.setenv("OKNO_SMTP_SECURITY", "none")
        monkeypatch.setenv("OKNO_SMTP_FROM", "okno@example.ru")
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
        assert b"K7M2QX" in (inbox.messages[0].original_content or b"")
        assert (row.status, row.attempts) == ("sent", 1)
    finally:
        first.kill()
        engine.dispose()
