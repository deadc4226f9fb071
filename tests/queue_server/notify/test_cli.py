"""`okno notices`: the listing masks recipients and says which channels are off; retry re-queues
only a failed notice; bad input gets a RU/EN sentence and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from okno.cli import main
from queue_server.notify.channels import Channel, NoticeKind
from queue_server.storage import tables as t
from queue_server.storage.db import make_engine, sqlite_url
from queue_server.storage.notices import list_notices, queue_notice
from tests.helpers.office import OFFICE, office_engine

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database with a sent SMS and a failed e-mail notice."""
    path = tmp_path / "okno.db"
    engine = office_engine(path)
    with engine.begin() as conn:
        for channel, recipient in ((Channel.SMS, "+79161234512"), (Channel.EMAIL, "anna@mail.ru")):
            queue_notice(
                conn,
                office=OFFICE,
                kind=NoticeKind.REMINDER,
                channel=channel,
                recipient=recipient,
                data={"code": "K7M2QX"},
                now=NOW,
            )
        conn.execute(
            update(t.notices)
            .where(t.notices.c.channel == "email")
            .values(status="failed", attempts=8, last_error="SMTP 550 to anna@mail.ru")
        )
        conn.execute(update(t.notices).where(t.notices.c.channel == "sms").values(status="sent"))
    engine.dispose()
    return path


def _statuses(db: Path) -> dict[str, str]:
    engine = make_engine(sqlite_url(db))
    with engine.connect() as conn:
        result = {r.channel: r.status for r in list_notices(conn)}
    engine.dispose()
    return result


def test_listing_masks_recipients(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recipients and errors show masked; unconfigured channels are named as not queued."""
    for name in ("OKNO_SMTP_HOST", "OKNO_SMS_URL", "OKNO_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    assert main(["notices", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "+7***12" in out and "a***@mail.ru" in out
    assert "9161234512" not in out and "anna@" not in out
    assert "not configured, not queued" in out
    assert main(["notices", "--db", str(db), "--status", "failed"]) == 0
    out = capsys.readouterr().out
    assert "a***@mail.ru" in out and "+7***12" not in out


def test_retry_requeues_a_failed_notice(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`retry ID` makes a failed notice pending; a sent one is refused and stays sent."""
    engine = make_engine(sqlite_url(db))
    with engine.connect() as conn:
        ids = {r.channel: r.id for r in list_notices(conn)}
    engine.dispose()
    assert main(["notices", "--db", str(db), "retry", str(ids["sms"])]) == 2
    assert "не в статусе failed" in capsys.readouterr().err
    assert main(["notices", "--db", str(db), "retry", str(ids["email"])]) == 0
    assert _statuses(db) == {"sms": "sent", "email": "pending"}


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--status", "lost"], "статус «lost» неизвестен"),
        (["--limit", "0"], "--limit «0»"),
        (["retry", "abc"], "не число"),
        (["retry", "999"], "уведомления 999 нет"),
    ],
)
def test_bad_input_is_refused(
    db: Path, capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    """Each bad argument: exit 2, a Russian then English sentence, nothing changed."""
    assert main(["notices", "--db", str(db), *argv]) == 2
    err = capsys.readouterr().err
    assert words in err and " / " in err
    assert _statuses(db) == {"sms": "sent", "email": "failed"}
