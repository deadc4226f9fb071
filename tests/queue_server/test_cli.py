"""The administrator's commands: operator add/passwd and device add issue working credentials."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from okno.cli import main
from queue_server.service.auth import KNOWN_TOKEN_SECONDS, Auth, AuthError
from queue_server.service.bus import QueueService
from queue_server.storage.db import make_engine, sqlite_url
from tests.helpers.office import OFFICE_YAML

pytestmark = pytest.mark.integration


MONOTONIC = [0.0]  # the time the token memory sees; moved by hand


@pytest.fixture
def db(tmp_path: Path) -> Path:
    config = tmp_path / "office.yaml"
    config.write_text(OFFICE_YAML, encoding="utf-8")
    assert main(["config", "apply", str(config), "--db", str(tmp_path / "okno.db")]) == 0
    return tmp_path / "okno.db"


@pytest.fixture
def auth(db: Path) -> Iterator[Auth]:
    """Login and token checks on the same database the commands write."""
    engine = make_engine(sqlite_url(db))
    yield Auth(engine, QueueService(engine, str), monotonic=lambda: MONOTONIC[0])
    engine.dispose()


def test_operator_add_then_login(
    db: Path, auth: Auth, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new operator with a service level can log in with the password given on stdin."""
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-pw\n"))
    code = main(
        [
            "operator",
            "add",
            "dan",
            "--office",
            "test",
            "--name",
            "Даниил",
            "--service",
            "vac:2",
            "--password-stdin",
            "--db",
            str(db),
        ]
    )
    assert code == 0, capsys.readouterr().err
    result = auth.login("dan", "s3cret-pw", "1")
    assert result.principal.roles == ("operator",) and result.principal.workplace == "1"
    with pytest.raises(AuthError):
        auth.login("dan", "wrong", "1")


def test_operator_add_refuses_unknown_service(
    db: Path, auth: Auth, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown service is named in the error and no operator is created."""
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-pw\n"))
    code = main(
        [
            "operator",
            "add",
            "dan",
            "--office",
            "test",
            "--name",
            "D",
            "--service",
            "nope",
            "--password-stdin",
            "--db",
            str(db),
        ]
    )
    assert code == 2 and "unknown services: nope" in capsys.readouterr().err
    with pytest.raises(AuthError):
        auth.login("dan", "s3cret-pw", "1")


def test_passwd_replaces_the_password(
    db: Path, auth: Auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After `operator passwd` the old password fails and the new one works."""
    monkeypatch.setattr("sys.stdin", io.StringIO("brand-new\n"))
    assert main(["operator", "passwd", "alice", "--password-stdin", "--db", str(db)]) == 0
    with pytest.raises(AuthError):
        auth.login("alice", "secret1", "1")
    assert auth.login("alice", "brand-new", "1").principal.id == "alice"


def test_device_add_prints_a_token_that_authenticates(
    db: Path, auth: Auth, capsys: pytest.CaptureFixture[str]
) -> None:
    """The printed token is the device's; a new one replaces it and the old one stops working
    once the server's memory of checked tokens (10 s) has passed."""
    assert (
        main(["device", "add", "kiosk-2", "--office", "test", "--kind", "kiosk", "--db", str(db)])
        == 0
    )
    first = capsys.readouterr().out.strip()
    assert auth.authenticate(first).id == "kiosk-2"
    assert (
        main(["device", "add", "kiosk-2", "--office", "test", "--kind", "kiosk", "--db", str(db)])
        == 0
    )
    second = capsys.readouterr().out.strip()
    assert second != first and auth.authenticate(second).kind == "kiosk"
    MONOTONIC[0] += KNOWN_TOKEN_SECONDS + 1
    with pytest.raises(AuthError):
        auth.authenticate(first)


def test_device_last_seen_is_recorded_once_a_minute(db: Path, auth: Auth) -> None:
    """touch_device writes last_seen, and again only after a minute has passed."""
    from sqlalchemy import select

    from queue_server.service.auth import DEVICE_SEEN_SECONDS
    from queue_server.storage import tables as t

    def last_seen() -> object:
        with auth.engine.connect() as conn:
            return conn.execute(
                select(t.devices.c.last_seen).where(t.devices.c.id == "display-1")
            ).scalar_one()

    assert last_seen() is None
    auth.touch_device("display-1")
    first = last_seen()
    assert first is not None
    with auth.engine.begin() as conn:
        conn.execute(t.devices.update().values(last_seen=None))
    auth.touch_device("display-1")
    assert last_seen() is None  # within the minute: no write
    MONOTONIC[0] += DEVICE_SEEN_SECONDS
    auth.touch_device("display-1")
    assert last_seen() is not None
